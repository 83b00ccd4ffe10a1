// Which versions of a container package belong to which (PackageInventory.references), reading only
// the manifests a decision needs: every manifest GET of a public image counts as a download toward
// GitHub's 5,000-download rule, and each read costs time. The plan is computed in between (the
// planner is injected, so this module stays free of the action layer):
//
//   1. tags alone: cosign `sha256-<hex>.sig|.att|.sbom` artifacts and referrers-tag indexes (no reads);
//   2. the manifests of tagged versions, and of the nested indexes they list;
//   3. plan; read the manifests of KEPT images not read yet (a kept untagged index must keep its
//      children); repeat until a plan keeps nothing unread. Usually one extra round.
//
// The REST listing does not say which untagged version is an index, and reading a platform manifest
// only to learn it has no children wastes a download. A build pushes its children seconds before its
// index, so step 3 first reads only the newest version of each burst of kept versions (the likely
// index): its children then become dependants and drop out. When such a probe teaches nothing, the
// next pass reads every candidate, so a wrong guess costs a planning round, never correctness.
//
// A manifest the decision needs that cannot be read (a tagged version's, or a kept one's) is recorded
// in `unreadable`: the planner then leaves the whole package untouched. Other packages go on.
import type { PackageInventory, PackageVersion, UnreadableManifest, VersionReference } from '../model.js'
import { RegistryError } from '../registry/errors.js'
import { isIndexMediaType, ManifestFormatError, parseManifest, type ManifestReader } from '../registry/manifests.js'
import { registryRepository } from '../registry/names.js'
import { cosignArtifactSubject, indexByDigest, referencesFromManifest, tagReferences } from '../registry/references.js'

/** The planner, injected: the ids of the versions a plan of `inventory` keeps. */
export type KeptVersions = (inventory: PackageInventory) => ReadonlySet<number>

export interface ImageGraphOptions {
  reader: ManifestReader
  keptVersions: KeptVersions
}

export interface ImageGraphResult {
  /** The input inventory with `references` and `unreadable` filled (a new object; the input is not changed). */
  inventory: PackageInventory
  /** Manifests requested for this package (each one a download, for a public image). */
  manifestReads: number
  /** Plans computed to find kept images not read yet. */
  planRounds: number
}

/** Fills references (and unreadable) of every container package; the others pass through untouched. */
export function buildImageGraphs(inventories: readonly PackageInventory[], options: ImageGraphOptions): Promise<ImageGraphResult[]> {
  return Promise.all(inventories.map((inventory) => buildImageGraph(inventory, options)))
}

export async function buildImageGraph(inventory: PackageInventory, options: ImageGraphOptions): Promise<ImageGraphResult> {
  // Non-container versions never refer to each other; a package already failed closed needs nothing more.
  if (inventory.package.type !== 'container' || inventory.unreadable.length > 0) {
    return { inventory, manifestReads: 0, planRounds: 0 }
  }
  const graph = new PackageGraph(inventory, options.reader)

  graph.addReferences(tagReferences(inventory.versions, graph.byDigest))
  await graph.read(inventory.versions.filter((version) => version.tags.length > 0 && !graph.isSignatureArtifact(version)))
  let unreadable = graph.unreadable((version) => version.tags.length > 0)

  let planRounds = 0
  let probe = true
  while (unreadable.length === 0) {
    const kept = options.keptVersions(graph.inventory([]))
    planRounds++
    unreadable = graph.unreadable((version) => kept.has(version.id))
    if (unreadable.length > 0) break
    // A plan that deletes nothing cannot break an unread image, and reading cannot make it delete
    // more (a referrer only follows a subject that goes): what it keeps needs no further read.
    if (inventory.versions.every((version) => kept.has(version.id))) break
    // Dependants follow their parent, which was read: only images (untagged ones, by now) are left to read.
    const unread = inventory.versions.filter((version) => kept.has(version.id) && !graph.attempted(version) && !graph.isDependant(version))
    if (unread.length === 0) break
    const learned = await graph.read(probe ? newestOfEachBurst(unread) : unread)
    probe = learned > 0
  }
  return { inventory: graph.inventory(unreadable), manifestReads: graph.reads, planRounds }
}

