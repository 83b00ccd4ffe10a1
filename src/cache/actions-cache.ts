// The manifest cache's life in one run, kept in the Actions cache: restore the newest entry of this
// owner and registry at the start, save a new one at the end with what was restored merged with what
// was read. Entries are immutable, so each run saves under its own key (run id and attempt) and
// restores by the prefix; every workflow of the repository that reads the same owner's images on the
// same registry shares them. Restoring trusts nothing: the archive is downloaded and read in memory
// (cache-service.ts, entry-archive.ts), never extracted by the toolkit. The cache only ever saves reads:
// when it is off, unavailable, slow, failing or holds a bad entry, the run reads from the registry as it
// would without it, says so once, and goes on. Nothing here fails a run or changes a plan.
import { renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { PackageInventory } from '../model.js'
import type { ManifestReader } from '../registry/manifests.js'
import { registryRepository } from '../registry/names.js'
import { cacheEndpoint, CacheServiceError, downloadEntry, EntryTooLargeError, lookUpEntry, toolkitCacheVersion, type FoundEntry } from './cache-service.js'
import { readEntryArchive } from './entry-archive.js'
import { CachingReader, DEFAULT_CACHE_LIMITS, ManifestCache, type CacheLimits, type PresentManifests } from './manifest-cache.js'

/** What this module needs of the Actions cache; the runner's service in the action, a stand-in in unit tests. */
export interface CacheService {
  /** Whether the runner provides a cache service this run may read (ACTIONS_RESULTS_URL / ACTIONS_CACHE_URL). */
  isAvailable(): boolean
  /** The newest entry saved from `paths` under `key`, else under the first restore key (a prefix). */
  lookUp(paths: string[], key: string, restoreKeys: string[], signal: AbortSignal): Promise<FoundEntry | undefined>
  /** The entry's archive, at most `maxBytes` (EntryTooLargeError past it). */
  download(url: string, maxBytes: number, signal: AbortSignal): Promise<Buffer>
  /** The entry id, or -1 when not saved (the key exists already: entries are immutable). */
  save(paths: string[], key: string): Promise<number>
}

export const actionsCacheService: CacheService = {
  isAvailable: () => cacheEndpoint() !== undefined,
  lookUp: async (paths, key, restoreKeys, signal) => {
    const endpoint = cacheEndpoint()
    if (!endpoint) return undefined
    return lookUpEntry(endpoint, { key, restoreKeys, version: toolkitCacheVersion(paths) }, signal)
  },
  download: (url, maxBytes, signal) => downloadEntry(url, maxBytes, signal),
  // Loaded on first use: the toolkit and the Azure Blob SDK are half the bundle, and only a save needs them.
  save: async (paths, key) => (await import('@actions/cache')).saveCache(paths, key)
}

/**
 * A healthy restore is one lookup and a download of a few MiB. A service that never answers would
 * hold the run forever, so the run stops waiting first: the request is aborted, nothing is left running.
 */
export const RESTORE_TIMEOUT_MS = 20_000
/** Saving also packs and uploads the entry. */
export const SAVE_TIMEOUT_MS = 30_000

/** The file the entry holds, at a fixed path (RUNNER_TEMP): @actions/cache hashes the paths into the key's version. */
const ENTRY_FILE = 'package-retention-manifest-cache.json'
const KEY_PREFIX = 'package-retention-manifests-v2'
/** Room for the archive's own headers around an entry file at its bound. */
const ARCHIVE_OVERHEAD_BYTES = 1024 * 1024

let abandonedOperations = 0

/**
 * Saves given up on by timeout. The toolkit cannot be cancelled: such an operation may hold a socket
 * open forever, so the entry point exits explicitly once the run is over.
 */
export function abandonedCacheOperations(): number {
  return abandonedOperations
}

const TIMED_OUT = Symbol('timed out')

function within<T>(operation: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      abandonedOperations++
      resolve(TIMED_OUT)
    }, ms)
    // The timer alone must not keep the process alive.
    timer.unref()
    operation.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error instanceof Error ? error : new Error(String(error)))
      }
    )
  })
}

/** Settles as `operation`, or rejects with the signal's reason once it is aborted. */
function untilAborted<T>(operation: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error)
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error)
    signal.addEventListener('abort', onAbort, { once: true })
    operation.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

export interface ManifestCacheOptions {
  /** The `manifest-cache` input. */
  enabled: boolean
  owner: string
  /** The registry the manifests are read from (`registry-url`): its host is part of the key. */
  registryUrl: string
  /** GITHUB_RUN_ID and GITHUB_RUN_ATTEMPT: one key per run, since entries are immutable. */
  runId?: string
  runAttempt?: string
  /** Where the entry file is saved from (RUNNER_TEMP: cleaned after each job). */
  directory: string
  /** The restore starts once this settles: e.g. after the run's first requests. */
  startAfter?: Promise<unknown>
  log: { info: (line: string) => void; warning: (line: string) => void }
  service?: CacheService
  limits?: CacheLimits
  restoreTimeoutMs?: number
  saveTimeoutMs?: number
}

