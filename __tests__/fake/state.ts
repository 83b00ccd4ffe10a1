// The data the fake GitHub holds, and GitHub's own rules about changing it (deletion refusals,
// the 30-day restore window). No HTTP here: rest-packages.ts and registry.ts map these results
// to responses.
import { generatedManifest, sha256Digest } from './images.js'

export const PACKAGE_TYPES = ['npm', 'maven', 'rubygems', 'docker', 'nuget', 'container'] as const
export type PackageType = (typeof PACKAGE_TYPES)[number]
export type Visibility = 'public' | 'private' | 'internal'
export type AccountType = 'Organization' | 'User'

export interface FakeAccountSeed {
  login: string
  type: AccountType
  id?: number
}

export interface FakeVersionSeed {
  id?: number
  /**
   * Version name. Required for other types; for containers the manifest digest ("sha256:…"),
   * filled in from the manifest when omitted (and checked against it when given).
   */
  name?: string
  /**
   * Containers: the manifest the registry serves, as the exact JSON bytes pushed (see images.ts).
   * Without one the fake generates a small OCI image manifest, so then leave `name` unset.
   */
  manifest?: FakeManifestSeed
  /** Container tags (ignored for other types, as GitHub has none). */
  tags?: string[]
  created_at: string
  updated_at?: string
  /** Never exposed by the API; only drives the "more than 5000 downloads" refusal. */
  downloads?: number
  /** Seed an already deleted version (restorable for 30 days from this instant by the fake clock). */
  deleted_at?: string
  /**
   * Containers: pushed to the registry (which serves it) but not yet in GitHub's REST listing of
   * versions nor in its version_count, as when the listing (a search index) lags a push.
   */
  unlisted?: true
}

export interface FakeManifestSeed {
  mediaType: string
  body: string
}

export interface FakePackageSeed {
  owner: string
  package_type: PackageType
  name: string
  visibility?: Visibility
  /** "owner/repo" the package is linked to, if any. */
  repository?: string
  versions: FakeVersionSeed[]
}

/** A version as the fake holds it, for assertions. Timestamps as GitHub writes them. */
export interface FakeVersion {
  id: number
  name: string
  tags: string[]
  created_at: string
  updated_at: string
  downloads: number
  deleted_at?: string
}

export interface Account {
  id: number
  login: string
  type: AccountType
}

export interface StoredVersion {
  id: number
  name: string
  tags: string[]
  createdAt: string
  updatedAt: string
  downloads: number
  deletedAt?: Date
  /** Containers only: what the registry serves for this version (digest = name). */
  manifest?: StoredManifest
  /** In the registry, not (yet) in the REST listing: a listing that lags a push. */
  unlisted?: true
}

export interface StoredManifest {
  mediaType: string
  digest: string
  bytes: Buffer
}

export interface StoredPackage {
  id: number
  owner: Account
  type: PackageType
  name: string
  visibility: Visibility
  repository?: { id: number; owner: Account; name: string }
  versions: StoredVersion[]
  deletedAt?: Date
}

/** GitHub keeps deleted packages and versions restorable for 30 days, then purges them. */
export const RESTORE_WINDOW_MS = 30 * 24 * 60 * 60 * 1000

export const DOWNLOAD_LIMIT = 5000

// GitHub's exact refusal messages (see shared/reference/platform-facts.md).
export const REFUSALS = {
  downloads:
    'Publicly visible package versions with more than 5000 downloads cannot be deleted. Contact GitHub support for further assistance.',
  // Guess by analogy: GitHub documents the rule for whole packages but the wording is not known.
  packageDownloads:
    'Publicly visible packages with more than 5000 downloads cannot be deleted. Contact GitHub support for further assistance.',
  lastTagged: 'You cannot delete the last tagged version of a package. You must delete the package instead.',
  lastVersion: 'You cannot delete the last version of a package. You must delete the package instead.'
} as const

