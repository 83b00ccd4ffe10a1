// Which versions of a container package belong to which (PackageInventory.references), and which
// images were already broken (PackageInventory.damaged), reading the manifests contract 1.1 asks
// for and no more: every manifest GET of a public image counts as a download toward GitHub's
// 5,000-download rule, and each read costs time. The plan is computed in between (the planner is
// injected, so this module stays free of the action layer):
//
//   1. tags alone: cosign `sha256-<hex>.sig|.att|.sbom` artifacts and referrers-tag indexes (no reads);
//   2. the manifests of every tagged version, and of the nested indexes they list;
//   3. plan. When it deletes anything, every version that is still an image (no manifest read so far
//      lists it) must be read: a deleted untagged one may be an index (deleted first, with its
//      children, as one group) or a referrer of a kept image; a kept one may be an index whose
//      children the plan would otherwise delete. Repeat until the plan needs nothing unread.
//
// Reads stay few because an index is read before the versions it lists: a build pushes its children
// seconds before its index, so each round reads only the newest unread version of each burst of
// versions pushed close together; once an index is read, what it lists is known and never read.
// (Reading more of a burst at once would save rounds but could read an index together with its
// children: a burst of N single images pushed within minutes takes N short rounds instead.) Each
// round's reads are chosen from completed rounds only: the number of reads is the same on every
// run of a scenario, however the reads race, and a dry run reads exactly what the executing run
// reads.
//
// A manifest the decision needs that cannot be read is recorded in `unreadable`: the planner then
// leaves the whole package untouched. Other packages go on. (1.2) A listed version whose manifest
// answers "not found" and that GitHub then shows gone was deleted by another actor meanwhile: it is
// no read failure, the package is planned without it.
//
// (1.2) Damaged images are judged by the registry, not by the listing: a manifest an index lists
// that the listing lacks is asked for (HEAD); only the registry's "not found" makes the index
// broken. A listing that lags a push, or missed a version, never does. In a package a rule with a
// `broken` condition covers, every untagged image is read, so untagged "ghost" builds are judged.
import type { DamagedImage, PackageInventory, PackageRef, PackageVersion, UnreadableManifest, VersionReference } from '../model.js'
import { RegistryError } from '../registry/errors.js'
import {
  classifyIndexEntry,
  isIndexMediaType,
  ManifestFormatError,
  parseManifest,
  platformLabel,
  type ManifestPresence,
  type ManifestPresenceChecker,
  type ManifestReader,
  type ParsedIndex
} from '../registry/manifests.js'
import { registryRepository } from '../registry/names.js'
import { cosignArtifactSubject, indexByDigest, isDigestTag, referencesFromManifest, referrersIndexSubject, tagReferences } from '../registry/references.js'

/** The planner, injected: the ids of the versions a plan of `inventory` keeps. */
export type KeptVersions = (inventory: PackageInventory) => ReadonlySet<number>

export interface ImageGraphOptions {
  reader: ManifestReader
  keptVersions: KeptVersions
  /** (1.2) Asks the registry whether it has a manifest an index lists and the listing lacks. Default: a GET through `reader`. */
  presence?: ManifestPresenceChecker
  /** (1.2) GitHub's word on a version whose manifest answered "not found". Without it, that answer is a read failure. */
  versionState?: (pkg: PackageRef, id: number) => Promise<'active' | 'gone'>
  /** (1.2) A rule with a `broken` condition covers the package: every untagged image is read, to be judged. */
  judgesBroken?: (pkg: PackageRef) => boolean
}

/** (1.2) An image whose listed manifest the registry neither served nor said it lacks: not counted broken. */
export interface UndeterminedImage {
  id: number
  why: string
}