type State = 'off' | 'unavailable' | 'restoring' | 'usable' | 'failed'

/** The step a restore was at, in the words of its messages. */
const RESTORE_STEPS = {
  lookup: 'looking up the entry',
  download: 'downloading the entry',
  read: 'reading the entry'
} as const
type RestoreStep = keyof typeof RESTORE_STEPS

class RestoreTimeout extends Error {}

/** The key prefix of an owner's entries on a registry: `@` appears in neither an owner login nor a host. */
export function manifestCacheKeyPrefix(owner: string, registryUrl: string): string {
  // The host without the port: an entry is keyed by repository and digest, and every body is checked anyway.
  const host = new URL(registryUrl).hostname.toLowerCase()
  return `${KEY_PREFIX}-${owner.toLowerCase()}@${host}-`
}

export class ManifestCacheRun {
  readonly cache: ManifestCache
  /** Settles (never rejects) once the restore is done, given up on, or not attempted. */
  readonly ready: Promise<void>
  /**
   * Set when the cache service was there but the cache failed this run: a restore or save that
   * failed or timed out, or an entry discarded as bad. One sentence, for the summary's first line (⚠️).
   */
  problem?: string
  private state: State
  private restoredKey?: string
  private readonly service: CacheService
  private readonly file: string
  private readonly key: string
  private readonly restorePrefix: string

  private constructor(private readonly options: ManifestCacheOptions) {
    this.cache = new ManifestCache(options.limits ?? DEFAULT_CACHE_LIMITS)
    this.service = options.service ?? actionsCacheService
    this.file = join(options.directory, ENTRY_FILE)
    // Keys may not contain commas; owner logins and hosts cannot.
    this.restorePrefix = manifestCacheKeyPrefix(options.owner, options.registryUrl)
    this.key = `${this.restorePrefix}${options.runId ?? Date.now()}-${options.runAttempt ?? '1'}`
    if (options.enabled) {
      this.state = 'restoring'
      this.ready = this.restore()
    } else {
      this.state = 'off'
      this.ready = Promise.resolve()
      options.log.info('Manifest cache: off (manifest-cache: false); every manifest is read from the registry.')
    }
  }

  /** Starts restoring the newest entry in the background (`ready` tells when it is done). */
  static start(options: ManifestCacheOptions): ManifestCacheRun {
    return new ManifestCacheRun(options)
  }

  /** `reader` with the cache in front of it, or `reader` itself when there is no cache. */
  wrap(reader: ManifestReader): ManifestReader {
    return this.state === 'off' ? reader : new CachingReader(reader, this.cache, this.ready)
  }

  /** Restoring or restored: there may be an entry to save at the end. */
  get active(): boolean {
    return this.state === 'restoring' || this.state === 'usable'
  }

  /** Manifests served from the cache so far, for the report's request counts. */
  get served(): number {
    return this.cache.stats.served
  }

  /** The largest archive (and entry file) a restore reads; anything larger is discarded unread. */
  private get restoreBound(): number {
    return (this.options.limits ?? DEFAULT_CACHE_LIMITS).maxBytes + ARCHIVE_OVERHEAD_BYTES
  }

  private giveUp(why: string): void {
    this.state = 'failed'
    this.problem = `the manifest cache failed: ${why}`
    this.cache.close()
    this.options.log.warning(
      `Manifest cache: ${why}. This run reads every manifest from the registry and saves no cache entry; the plan is the same.`
    )
  }

  /** The service works but the entry is bad: this run saves a good one in its place. */
  private discard(key: string, why: string): void {
    this.problem = `the manifest cache entry ${key} was discarded: ${why}`
    this.options.log.warning(
      `Manifest cache: the entry ${key} was discarded unread: ${why}. This run reads from the registry what it needs and saves a new entry; the plan is the same.`
    )
  }

