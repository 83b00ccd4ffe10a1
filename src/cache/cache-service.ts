// The restoring half of the Actions cache protocol, spoken here rather than through @actions/cache:
// the toolkit would extract the archive with `tar -P` wherever its members point. Here a restore is a
// lookup (which entry, where to download it) and one bounded download into memory; nothing is
// extracted, no process is started, and every step can be abandoned by an AbortSignal.
// Saving stays with the toolkit (it packs our own file), so the version computed here must be the
// toolkit's: the hash of the cached paths, its compression method and a salt.
import { createHash } from 'node:crypto'
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'
import { proxyAwareFetch } from '../registry/proxy-fetch.js'

/** Where the runner's cache service is, as @actions/cache 6.x decides it. */
export interface CacheEndpoint {
  /** v2: Twirp + signed blob URLs (github.com, *.ghe.com); v1: the legacy REST API (GHES). */
  protocol: 'v1' | 'v2'
  baseUrl: string
  token: string
}

/** The runner's cache service, or undefined when there is none (outside Actions) or reads are off. */
export function cacheEndpoint(env: NodeJS.ProcessEnv = process.env): CacheEndpoint | undefined {
  const host = new URL(env.GITHUB_SERVER_URL || 'https://github.com').hostname.toLowerCase()
  const ghes = host !== 'github.com' && !host.endsWith('.ghe.com') && !host.endsWith('.localhost')
  const protocol = !ghes && env.ACTIONS_CACHE_SERVICE_V2 ? 'v2' : 'v1'
  const baseUrl = protocol === 'v2' ? env.ACTIONS_RESULTS_URL : env.ACTIONS_CACHE_URL || env.ACTIONS_RESULTS_URL
  const token = env.ACTIONS_RUNTIME_TOKEN
  // ACTIONS_CACHE_MODE 'none' or 'write-only' (e.g. an untrusted event): the toolkit would skip reads too.
  const mode = (env.ACTIONS_CACHE_MODE ?? '').trim().toLowerCase()
  if (mode === 'none' || mode === 'write-only') return undefined
  if (!baseUrl || !token) return undefined
  return { protocol, baseUrl, token }
}

/** Whether an executable is on PATH, without starting it. */
function onPath(name: string, env: NodeJS.ProcessEnv): boolean {
  const names = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE').split(';').map((ext) => `${name}${ext.toLowerCase()}`) : [name]
  for (const directory of (env.PATH ?? '').split(delimiter)) {
    for (const candidate of names) {
      try {
        accessSync(join(directory, candidate), constants.X_OK)
        return true
      } catch {
        // not here
      }
    }
  }
  return false
}

/**
 * The version @actions/cache gives an entry of these paths (its getCacheVersion): it compresses with
 * zstd when a `zstd` is on PATH ("zstd-without-long" since 6.x), else gzip; Windows entries are apart.
 */
export function toolkitCacheVersion(paths: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
  const components = [...paths, onPath('zstd', env) ? 'zstd-without-long' : 'gzip']
  if (process.platform === 'win32') components.push('windows-only')
  components.push('1.0')
  return createHash('sha256').update(components.join('|')).digest('hex')
}

export interface FoundEntry {
  key: string
  downloadUrl: string
}

/** A failure of the cache service (not of this action, nor of the entry's contents). */
export class CacheServiceError extends Error {}

const TWIRP_SERVICE = 'github.actions.results.api.v1.CacheService'

/** The newest entry for `key` exactly, else for the first restore key (a prefix) that matches; one request. */
export async function lookUpEntry(
  endpoint: CacheEndpoint,
  request: { key: string; restoreKeys: string[]; version: string },
  signal: AbortSignal,
  fetchImpl: typeof fetch = proxyAwareFetch()
): Promise<FoundEntry | undefined> {
  const authorization = `Bearer ${endpoint.token}`
  if (endpoint.protocol === 'v2') {
    const url = new URL(`/twirp/${TWIRP_SERVICE}/GetCacheEntryDownloadURL`, endpoint.baseUrl)
    const response = await fetchImpl(url, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ key: request.key, restore_keys: request.restoreKeys, version: request.version }),
      signal
    })
    const text = await response.text()
    if (!response.ok) throw new CacheServiceError(`the cache service answered ${response.status} to the lookup`)
    const body = parseJson(text) as { ok?: unknown; signed_download_url?: unknown; matched_key?: unknown } | undefined
    if (body?.ok !== true) return undefined
    if (typeof body.signed_download_url !== 'string' || typeof body.matched_key !== 'string') {
      throw new CacheServiceError('the cache service found an entry but gave no download address')
    }
    return { key: body.matched_key, downloadUrl: body.signed_download_url }
  }
  const keys = [request.key, ...request.restoreKeys].join(',')
  const url = `${endpoint.baseUrl.replace(/\/?$/, '/')}_apis/artifactcache/cache?keys=${encodeURIComponent(keys)}&version=${request.version}`
  const response = await fetchImpl(url, { headers: { authorization, accept: 'application/json;api-version=6.0-preview.1' }, signal })
  const text = await response.text()
  if (response.status === 204) return undefined
  if (!response.ok) throw new CacheServiceError(`the cache service answered ${response.status} to the lookup`)
  const body = parseJson(text) as { cacheKey?: unknown; archiveLocation?: unknown } | undefined
  if (typeof body?.archiveLocation !== 'string' || typeof body.cacheKey !== 'string') {
    throw new CacheServiceError('the cache service found an entry but gave no download address')
  }
  return { key: body.cacheKey, downloadUrl: body.archiveLocation }
}

/** An entry whose archive is larger than the bound: discarded unread. */
export class EntryTooLargeError extends Error {}

/** The archive's bytes, at most `maxBytes` of them: a larger one is abandoned as soon as it is known to be. */
export async function downloadEntry(url: string, maxBytes: number, signal: AbortSignal, fetchImpl: typeof fetch = proxyAwareFetch()): Promise<Buffer> {
  const response = await fetchImpl(url, { signal })
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined)
    throw new CacheServiceError(`the download of the entry answered ${response.status}`)
  }
  const declared = Number(response.headers.get('content-length') ?? NaN)
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined)
    throw new EntryTooLargeError(`the archive is ${declared} bytes, more than the ${maxBytes} an entry may be`)
  }
  const chunks: Buffer[] = []
  let received = 0
  if (response.body) {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      received += chunk.byteLength
      // Leaving the loop cancels the body: the rest is never downloaded.
      if (received > maxBytes) throw new EntryTooLargeError(`the archive is more than the ${maxBytes} bytes an entry may be`)
      chunks.push(Buffer.from(chunk))
    }
  }
  return Buffer.concat(chunks)
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
