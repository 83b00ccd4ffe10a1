// The manifest cache's life in one run, kept in the Actions cache through @actions/cache: restore the
// newest entry of this owner and package set at the start, save a new one at the end. Entries are
// immutable, so each run saves under its own key (run id and attempt) and restores by the prefix.
// The cache only ever saves reads: when it is off, unavailable, slow or failing, the run reads from the
// registry as it would without it, says so once, and goes on. Nothing here fails a run.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { PackageInventory, Policy } from '../model.js'
import type { ManifestReader } from '../registry/manifests.js'
import { registryRepository } from '../registry/names.js'
import { CachingReader, DEFAULT_CACHE_LIMITS, ManifestCache, type CacheLimits, type PresentManifests } from './manifest-cache.js'

/** What this module needs of the Actions cache; @actions/cache in the action, a stand-in in unit tests. */
export interface CacheService {
  /** Whether the runner provides a cache service (ACTIONS_RESULTS_URL / ACTIONS_CACHE_URL). */
  isAvailable(): Promise<boolean>
  /** The key restored (primary or by prefix), undefined when none matched. */
  restore(paths: string[], key: string, restoreKeys: string[]): Promise<string | undefined>
  /** The entry id, or -1 when not saved (the key exists already: entries are immutable). */
  save(paths: string[], key: string): Promise<number>
}

// Loaded on first use: the toolkit and the Azure Blob SDK are half the bundle, and a run's first
// requests must not wait for them (nor a run with the cache off load them at all).
const toolkit = (): Promise<typeof import('@actions/cache')> => import('@actions/cache')

export const actionsCacheService: CacheService = {
  // Checked first: restoreCache without a service costs about 10 s before it gives up.
  isAvailable: async () => (await toolkit()).isFeatureAvailable(),
  restore: async (paths, key, restoreKeys) => (await toolkit()).restoreCache(paths, key, restoreKeys),
  save: async (paths, key) => (await toolkit()).saveCache(paths, key)
}

/**
 * A healthy restore is one lookup and a download of a few MiB. The toolkit retries a failing service
 * for about 25–35 s and waits forever on one that never answers, so the run stops waiting first.
 */
export const RESTORE_TIMEOUT_MS = 20_000
/** Saving also packs and uploads the entry. */
export const SAVE_TIMEOUT_MS = 30_000

const ENTRY_FILE = 'package-retention-manifest-cache.json'
const KEY_PREFIX = 'package-retention-manifests-v1'

let abandonedOperations = 0

/**
 * Cache operations given up on by timeout. The toolkit cannot be cancelled: such an operation may hold
 * a socket open forever, so the entry point exits explicitly once the run is over.
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

export interface ManifestCacheOptions {
  /** The `manifest-cache` input. */
  enabled: boolean
  owner: string
  /** What else the entry is for (the policy's package selectors): hashed into the key. */
  scope: string
  /** GITHUB_RUN_ID and GITHUB_RUN_ATTEMPT: one key per run, since entries are immutable. */
  runId?: string
  runAttempt?: string
  /** Where the entry file is restored to and saved from (RUNNER_TEMP: cleaned after each job). */
  directory: string
  /** The restore (and loading the toolkit) starts once this settles: e.g. after the run's first requests. */
  startAfter?: Promise<unknown>
  log: { info: (line: string) => void; warning: (line: string) => void }
  service?: CacheService
  limits?: CacheLimits
  restoreTimeoutMs?: number
  saveTimeoutMs?: number
}

type State = 'off' | 'unavailable' | 'restoring' | 'usable' | 'failed'

export class ManifestCacheRun {
  readonly cache: ManifestCache
  /** Settles (never rejects) once the restore is done, given up on, or not attempted. */
  readonly ready: Promise<void>
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
    const scope = createHash('sha256').update(options.scope).digest('hex').slice(0, 16)
    // Keys may not contain commas; owner logins cannot.
    this.restorePrefix = `${KEY_PREFIX}-${options.owner.toLowerCase()}-${scope}-`
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

  private giveUp(why: string): void {
    this.state = 'failed'
    this.cache.close()
    this.options.log.warning(
      `Manifest cache: ${why}. This run reads every manifest from the registry and saves no cache entry; the plan is the same.`
    )
  }

  private async restore(): Promise<void> {
    try {
      await this.options.startAfter?.catch(() => undefined)
      if (!(await this.service.isAvailable())) {
        this.state = 'unavailable'
        this.cache.close()
        return this.options.log.info(
          'Manifest cache: no Actions cache service here (ACTIONS_RESULTS_URL / ACTIONS_CACHE_URL are not set, as outside GitHub Actions); every manifest is read from the registry and nothing is kept for the next run.'
        )
      }
      // Only what this restore brings may be read: a file left over from an earlier job is not an entry.
      rmSync(this.file, { force: true })
      mkdirSync(this.options.directory, { recursive: true })
      const timeoutMs = this.options.restoreTimeoutMs ?? RESTORE_TIMEOUT_MS
      const restored = await within(this.service.restore([this.file], this.key, [this.restorePrefix]), timeoutMs)
      if (restored === TIMED_OUT) return this.giveUp(`the Actions cache service did not answer within ${timeoutMs / 1000} s`)
      this.state = 'usable'
      if (restored === undefined) {
        this.options.log.info(`Manifest cache: no entry yet for ${this.restorePrefix}*; the manifests this run reads are kept for the next run.`)
        return
      }
      this.restoredKey = restored
      const count = existsSync(this.file) ? this.cache.load(readFileSync(this.file, 'utf8')) : 0
      this.options.log.info(
        count > 0
          ? `Manifest cache: ${count} manifest(s) restored from ${restored} (each is checked against its digest before use).`
          : `Manifest cache: the entry ${restored} holds nothing this version can use; it is ignored.`
      )
    } catch (error) {
      this.giveUp(`restoring failed (${error instanceof Error ? error.message : String(error)})`)
    }
  }

  /** Saves the bodies of the manifests still present as a new entry; never throws. */
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
      const temporary = `${this.file}.${process.pid}.tmp`
      writeFileSync(temporary, entry.text)
      // Renamed into place whole: a pack of the file never sees half of it.
      renameSync(temporary, this.file)
      const timeoutMs = this.options.saveTimeoutMs ?? SAVE_TIMEOUT_MS
      const saved = await within(this.service.save([this.file], this.key), timeoutMs)
      const size = `${entry.manifests} manifest(s), ${(entry.bytes / 1024).toFixed(0)} KiB`
      if (saved === TIMED_OUT) {
        this.options.log.warning(`Manifest cache: the Actions cache service did not take the new entry within ${timeoutMs / 1000} s; the next run reads from the registry what it misses. The plan is not affected.`)
      } else if (saved === -1) {
        this.options.log.info(`Manifest cache: ${size} not saved as ${this.key} (the key exists already, or the service refused: see above); the next run restores the newest entry there is.`)
      } else {
        this.options.log.info(`Manifest cache: saved ${size} as ${this.key}.`)
      }
    } catch (error) {
      this.options.log.warning(`Manifest cache: saving failed (${error instanceof Error ? error.message : String(error)}); the plan is not affected.`)
    }
  }
}

/**
 * What an entry is for besides its owner: the packages the policy names. (Not the registry URL: an
 * entry is keyed by repository and digest, and every body is checked against its digest anyway.)
 */
export function manifestCacheScope(policy: Policy): string {
  return JSON.stringify([...new Set(policy.rules.map((rule) => `${rule.packages.type}:${[...rule.packages.names].sort().join(' ')}`))].sort())
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