  private async restore(): Promise<void> {
    await this.options.startAfter?.catch(() => undefined)
    let available: boolean
    try {
      available = this.service.isAvailable()
    } catch (error) {
      // E.g. a GITHUB_SERVER_URL that is not a URL: `ready` never rejects.
      return this.giveUp(`the Actions cache service could not be located (${error instanceof Error ? error.message : String(error)})`)
    }
    if (!available) {
      this.state = 'unavailable'
      this.cache.close()
      return this.options.log.info(
        'Manifest cache: no Actions cache service here (ACTIONS_RESULTS_URL / ACTIONS_CACHE_URL are not set, as outside GitHub Actions); every manifest is read from the registry and nothing is kept for the next run.'
      )
    }
    const timeoutMs = this.options.restoreTimeoutMs ?? RESTORE_TIMEOUT_MS
    const abort = new AbortController()
    const timer = setTimeout(() => abort.abort(new RestoreTimeout()), timeoutMs)
    timer.unref()
    let step: RestoreStep = 'lookup'
    let found: FoundEntry | undefined
    try {
      found = await untilAborted(this.service.lookUp([this.file], this.key, [this.restorePrefix], abort.signal), abort.signal)
      this.state = 'usable'
      if (found === undefined) {
        this.options.log.info(`Manifest cache: no entry yet for ${this.restorePrefix}*; the manifests this run reads are kept for the next run.`)
        return
      }
      step = 'download'
      const archive = await untilAborted(this.service.download(found.downloadUrl, this.restoreBound, abort.signal), abort.signal)
      step = 'read'
      const reading = await untilAborted(readEntryArchive(archive, ENTRY_FILE, this.restoreBound), abort.signal)
      if (!reading.ok) return this.discard(found.key, reading.why)
      this.restoredKey = found.key
      const count = this.cache.load(reading.text)
      this.options.log.info(
        count > 0
          ? `Manifest cache: ${count} manifest(s) restored from ${found.key} (each is checked against its digest before use).`
          : `Manifest cache: the entry ${found.key} holds nothing this version can use; it is ignored.`
      )
    } catch (error) {
      const seconds = `${timeoutMs / 1000} s`
      if (abort.signal.aborted && abort.signal.reason instanceof RestoreTimeout) {
        if (step === 'lookup') return this.giveUp(`the Actions cache service did not answer within ${seconds} (${RESTORE_STEPS.lookup})`)
        if (step === 'download') return this.giveUp(`${RESTORE_STEPS.download} ${found?.key} from the Actions cache did not finish within ${seconds}`)
        // Reading is this runner's work, not the service's: the entry is what was slow.
        return this.giveUp(`${RESTORE_STEPS.read} ${found?.key} on this runner took longer than ${seconds} (the cache service had answered)`)
      }
      if (error instanceof EntryTooLargeError && found) return this.discard(found.key, error.message)
      const message = error instanceof Error ? error.message : String(error)
      if (error instanceof CacheServiceError) return this.giveUp(`${RESTORE_STEPS[step]} failed: ${message}`)
      this.giveUp(`restoring failed while ${RESTORE_STEPS[step]} (${message})`)
    } finally {
      clearTimeout(timer)
      if (this.state === 'restoring') this.state = 'failed'
    }
  }

  /** Saves what was restored merged with what was read (only manifests still present) as a new entry; never throws. */
  async save(present: readonly PresentManifests[]): Promise<void> {
    if (this.state !== 'usable') return
    const { stats } = this.cache
    this.options.log.info(
      `Manifest cache: ${stats.served} manifest(s) served from the cache, ${stats.remembered} read from the registry and kept` +
        (stats.rejected > 0 ? `, ${stats.rejected} cached bodies did not match their digest and were read again` : '')
    )
    try {
      const entry = this.cache.serialize(present)
      if (entry.manifests === 0) return this.options.log.info('Manifest cache: nothing to keep (no manifest read is still present).')
      if (entry.unchanged && this.restoredKey) {
        return this.options.log.info(`Manifest cache: nothing new since ${this.restoredKey}; that entry stays the newest.`)
      }
      // Only what this run writes is saved: a file left over from an earlier job is replaced whole.
      rmSync(this.file, { force: true })
      const temporary = `${this.file}.${process.pid}.tmp`
      writeFileSync(temporary, entry.text)
      // Renamed into place whole: a pack of the file never sees half of it.
      renameSync(temporary, this.file)
      const timeoutMs = this.options.saveTimeoutMs ?? SAVE_TIMEOUT_MS
      const saved = await within(this.service.save([this.file], this.key), timeoutMs)
      const size = `${entry.manifests} manifest(s), ${(entry.bytes / 1024).toFixed(0)} KiB`
      if (saved === TIMED_OUT) {
        this.problem = `the manifest cache was not saved: the Actions cache service did not take the entry within ${timeoutMs / 1000} s`
        this.options.log.warning(`Manifest cache: the Actions cache service did not take the new entry within ${timeoutMs / 1000} s; the next run reads from the registry what it misses. The plan is not affected.`)
      } else if (saved === -1) {
        this.options.log.info(`Manifest cache: ${size} not saved as ${this.key} (the key exists already, or the service refused: see above); the next run restores the newest entry there is.`)
      } else {
        this.options.log.info(`Manifest cache: saved ${size} as ${this.key}.`)
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      this.problem = `the manifest cache was not saved: ${message}`
      this.options.log.warning(`Manifest cache: saving failed (${message}); the plan is not affected.`)
    }
  }
}

/** The container manifests still present after the run (`gone`: deleted by it), newest version first. */
export function presentManifests(packages: readonly PackageInventory[], gone: (pkg: PackageInventory, id: number) => boolean): PresentManifests[] {
  return packages
    .filter((pkg) => pkg.package.type === 'container')
    .map((pkg) => ({
      repository: registryRepository(pkg.package.owner, pkg.package.name),
      digests: pkg.versions
        .filter((version) => !gone(pkg, version.id))
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id - a.id)
        .map((version) => version.name)
    }))
}
