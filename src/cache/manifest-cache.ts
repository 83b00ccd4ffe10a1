// Manifest bodies kept between runs. A manifest is content-addressed (its digest is the hash of its
// bytes), so a body read once never changes: a later run can reuse it instead of a registry GET —
// and every manifest GET of a public image counts as a download toward GitHub's 5,000-download rule.
// Whatever was restored is trusted for nothing: a body is served only after its hash equals the digest
// it is asked for, and anything else is dropped and read from the registry. Tags are never served
// from here (a tag can move).
import { createHash } from 'node:crypto'
import { isDigest, type FetchedManifest, type ManifestReader } from '../registry/manifests.js'

/** The OCI limit on a manifest's size: anything larger is never kept. */
export const MAX_CACHED_MANIFEST_BYTES = 4 * 1024 * 1024

/** How much one cache entry holds at most; past it, the manifests this run used and the newest versions are kept. */
export interface CacheLimits {
  /** The entry file's size (bodies as written, escapes and all): what a restore reads at most. */
  maxBytes: number
  maxManifests: number
}

/** 32 MiB of bodies is about 20,000 typical manifests: a 10,000-version package fits whole. */
export const DEFAULT_CACHE_LIMITS: CacheLimits = { maxBytes: 32 * 1024 * 1024, maxManifests: 50_000 }

const FORMAT = 'package-retention-manifest-cache'
const FORMAT_VERSION = 1

interface EntryFile {
  format: typeof FORMAT
  formatVersion: typeof FORMAT_VERSION
  /** Bodies as UTF-8 text (manifests are JSON), each under the repository and digest it was read as. */
  manifests: { repository: string; digest: string; body: string }[]
}

/** The manifests still present, one list per repository, newest version first. */
export interface PresentManifests {
  repository: string
  digests: readonly string[]
}

export interface ManifestCacheStats {
  /** Bodies found in the restored entry. */
  restored: number
  /** Manifests served from the cache instead of the registry. */
  served: number
  /** Restored bodies whose hash did not match their digest (or that did not parse): dropped. */
  rejected: number
  /** Bodies read from the registry this run and kept. */
  remembered: number
}

export interface SerializedEntry {
  text: string
  manifests: number
  bytes: number
  /** Nothing new was read and nothing was dropped: the restored entry already holds exactly this. */
  unchanged: boolean
}

const keyOf = (repository: string, digest: string): string => `${repository.toLowerCase()}@${digest}`

/** The bytes hash to the digest (sha256 or sha512; any other algorithm cannot be checked, so never matches). */
function hashMatches(bytes: Buffer, digest: string): boolean {
  const at = digest.indexOf(':')
  const algorithm = digest.slice(0, at)
  if (algorithm !== 'sha256' && algorithm !== 'sha512') return false
  return createHash(algorithm).update(bytes).digest('hex') === digest.slice(at + 1)
}

/** The body's own `mediaType`: only bodies that declare it are kept, so nothing unchecked is ever served. */
function declaredMediaType(body: unknown): string | undefined {
  const mediaType = (body as { mediaType?: unknown } | null)?.mediaType
  return typeof mediaType === 'string' && mediaType !== '' ? mediaType : undefined
}

export class ManifestCache {
  readonly stats: ManifestCacheStats = { restored: 0, served: 0, rejected: 0, remembered: 0 }
  private readonly bodies = new Map<string, Buffer>()
  private readonly restoredKeys = new Set<string>()
  /** What the restored entry held, in its order (its own priority): carried on for repositories this run did not list. */
  private restoredOrder: { repository: string; digest: string }[] = []
  private closed = false

  constructor(private readonly limits: CacheLimits = DEFAULT_CACHE_LIMITS) {}

  /** Reads an entry file; returns how many bodies it holds. A file that is not one is ignored whole. */
  load(text: string): number {
    let file: Partial<EntryFile>
    try {
      file = JSON.parse(text) as Partial<EntryFile>
    } catch {
      return 0
    }
    if (file?.format !== FORMAT || file.formatVersion !== FORMAT_VERSION || !Array.isArray(file.manifests)) return 0
    for (const entry of file.manifests) {
      if (typeof entry?.repository !== 'string' || typeof entry.digest !== 'string' || typeof entry.body !== 'string') continue
      const key = keyOf(entry.repository, entry.digest)
      if (this.restoredKeys.has(key)) continue
      this.bodies.set(key, Buffer.from(entry.body, 'utf8'))
      this.restoredKeys.add(key)
      this.restoredOrder.push({ repository: entry.repository.toLowerCase(), digest: entry.digest })
    }
    this.stats.restored = this.restoredKeys.size
    return this.stats.restored
  }