export interface ImageGraphResult {
  /** The input inventory with `references`, `unreadable` and `damaged` filled (a new object; the input is not changed). */
  inventory: PackageInventory
  /** Manifests requested for this package (each one a download, for a public image). */
  manifestReads: number
  /** Plans computed to decide what else to read. */
  planRounds: number
  /** (1.2) Registry checks of manifests indexes list that the listing lacks. */
  presenceChecks: number
  /** (1.2) Listed versions another actor deleted meanwhile (their manifest 404, GitHub shows them gone): left out of `inventory`. */
  gone: PackageVersion[]
  /** (1.2) Images the registry could not say were broken or whole: not counted broken (see ImageGraphOptions.presence). */
  undetermined: UndeterminedImage[]
}

/** Fills references (and unreadable, damaged) of every container package; the others pass through untouched. */
export function buildImageGraphs(inventories: readonly PackageInventory[], options: ImageGraphOptions): Promise<ImageGraphResult[]> {
  return Promise.all(inventories.map((inventory) => buildImageGraph(inventory, options)))
}

export async function buildImageGraph(inventory: PackageInventory, options: ImageGraphOptions): Promise<ImageGraphResult> {
  // Non-container versions never refer to each other; a package already left untouched (a manifest
  // unreadable, or a listing that kept changing) needs nothing more: each read is a download.
  if (inventory.package.type !== 'container' || inventory.unreadable.length > 0 || inventory.listingProblem !== undefined) {
    return { inventory, manifestReads: 0, planRounds: 0, presenceChecks: 0, gone: [], undetermined: [] }
  }
  const graph = new PackageGraph(inventory, options)
  const judgesBroken = options.judgesBroken?.(inventory.package) ?? false

  graph.addReferences(tagReferences(inventory.versions, graph.byDigest))
  await graph.read(inventory.versions.filter((version) => version.tags.length > 0 && !graph.isSignatureArtifact(version)))
  let unreadable = graph.unreadable(() => false)

  let planRounds = 0
  let kept: ReadonlySet<number> = new Set()
  let plannedAt = -1
  while (unreadable.length === 0) {
    // Reads that taught nothing (manifests without children or subject) leave the plan as it was.
    if (plannedAt !== graph.learned) {
      kept = options.keptVersions(graph.inventory([]))
      plannedAt = graph.learned
      planRounds++
    }
    unreadable = graph.unreadable((version) => kept.has(version.id))
    if (unreadable.length > 0) break
    // A plan that deletes nothing cannot break an image, and reading cannot make it delete more
    // (a child follows a kept index, a referrer a kept subject): nothing else needs reading — unless
    // a `broken` rule covers the package: an untagged index must be read to be judged (1.2).
    const present = graph.present()
    if (!judgesBroken && present.every((version) => kept.has(version.id))) break
    const unread = present.filter((version) => graph.mayReferToOthers(version))
    if (unread.length === 0) break
    await graph.read(newestOfEachBurst(unread))
  }
  return {
    inventory: graph.inventory(unreadable),
    manifestReads: graph.reads,
    planRounds,
    presenceChecks: graph.presenceChecks,
    gone: graph.goneVersions(),
    undetermined: graph.undeterminedImages()
  }
}

/** What is known of one package's manifests so far. */
class PackageGraph {
  readonly byDigest: Map<string, PackageVersion>
  reads = 0
  presenceChecks = 0
  /** Grows with every reference or damaged index learned: the plan depends on nothing else read. */
  learned = 0
  private readonly repository: string
  private readonly references: VersionReference[] = []
  private readonly referenceKeys = new Set<string>()
  private readonly dependants = new Set<number>()
  private readonly tried = new Set<number>()
  /** Versions an index lists as indexes (nested indexes): what they list is known only from their own manifest. */
  private readonly nestedIndexes = new Set<number>()
  /** Version id → why its manifest could not be read. */
  private readonly failures = new Map<number, string>()
  /** Index version id → the platform manifests it lists that the registry does not have. */
  private readonly missing = new Map<number, DamagedImage['missing']>()
  /** Index version id → why the registry could not say whether it has a manifest the index lists. */
  private readonly undetermined = new Map<number, string>()
  /** The registry's answer per digest the listing lacks, asked once per package. */
  private readonly presence = new Map<string, Promise<ManifestPresence>>()
  /** Listed versions another actor deleted meanwhile, by id. */
  private readonly gone = new Map<number, PackageVersion>()
  private readonly reader: ManifestReader