/** GitHub writes timestamps without milliseconds. */
export function githubTime(value: string | Date): string {
  const date = typeof value === 'string' ? new Date(value) : value
  if (Number.isNaN(date.getTime())) throw new Error(`fake GitHub: invalid timestamp ${String(value)}`)
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

export type RestoreOutcome = 'restored' | 'not-deleted' | 'gone'

export class FakeState {
  private readonly accounts = new Map<string, Account>()
  private readonly packages: StoredPackage[] = []
  /** version_count as a test wants GitHub to report it (wrong, missing, lagging), from the true count. */
  readonly versionCounts = new Map<StoredPackage, (actual: number) => number | undefined>()
  /** Bumped by every change to the store; invalidates activeCache. */
  private revision = 0
  private readonly activeCache = new WeakMap<StoredPackage, { revision: number; versions: StoredVersion[] }>()
  private readonly listedCache = new WeakMap<StoredVersion[], StoredVersion[]>()

  constructor(
    accounts: FakeAccountSeed[],
    packages: FakePackageSeed[],
    readonly now: () => Date
  ) {
    accounts.forEach((seed, index) => {
      const key = seed.login.toLowerCase()
      if (this.accounts.has(key)) throw new Error(`fake GitHub: duplicate account ${seed.login}`)
      this.accounts.set(key, { id: seed.id ?? 9000 + index, login: seed.login, type: seed.type })
    })
    this.seedPackages(packages)
  }

  /** Logins are case-insensitive on GitHub. */
  account(login: string): Account | undefined {
    return this.accounts.get(login.toLowerCase())
  }

  /**
   * The package a name stands for: the active one, else the most recently deleted one that is
   * still restorable; purged ones are gone. After a namespace reuse (publishPackage) the name
   * stands for the new package, as on GitHub.
   */
  findPackage(owner: string, type: string, name: string): StoredPackage | undefined {
    const account = this.account(owner)
    const named = this.packages.filter((p) => p.owner === account && p.type === type && p.name === name && !this.purged(p.deletedAt))
    return named.find((p) => !p.deletedAt) ?? named.sort((a, b) => (b.deletedAt?.getTime() ?? 0) - (a.deletedAt?.getTime() ?? 0))[0]
  }

  /** Active packages of an owner and type, by name (GitHub's order is not documented). */
  listPackages(owner: Account, type: PackageType): StoredPackage[] {
    return this.packages
      .filter((p) => p.owner === owner && p.type === type && !p.deletedAt)
      .sort((a, b) => a.name.localeCompare(b.name))
  }

  /** Newest first, as GitHub lists them (by id, descending). Do not mutate the array. */
  versionsOf(pkg: StoredPackage, state: 'active' | 'deleted'): StoredVersion[] {
    // The active list of a package with tens of thousands of versions is asked for once per
    // page: keep it until something changes. The deleted list depends on the clock (purging).
    if (state === 'active') {
      const cached = this.activeCache.get(pkg)
      if (cached?.revision === this.revision) return cached.versions
    }
    const versions = pkg.versions
      .filter((v) => (state === 'active' ? !v.deletedAt : v.deletedAt && !this.purged(v.deletedAt)))
      .sort((a, b) => b.id - a.id)
    if (state === 'active') this.activeCache.set(pkg, { revision: this.revision, versions })
    return versions
  }

  /** The versions the REST API lists: those of versionsOf, but for the ones the listing lags behind. Do not mutate. */
  listedVersionsOf(pkg: StoredPackage, state: 'active' | 'deleted'): StoredVersion[] {
    const versions = this.versionsOf(pkg, state)
    let listed = this.listedCache.get(versions)
    if (!listed) {
      listed = versions.some((v) => v.unlisted) ? versions.filter((v) => !v.unlisted) : versions
      this.listedCache.set(versions, listed)
    }
    return listed
  }

  /** The active container package a registry path ("owner/name", lowercase) names. */
  containerRepository(path: string): StoredPackage | undefined {
    return this.packages.find((p) => p.type === 'container' && !p.deletedAt && repositoryPath(p) === path)
  }

  /** Every container package, active or not, for checks across the whole store. */
  containerPackages(): StoredPackage[] {
    return this.packages.filter((p) => p.type === 'container' && !this.purged(p.deletedAt))
  }

  findVersion(pkg: StoredPackage, id: number): StoredVersion | undefined {
    const version = pkg.versions.find((v) => v.id === id)
    return version && !this.purged(version.deletedAt) ? version : undefined
  }

  /** Applies GitHub's refusals; returns the refusal message, or undefined when deleted. */
  deleteVersion(pkg: StoredPackage, version: StoredVersion): string | undefined {
    if (pkg.visibility === 'public' && version.downloads > DOWNLOAD_LIMIT) return REFUSALS.downloads
    const active = this.versionsOf(pkg, 'active')
    if (pkg.type === 'container' && version.tags.length > 0) {
      const tagged = active.filter((v) => v.tags.length > 0)
      if (tagged.length === 1) return REFUSALS.lastTagged
    }
    // Guess for containers with only untagged versions left: a package cannot be empty either.
    if (active.length === 1) return REFUSALS.lastVersion
    version.deletedAt = this.now()
    this.revision++
    return undefined
  }

  /** What GitHub reports as version_count: the active versions, unless a test made it lie (undefined: the field is missing). */
  versionCount(pkg: StoredPackage): number | undefined {
    // What the listing shows: a registry ahead of the listing (unlisted versions) lags the count too.
    const actual = this.listedVersionsOf(pkg, 'active').length
    const lie = this.versionCounts.get(pkg)
    return lie ? lie(actual) : actual
  }

  // ------------------------------------------------------------ another actor
  // What a second workflow or a person does to a package meanwhile (tests script it, e.g. between
  // two pages of a listing through FakeGitHub.onPageServed).

  /** A version pushed now: the next id, timestamps from the fake clock (or the seed's). */
  pushVersion(pkg: StoredPackage, seed: Omit<FakeVersionSeed, 'created_at'> & { created_at?: string }): StoredVersion {
    const created = seed.created_at ?? githubTime(this.now())
    const id = seed.id ?? Math.max(999, ...this.packages.flatMap((p) => p.versions.map((v) => v.id))) + 1
    if (this.packages.some((p) => p.versions.some((v) => v.id === id))) throw new Error(`fake GitHub: duplicate version id ${id}`)
    const full: FakeVersionSeed = { ...seed, id, created_at: created }
    const version: StoredVersion = {
      id,
      ...identity({ owner: pkg.owner.login, package_type: pkg.type, name: pkg.name, versions: [] }, full, pkg.versions.length),
      tags: [],
      createdAt: githubTime(created),
      updatedAt: githubTime(seed.updated_at ?? created),
      downloads: seed.downloads ?? 0
    }
    if (pkg.type === 'container' && pkg.versions.some((v) => !v.deletedAt && v.name === version.name)) {
      throw new Error(`fake GitHub: ${pkg.name} already has manifest ${version.name}`)
    }
    pkg.versions.push(version)
    this.revision++
    if (seed.tags?.length) this.tag(pkg, version, seed.tags)
    return version
  }

  /**
   * `docker buildx imagetools create --tag TAG child@digest...`: a new OCI index over existing
   * manifests of the package (no new platform manifests), pushed now with `tags`.
   */
  imagetoolsCreate(pkg: StoredPackage, children: StoredVersion[], tags: string[]): StoredVersion {
    const platforms = ['linux/amd64', 'linux/arm64', 'linux/s390x', 'linux/ppc64le', 'linux/riscv64', 'linux/386']
    const body = JSON.stringify(
      {
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: children.map((child, i) => {
          const [os, architecture] = (platforms[i % platforms.length] as string).split('/')
          return { mediaType: child.manifest?.mediaType ?? 'application/vnd.oci.image.manifest.v1+json', digest: child.name, size: child.manifest?.bytes.length ?? 0, platform: { architecture, os } }
        }),
        annotations: { 'org.opencontainers.image.created': this.now().toISOString(), 'imagetools.tags': tags.join(',') }
      },
      null,
      2
    )
    return this.pushVersion(pkg, { manifest: { mediaType: 'application/vnd.oci.image.index.v1+json', body }, tags })
  }

  /** Tags a version as a push of those tags does: each tag moves here from whichever version had it; updated_at is now. */
  tag(pkg: StoredPackage, version: StoredVersion, tags: string[]): void {
    if (pkg.type !== 'container') throw new Error('fake GitHub: only container versions have tags')
    const now = githubTime(this.now())
    for (const other of pkg.versions) {
      if (other === version || !other.tags.some((t) => tags.includes(t))) continue
      other.tags = other.tags.filter((t) => !tags.includes(t))
      other.updatedAt = now
    }
    version.tags = [...version.tags, ...tags.filter((t) => !version.tags.includes(t))]
    version.updatedAt = now
    this.revision++
  }

  deletePackage(pkg: StoredPackage): string | undefined {
    if (pkg.visibility === 'public' && pkg.versions.some((v) => v.downloads > DOWNLOAD_LIMIT)) {
      return REFUSALS.packageDownloads
    }
    pkg.deletedAt = this.now()
    this.revision++
    return undefined
  }

  restoreVersion(version: StoredVersion): RestoreOutcome {
    if (!version.deletedAt) return 'not-deleted'
    if (this.purged(version.deletedAt)) return 'gone'
    version.deletedAt = undefined
    this.revision++
    return 'restored'
  }

  restorePackage(pkg: StoredPackage): RestoreOutcome {
    if (!pkg.deletedAt) return 'not-deleted'
    if (this.purged(pkg.deletedAt)) return 'gone'
    pkg.deletedAt = undefined
    this.revision++
    return 'restored'
  }

  /** Deleted more than 30 days ago by the fake clock: GitHub has purged it. */
  private purged(deletedAt: Date | undefined): boolean {
    return deletedAt !== undefined && this.now().getTime() - deletedAt.getTime() > RESTORE_WINDOW_MS
  }

  // ------------------------------------------------------------ namespace reuse
  // GitHub restores a deleted package or version only while "the same package namespace is
  // still available and not reused for a new package". publishPackage models a new package
  // pushed under the name of a deleted one: from then on the name stands for the new package
  // (findPackage), so restoring the old package or one of its versions by name fails.

  /**
   * A package pushed now (after the fake started), e.g. a new package reusing the name of a
   * deleted one. Refused while an active package already has that name.
   */
  publishPackage(seed: FakePackageSeed): StoredPackage {
    this.seedPackages([seed], { reuseDeletedNames: true })
    this.revision++
    return this.packages.at(-1) as StoredPackage
  }

  private seedPackages(seeds: FakePackageSeed[], { reuseDeletedNames = false } = {}): void {
    const usedIds = new Set<number>(this.packages.flatMap((p) => p.versions.map((v) => v.id)))
    for (const seed of seeds) {
      for (const v of seed.versions) {
        if (v.id === undefined) continue
        if (usedIds.has(v.id)) throw new Error(`fake GitHub: duplicate version id ${v.id}`)
        usedIds.add(v.id)
      }
    }
    // Ids without a seed follow creation order across all packages, so "newest first by id"
    // agrees with created_at the way it does on GitHub.
    const autoIds = new Map<FakeVersionSeed, number>()
    // Versions pushed later get larger ids than every version already held, as on GitHub.
    let next = Math.max(999, ...usedIds) + 1
    seeds
      .flatMap((s) => s.versions)
      .filter((v) => v.id === undefined)
      .map((v, order) => ({ v, order, t: new Date(v.created_at).getTime() }))
      .sort((a, b) => a.t - b.t || a.order - b.order)
      .forEach(({ v }) => {
        while (usedIds.has(next)) next++
        autoIds.set(v, next++)
      })

    seeds.forEach((seed) => {
      const owner = this.account(seed.owner)
      if (!owner) throw new Error(`fake GitHub: package ${seed.name} has unknown owner ${seed.owner}`)
      if (!(PACKAGE_TYPES as readonly string[]).includes(seed.package_type)) {
        throw new Error(`fake GitHub: package ${seed.name} has unknown type ${seed.package_type}`)
      }
      const sameName = this.packages.filter((p) => p.owner === owner && p.type === seed.package_type && p.name === seed.name)
      if (sameName.some((p) => !reuseDeletedNames || !p.deletedAt)) {
        throw new Error(`fake GitHub: duplicate package ${seed.owner}/${seed.package_type}/${seed.name}`)
      }
      this.packages.push({
        id: 50_000 + this.packages.length,
        owner,
        type: seed.package_type,
        name: seed.name,
        visibility: seed.visibility ?? 'private',
        repository: seed.repository ? this.repository(seed.repository, this.packages.length) : undefined,
        versions: seed.versions.map((v, i) => ({
          id: v.id ?? (autoIds.get(v) as number),
          ...identity(seed, v, i),
          tags: seed.package_type === 'container' ? [...(v.tags ?? [])] : [],
          createdAt: githubTime(v.created_at),
          updatedAt: githubTime(v.updated_at ?? v.created_at),
          downloads: v.downloads ?? 0,
          deletedAt: v.deleted_at ? new Date(v.deleted_at) : undefined,
          ...(v.unlisted && seed.package_type === 'container' ? { unlisted: true as const } : {})
        }))
      })
      const digests = new Set<string>()
      for (const v of (this.packages.at(-1) as StoredPackage).versions) {
        // A registry holds a manifest once per repository; the same digest twice is a seeding mistake
        // (e.g. a shared child added with both images).
        if (digests.has(v.name) && seed.package_type === 'container') {
          throw new Error(`fake GitHub: ${seed.owner}/${seed.name} has manifest ${v.name} twice`)
        }
        digests.add(v.name)
      }
    })
  }

  private repository(fullName: string, index: number): StoredPackage['repository'] {
    const [ownerLogin, name] = fullName.split('/')
    const owner = this.account(ownerLogin ?? '')
    if (!owner || !name) throw new Error(`fake GitHub: repository ${fullName} must be "owner/name" with a seeded owner`)
    return { id: 70_000 + index, owner, name }
  }
}

/** The lowercase "owner/name" a registry serves a container package at. */
export function repositoryPath(pkg: StoredPackage): string {
  return `${pkg.owner.login}/${pkg.name}`.toLowerCase()
}

/**
 * A version's name and, for containers, its manifest. Every container version is resolvable in
 * the registry and named by its manifest's digest, as on GitHub; a name that could not be the
 * digest of what is served is refused at start rather than making the registry lie.
 */
function identity(pkg: FakePackageSeed, v: FakeVersionSeed, index: number): { name: string; manifest?: StoredManifest } {
  const where = `fake GitHub: ${pkg.owner}/${pkg.package_type}/${pkg.name} version #${index}`
  if (pkg.package_type !== 'container') {
    if (v.manifest) throw new Error(`${where}: only container versions have manifests`)
    if (!v.name) throw new Error(`${where} needs a name`)
    return { name: v.name }
  }
  if (!v.manifest && v.name !== undefined) {
    throw new Error(
      `${where} is named ${v.name} without a manifest: the registry could not serve it. Leave name unset ` +
        '(the fake generates a manifest and names the version by its digest) or give the manifest (images.ts builds them).'
    )
  }
  const seed = v.manifest ?? generatedManifest(`${pkg.owner}/${pkg.name}#${v.id ?? index}`, v.created_at)
  const bytes = Buffer.from(seed.body, 'utf8')
  const digest = sha256Digest(bytes)
  if (v.name !== undefined && v.name !== digest) {
    throw new Error(`${where} is named ${v.name} but its manifest's digest is ${digest}`)
  }
  return { name: digest, manifest: { mediaType: seed.mediaType, digest, bytes } }
}

/** A snapshot for test assertions; never shares objects with the store. */
export function snapshotVersion(v: StoredVersion): FakeVersion {
  return {
    id: v.id,
    name: v.name,
    tags: [...v.tags],
    created_at: v.createdAt,
    updated_at: v.updatedAt,
    downloads: v.downloads,
    ...(v.deletedAt ? { deleted_at: githubTime(v.deletedAt) } : {})
  }
}
