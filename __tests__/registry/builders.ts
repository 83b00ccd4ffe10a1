// In-memory container packages for registry and image-graph tests: hand-written manifests, their
// versions (named by the digest of the exact bytes), and a ManifestReader that serves and counts them.
import { createHash } from 'node:crypto'
import type { Duration, PackageInventory, PackageVersion, Policy, Rule } from '../../src/model.js'
import type { KeptVersions } from '../../src/inventory/image-graph.js'
import { RegistryError } from '../../src/registry/errors.js'
import { MEDIA_TYPES, type FetchedManifest, type ManifestPresence, type ManifestPresenceChecker, type ManifestReader } from '../../src/registry/manifests.js'
import { planRetention } from '../../src/plan/planner.js'

export const NOW = new Date('2026-06-15T12:00:00.000Z')
const DAY = 86_400_000

/** An instant `days` days before NOW, plus `seconds` (children are pushed seconds before their index). */
export const ago = (days: number, seconds = 0): string => new Date(NOW.getTime() - days * DAY + seconds * 1000).toISOString()

export const sha256 = (text: string): string => `sha256:${createHash('sha256').update(text).digest('hex')}`

export interface MultiArch {
  index: PackageVersion
  platforms: PackageVersion[]
  attestations: PackageVersion[]
}

/** One package's versions and the manifests the registry serves for them. */
export class ImagePackage implements ManifestReader, ManifestPresenceChecker {
  readonly versions: PackageVersion[] = []
  readonly bodies = new Map<string, { mediaType: string; text: string }>()
  /** Digests requested, in order. */
  readonly reads: string[] = []
  readonly repositories = new Set<string>()
  /** Digest → the error its read throws. */
  readonly failing = new Map<string, Error>()
  /** Digests the registry was asked whether it has (HEAD), in order. */
  readonly checks: string[] = []
  private nextId: number
  private salt = 0

  constructor(
    readonly name = 'web',
    firstId = 1
  ) {
    this.nextId = firstId
  }

  async getManifest(repository: string, reference: string): Promise<FetchedManifest> {
    this.reads.push(reference)
    this.repositories.add(repository)
    const failure = this.failing.get(reference)
    if (failure) throw failure
    const stored = this.bodies.get(reference)
    if (!stored) throw new RegistryError(`no manifest ${reference}`, 'MANIFEST_UNKNOWN', 404)
    return { mediaType: stored.mediaType, digest: sha256(stored.text), body: JSON.parse(stored.text) }
  }

  async manifestPresence(_repository: string, digest: string): Promise<ManifestPresence> {
    this.checks.push(digest)
    return this.bodies.has(digest) ? { state: 'present' } : { state: 'absent' }
  }

  /** Stores `body` and adds the version holding it. */
  push(body: Record<string, unknown>, tags: string[], createdAt: string): PackageVersion {
    const text = JSON.stringify({ ...body, salt: this.salt++ }, null, 2)
    const digest = sha256(text)
    this.bodies.set(digest, { mediaType: String(body.mediaType), text })
    const version: PackageVersion = { id: this.nextId++, name: digest, tags, createdAt, updatedAt: createdAt }
    this.versions.push(version)
    return version
  }

  single(tags: string[], createdAt: string, extra: Record<string, unknown> = {}): PackageVersion {
    return this.push({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: {}, layers: [], ...extra }, tags, createdAt)
  }

  /** buildx: platform manifests and attestations a few seconds before the index that lists them. */
  multiArch(tags: string[], createdAt: string, options: { platforms?: string[]; attestations?: boolean } = {}): MultiArch {
    const platformNames = options.platforms ?? ['linux/amd64', 'linux/arm64']
    const seconds = -10
    const platforms = platformNames.map((_, i) => this.single([], shift(createdAt, seconds + i)))
    const attestations = options.attestations === false ? [] : platforms.map((_, i) => this.single([], shift(createdAt, seconds + 5 + i)))
    const entries = [
      ...platforms.map((p, i) => ({ mediaType: MEDIA_TYPES.ociManifest, digest: p.name, size: 1, platform: platformObject(platformNames[i]) })),
      ...attestations.map((a, i) => ({
        mediaType: MEDIA_TYPES.ociManifest,
        digest: a.name,
        size: 1,
        platform: { os: 'unknown', architecture: 'unknown' },
        annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': platforms[i].name }
      }))
    ]
    const index = this.index(tags, createdAt, entries)
    return { index, platforms, attestations }
  }

  index(tags: string[], createdAt: string, manifests: object[], extra: Record<string, unknown> = {}): PackageVersion {
    return this.push({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests, ...extra }, tags, createdAt)
  }

  cosign(subject: PackageVersion, kind: 'sig' | 'att' | 'sbom', createdAt: string): PackageVersion {
    return this.single([`${subject.name.replace(':', '-')}.${kind}`], createdAt)
  }

  /** An OCI 1.1 referrer (untagged), and the referrers-tag index listing it. */
  referrer(subject: PackageVersion, createdAt: string): PackageVersion {
    return this.single([], createdAt, { artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json', subject: descriptorOf(subject, this) })
  }

  referrersIndex(subject: PackageVersion, referrers: PackageVersion[], createdAt: string): PackageVersion {
    return this.index(
      [subject.name.replace(':', '-')],
      createdAt,
      referrers.map((r) => ({ ...descriptorOf(r, this), artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json' }))
    )
  }

  inventory(owner = 'Acme'): PackageInventory {
    return {
      package: { owner, ownerKind: 'org', type: 'container', name: this.name, visibility: 'public' },
      versions: [...this.versions],
      references: [],
      unreadable: []
    }
  }
}

export function descriptorOf(version: PackageVersion, pkg: ImagePackage): { mediaType: string; digest: string; size: number } {
  const stored = pkg.bodies.get(version.name)
  return { mediaType: stored?.mediaType ?? MEDIA_TYPES.ociManifest, digest: version.name, size: stored?.text.length ?? 0 }
}

function shift(iso: string, seconds: number): string {
  return new Date(new Date(iso).getTime() + seconds * 1000).toISOString()
}

function platformObject(platform: string): { os: string; architecture: string; variant?: string } {
  const [os, architecture, variant] = platform.split('/')
  return variant ? { os, architecture, variant } : { os, architecture }
}

// ---------------------------------------------------------------- policies and the planner

export function days(n: number): Duration {
  return { text: `${n}d`, years: 0, months: 0, weeks: 0, days: n, hours: 0, minutes: 0 }
}

export function rule(name: string, match: Partial<Rule['match']>, keep: Partial<Rule['keep']> = {}): Rule {
  return {
    name,
    packages: { type: 'container', names: ['**'] },
    match: { ageFrom: 'created', ...match },
    keep: { tags: [], versions: [], ...keep }
  }
}

export function policy(rules: Rule[], protectTags: string[] = []): Policy {
  return { version: 1, protect: { tags: protectTags, versions: [], inUse: [] }, limits: { onLastVersion: 'keep' }, rules }
}

/** The real planner as the image graph's oracle of what is kept. */
export function keptBy(p: Policy, plans?: { count: number }): KeptVersions {
  return (inventory) => {
    if (plans) plans.count++
    const plan = planRetention({ policy: p, inventories: [inventory], now: NOW })
    return new Set(plan.packages[0].versions.filter((v) => v.decision === 'keep').map((v) => v.id))
  }
}

export function decisions(p: Policy, inventory: PackageInventory): Map<number, string> {
  const plan = planRetention({ policy: p, inventories: [inventory], now: NOW })
  return new Map(plan.packages[0].versions.map((v) => [v.id, v.decision]))
}