  constructor(
    private readonly source: PackageInventory,
    private readonly options: ImageGraphOptions
  ) {
    this.reader = options.reader
    this.byDigest = indexByDigest(source.versions)
    this.repository = registryRepository(source.package.owner, source.package.name)
    this.addReferences(source.references)
  }

  /** The listed versions still present (not found gone). */
  present(): PackageVersion[] {
    return this.gone.size === 0 ? this.source.versions : this.source.versions.filter((version) => !this.gone.has(version.id))
  }

  goneVersions(): PackageVersion[] {
    return [...this.gone.values()].sort((a, b) => a.id - b.id)
  }

  addReferences(references: readonly VersionReference[]): void {
    for (const reference of references) {
      const key = `${reference.child} ${reference.parent} ${reference.kind} ${reference.platform ?? ''}`
      if (this.referenceKeys.has(key)) continue
      this.referenceKeys.add(key)
      this.references.push(reference)
      this.dependants.add(reference.child)
      this.learned++
    }
  }

  /**
   * Not read yet and still an image (nothing read lists it): it may be an index, a referrer or a
   * referrers-tag index, which only its manifest tells. A cosign artifact of a present digest is
   * known by its tag.
   */
  mayReferToOthers(version: PackageVersion): boolean {
    return !this.tried.has(version.id) && !this.dependants.has(version.id) && !this.isSignatureArtifact(version)
  }

  /**
   * A cosign legacy artifact of a present digest: its tag already says what it belongs to, and its
   * manifest (signature layers, no children) would tell nothing more, so it is not read.
   */
  isSignatureArtifact(version: PackageVersion): boolean {
    // With a tag of its own (`prod` beside `sha256-<hex>.sig`) it is an image too (1.2): read it.
    if (!version.tags.every(isDigestTag)) return false
    return version.tags.some((tag) => {
      const signed = cosignArtifactSubject(tag)
      return signed !== undefined && signed !== version.name && this.byDigest.has(signed)
    })
  }

  /** Reads the manifests of `versions` concurrently, then of the nested indexes they list, and so on. */
  async read(versions: readonly PackageVersion[]): Promise<void> {
    let batch = versions.filter((version) => !this.tried.has(version.id))
    while (batch.length > 0) {
      for (const version of batch) this.tried.add(version.id)
      const nested = (await Promise.all(batch.map((version) => this.readOne(version)))).flat()
      batch = [...new Set(nested)].filter((version) => !this.tried.has(version.id))
    }
  }

  /** Reads one manifest and records its references; returns the present nested indexes it lists. */
  private async readOne(version: PackageVersion): Promise<PackageVersion[]> {
    this.reads++
    let manifest
    try {
      const fetched = await this.reader.getManifest(this.repository, version.name)
      // The client already checks the bytes; this also holds any other reader to the requested digest.
      if (fetched.digest !== version.name) throw new RegistryError(`the registry served manifest ${fetched.digest} instead`, 'DIGEST_MISMATCH')
      manifest = parseManifest(fetched)
    } catch (error) {
      if (await this.wasDeletedMeanwhile(error, version)) return []
      this.failures.set(version.id, describeFailure(error, version))
      return []
    }
    this.addReferences(referencesFromManifest(version, manifest, this.byDigest))
    if (manifest.kind !== 'index') return []
    await this.recordMissing(version, manifest)
    // Only reading a nested index tells which versions belong to it.
    const nested = manifest.manifests
      .filter((entry) => isIndexMediaType(entry.mediaType))
      .map((entry) => this.byDigest.get(entry.digest))
      .filter((child): child is PackageVersion => child !== undefined)
    for (const child of nested) this.nestedIndexes.add(child.id)
    return nested
  }