  /** The manifest, if a body is kept for it and its hash is the digest; a body that fails the check is dropped. */
  get(repository: string, digest: string): FetchedManifest | undefined {
    const key = keyOf(repository, digest)
    const bytes = this.bodies.get(key)
    if (bytes === undefined) return undefined
    const manifest = hashMatches(bytes, digest) ? parsed(bytes, digest) : undefined
    if (manifest === undefined) {
      this.bodies.delete(key)
      this.restoredKeys.delete(key)
      this.stats.rejected++
      return undefined
    }
    this.stats.served++
    return manifest
  }

  /** No entry will be saved (no service, or it failed): serve nothing more and stop keeping bodies. */
  close(): void {
    this.closed = true
    this.bodies.clear()
    this.restoredKeys.clear()
    this.restoredOrder = []
  }

  /** Keeps a body read from the registry, if it may be kept: a digest reference, checked, not too large, JSON text. */
  remember(repository: string, reference: string, fetched: FetchedManifest): void {
    const bytes = fetched.bytes
    if (this.closed || bytes === undefined || !isDigest(reference) || bytes.length > MAX_CACHED_MANIFEST_BYTES) return
    if (declaredMediaType(fetched.body) === undefined || !hashMatches(bytes, reference)) return
    // Stored as text: only bytes that survive a UTF-8 round trip can be restored exactly.
    if (!Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes)) return
    const key = keyOf(repository, reference)
    if (this.bodies.has(key)) return
    this.bodies.set(key, bytes)
    this.stats.remembered++
  }

  /**
   * The entry to save: what was restored merged with what was read. For the repositories this run
   * listed (`present`), only manifests still present, newest versions first; then, as the restored entry
   * held them, the other repositories' (the nightly sweep's reads serve the PR-close job, and back).
   * Within the limits, in that order: what this run used first.
   */
  serialize(present: readonly PresentManifests[]): SerializedEntry {
    const manifests: EntryFile['manifests'] = []
    const kept = new Set<string>()
    // The file's own bytes: `{"format":…,"manifests":[` … `]}`, then each item and its comma.
    let bytes = 100
    let full = false
    const add = (repository: string, digest: string): void => {
      const key = keyOf(repository, digest)
      const body = this.bodies.get(key)
      // A restored body this run did not need is checked here: a bad one is not carried on.
      if (full || body === undefined || kept.has(key) || !hashMatches(body, digest)) return
      const item = { repository: repository.toLowerCase(), digest, body: body.toString('utf8') }
      const size = Buffer.byteLength(JSON.stringify(item)) + 1
      if (manifests.length >= this.limits.maxManifests || bytes + size > this.limits.maxBytes) {
        full = true
        return
      }
      kept.add(key)
      bytes += size
      manifests.push(item)
    }
    // Newest first across repositories: the i-th newest of each package before the (i+1)-th of any.
    const longest = Math.max(0, ...present.map((p) => p.digests.length))
    for (let i = 0; i < longest && !full; i++) {
      for (const { repository, digests } of present) if (digests[i] !== undefined) add(repository, digests[i])
    }
    const listed = new Set(present.map((p) => p.repository.toLowerCase()))
    for (const { repository, digest } of this.restoredOrder) if (!listed.has(repository)) add(repository, digest)
    const unchanged = kept.size === this.restoredKeys.size && [...kept].every((key) => this.restoredKeys.has(key))
    const file: EntryFile = { format: FORMAT, formatVersion: FORMAT_VERSION, manifests }
    const text = JSON.stringify(file)
    return { text, manifests: manifests.length, bytes: Buffer.byteLength(text), unchanged }
  }
}

function parsed(bytes: Buffer, digest: string): FetchedManifest | undefined {
  let body: unknown
  try {
    body = JSON.parse(bytes.toString('utf8'))
  } catch {
    return undefined
  }
  const mediaType = declaredMediaType(body)
  return mediaType === undefined ? undefined : { mediaType, digest, body, bytes }
}

/**
 * Serves digest references from the cache once it is restored (`ready`), reads everything else from
 * `reader` and keeps what it reads. Which manifests are asked for is the caller's business: the answers
 * are the same bytes the registry would serve, so a plan cannot change with the cache.
 */
export class CachingReader implements ManifestReader {
  constructor(
    private readonly reader: ManifestReader,
    private readonly cache: ManifestCache,
    private readonly ready: Promise<unknown> = Promise.resolve()
  ) {}

  async getManifest(repository: string, reference: string): Promise<FetchedManifest> {
    if (!isDigest(reference)) return this.reader.getManifest(repository, reference)
    // The restore settles by itself (bounded, never rejected); a failure here only means "no cache".
    await this.ready.catch(() => undefined)
    const cached = this.cache.get(repository, reference)
    if (cached) return cached
    const fetched = await this.reader.getManifest(repository, reference)
    this.cache.remember(repository, reference, fetched)
    return fetched
  }
}