/** What is known of one package's manifests so far. */
class PackageGraph {
  readonly byDigest: Map<string, PackageVersion>
  reads = 0
  private readonly repository: string
  private readonly references: VersionReference[] = []
  private readonly referenceKeys = new Set<string>()
  private readonly dependants = new Set<number>()
  private readonly tried = new Set<number>()
  /** Version id → why its manifest could not be read. */
  private readonly failures = new Map<number, string>()

  constructor(
    private readonly source: PackageInventory,
    private readonly reader: ManifestReader
  ) {
    this.byDigest = indexByDigest(source.versions)
    this.repository = registryRepository(source.package.owner, source.package.name)
    this.addReferences(source.references)
  }

  addReferences(references: readonly VersionReference[]): void {
    for (const reference of references) {
      const key = `${reference.child} ${reference.parent} ${reference.kind} ${reference.platform ?? ''}`
      if (this.referenceKeys.has(key)) continue
      this.referenceKeys.add(key)
      this.references.push(reference)
      this.dependants.add(reference.child)
    }
  }

  isDependant(version: PackageVersion): boolean {
    return this.dependants.has(version.id)
  }

  attempted(version: PackageVersion): boolean {
    return this.tried.has(version.id)
  }

  /**
   * A cosign legacy artifact of a present digest: its tag already says what it belongs to, and its
   * manifest (signature layers, no children) would tell nothing more, so it is not read.
   */
  isSignatureArtifact(version: PackageVersion): boolean {
    return version.tags.some((tag) => {
      const signed = cosignArtifactSubject(tag)
      return signed !== undefined && signed !== version.name && this.byDigest.has(signed)
    })
  }

  /**
   * Reads the manifests of `versions` concurrently, then of the nested indexes they list, and so on.
   * Returns how many new references were learned.
   */
  async read(versions: readonly PackageVersion[]): Promise<number> {
    const before = this.references.length
    let batch = versions.filter((version) => !this.tried.has(version.id))
    while (batch.length > 0) {
      for (const version of batch) this.tried.add(version.id)
      const nested = (await Promise.all(batch.map((version) => this.readOne(version)))).flat()
      batch = [...new Set(nested)].filter((version) => !this.tried.has(version.id))
    }
    return this.references.length - before
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
      this.failures.set(version.id, describeFailure(error, version))
      return []
    }
    this.addReferences(referencesFromManifest(version, manifest, this.byDigest))
    if (manifest.kind !== 'index') return []
    // Only reading a nested index tells which versions belong to it.
    return manifest.manifests
      .filter((entry) => isIndexMediaType(entry.mediaType))
      .map((entry) => this.byDigest.get(entry.digest))
      .filter((child): child is PackageVersion => child !== undefined)
  }

  /** The failed reads among the versions `needed` picks, in a stable order. */
  unreadable(needed: (version: PackageVersion) => boolean): UnreadableManifest[] {
    return this.source.versions
      .filter((version) => this.failures.has(version.id) && needed(version))
      .sort((a, b) => a.id - b.id)
      .map((version) => ({ digest: version.name, reason: this.failures.get(version.id)! }))
  }

  inventory(unreadable: UnreadableManifest[]): PackageInventory {
    return { ...this.source, references: [...this.references], unreadable }
  }
}

/** Versions pushed less than this apart (by created_at) are taken for one build. */
export const BUILD_BURST_MS = 2 * 60_000

/** The newest version of each burst of versions created close together: the likely index of each build. */
export function newestOfEachBurst(versions: readonly PackageVersion[], gapMs = BUILD_BURST_MS): PackageVersion[] {
  const ordered = versions
    .map((version) => ({ version, at: Date.parse(version.createdAt) }))
    .sort((a, b) => a.at - b.at || a.version.id - b.version.id)
  const newest: PackageVersion[] = []
  for (let i = 0; i < ordered.length; i++) {
    const next = ordered[i + 1]
    // NaN (an unparseable timestamp) never joins a burst: the version is read on its own.
    if (!next || !(next.at - ordered[i].at <= gapMs)) newest.push(ordered[i].version)
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