  /**
   * (1.2) A manifest that answers "not found" for a listed version GitHub then shows gone: another
   * actor deleted it after the listing. The version leaves the view; it is not a read failure. One
   * GitHub still lists is (the caller fails closed), as is one whose state GitHub does not tell.
   */
  private async wasDeletedMeanwhile(error: unknown, version: PackageVersion): Promise<boolean> {
    const versionState = this.options.versionState
    if (!versionState || !(error instanceof RegistryError) || error.code !== 'MANIFEST_UNKNOWN') return false
    try {
      if ((await versionState(this.source.package, version.id)) !== 'gone') return false
    } catch {
      return false
    }
    this.gone.set(version.id, version)
    this.learned++
    return true
  }

  /**
   * An index listing a platform manifest the registry does not have is broken: `docker pull` fails for
   * that platform. A missing attestation or referrer does not break a pull; a referrers-tag index of a
   * present digest lists referrers, not platforms; an index another version lists is part of that
   * image. A manifest the listing lacks is asked for: only the registry's "not found" counts (1.2).
   */
  private async recordMissing(version: PackageVersion, index: ParsedIndex): Promise<void> {
    const subject = referrersIndexSubject(version)
    if (subject !== undefined && this.byDigest.has(subject)) return
    if (this.dependants.has(version.id)) return
    const unlisted = index.manifests.filter((entry) => {
      if (this.isListed(entry.digest) || classifyIndexEntry(entry) === 'attestation') return false
      return entry.artifactType === undefined || entry.platform !== undefined
    })
    if (unlisted.length === 0) return
    const answers = await Promise.all(unlisted.map((entry) => this.presenceOf(entry.digest)))
    const missing: DamagedImage['missing'] = []
    const unknown: string[] = []
    unlisted.forEach((entry, k) => {
      const answer = answers[k]
      const platform = entry.platform ? platformLabel(entry.platform) : undefined
      if (answer.state === 'absent') missing.push(platform ? { digest: entry.digest, platform } : { digest: entry.digest })
      if (answer.state === 'unknown') unknown.push(`${platform ?? entry.digest}: ${answer.why}`)
    })
    if (unknown.length > 0) this.undetermined.set(version.id, unknown.join('; '))
    if (missing.length > 0) {
      this.missing.set(version.id, missing)
      this.learned++
    }
  }

  /** A present version of the listing has this digest. */
  private isListed(digest: string): boolean {
    const version = this.byDigest.get(digest)
    return version !== undefined && !this.gone.has(version.id)
  }

  private presenceOf(digest: string): Promise<ManifestPresence> {
    let answer = this.presence.get(digest)
    if (answer === undefined) {
      this.presenceChecks++
      const checker = this.options.presence
      answer = checker ? checker.manifestPresence(this.repository, digest) : presenceByReading(this.reader, this.repository, digest)
      this.presence.set(digest, answer)
    }
    return answer
  }

  /**
   * The failed reads the decisions need, in a stable order: a tagged version's; an image's (kept or
   * deleted, only its manifest says what it is); and a kept version's that may list others (a nested
   * index), which `kept` picks. A platform manifest or attestation an index lists is known without
   * its manifest. A deleted nested index goes before whatever it lists: that cannot break an image.
   */
  unreadable(kept: (version: PackageVersion) => boolean): UnreadableManifest[] {
    // (1.2) A version a later look no longer listed is kept whatever its manifest says: gone is not unreadable.
    const gone = new Set(this.source.view?.gone)
    return this.present()
      .filter((version) => this.failures.has(version.id) && !gone.has(version.id) && (version.tags.length > 0 || !this.dependants.has(version.id) || (this.nestedIndexes.has(version.id) && kept(version))))
      .sort((a, b) => a.id - b.id)
      .map((version) => ({ digest: version.name, reason: this.failures.get(version.id)! }))
  }

  /** Only images are judged broken: an index nested in another is part of that image. */
  private damaged(): DamagedImage[] {
    return this.present()
      .filter((version) => this.missing.has(version.id) && !this.dependants.has(version.id))
      .sort((a, b) => a.id - b.id)
      .map((version) => ({ id: version.id, missing: this.missing.get(version.id)! }))
  }

  /** Images not found broken whose listed manifests the registry did not answer for. */
  undeterminedImages(): UndeterminedImage[] {
    return this.present()
      .filter((version) => this.undetermined.has(version.id) && !this.missing.has(version.id) && !this.dependants.has(version.id))
      .sort((a, b) => a.id - b.id)
      .map((version) => ({ id: version.id, why: this.undetermined.get(version.id)! }))
  }

  inventory(unreadable: UnreadableManifest[]): PackageInventory {
    const damaged = this.damaged()
    const versions = this.present()
    const references = this.gone.size === 0 ? [...this.references] : this.references.filter((r) => !this.gone.has(r.child) && !this.gone.has(r.parent))
    return { ...this.source, versions, references, unreadable, ...(damaged.length > 0 ? { damaged } : {}) }
  }
}

/** Without a registry client (tests): a GET says present, its 404 MANIFEST_UNKNOWN absent, anything else unknown. */
async function presenceByReading(reader: ManifestReader, repository: string, digest: string): Promise<ManifestPresence> {
  try {
    await reader.getManifest(repository, digest)
    return { state: 'present' }
  } catch (error) {
    if (error instanceof RegistryError && error.code === 'MANIFEST_UNKNOWN') return { state: 'absent' }
    return { state: 'unknown', why: error instanceof Error ? error.message : String(error) }
  }
}

/**
 * Versions pushed less than this apart (by created_at) are taken for one build: BuildKit pushes a
 * build's platform manifests, attestations and index within seconds of each other, at the end of
 * the build. Longer would chain unrelated pushes of a busy package into one burst (read one
 * version a round); a build whose children came earlier still works, at the cost of reading them.
 */
export const BUILD_BURST_MS = 30_000

/** A burst never spans more than this from its newest version, however closely pushes follow each other. */
export const BUILD_BURST_MAX_SPAN_MS = 5 * 60_000

/**
 * The newest version of each burst of versions created close together: the likely index of each
 * build, since a build pushes its children (seconds) before its index. Versions less than `gapMs`
 * apart chain into one burst, but a burst spans at most `maxSpanMs` from its newest version: a
 * package pushed to every few seconds for days then takes a few rounds (the versions one span
 * holds), never one round per version.
 */
export function newestOfEachBurst(versions: readonly PackageVersion[], gapMs = BUILD_BURST_MS, maxSpanMs = BUILD_BURST_MAX_SPAN_MS): PackageVersion[] {
  // An unparseable timestamp sorts last and never joins a burst: the version is read on its own.
  const ordered = versions
    .map((version) => ({ version, at: Date.parse(version.createdAt) }))
    .map((entry) => ({ ...entry, key: Number.isNaN(entry.at) ? -Infinity : entry.at }))
    .sort((a, b) => b.key - a.key || b.version.id - a.version.id)
  const newest: PackageVersion[] = []
  let headAt = Number.NaN
  let previousAt = Number.NaN
  for (const entry of ordered) {
    const joins = previousAt - entry.at <= gapMs && headAt - entry.at <= maxSpanMs
    if (!joins) {
      newest.push(entry.version)
      headAt = entry.at
    }
    previousAt = entry.at
  }
  return newest
}

function describeFailure(error: unknown, version: PackageVersion): string {
  const why =
    error instanceof RegistryError && error.code === 'MANIFEST_UNKNOWN'
      ? `the registry has no such manifest (404 MANIFEST_UNKNOWN) although GitHub lists it as version ${version.id}`
      : error instanceof ManifestFormatError
        ? `not a manifest this action can interpret: ${error.message}`
        : error instanceof Error
          ? error.message
          : String(error)
  // The fail-closed warning names digests only: the tag tells the user which image it is.
  return version.tags.length > 0 ? `tag '${version.tags[0]}': ${why}` : why
}
