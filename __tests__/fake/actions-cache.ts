// A local fake of the Actions cache service v2, over real HTTP on 127.0.0.1, as @actions/cache 6.x
// speaks to it: the Twirp JSON API (CreateCacheEntry, FinalizeCacheEntryUpload,
// GetCacheEntryDownloadURL, request fields in proto names) and the Azure Blob requests the toolkit
// makes against the signed URLs it hands out (one `PUT x-ms-blob-type: BlockBlob`, or
// `?comp=block&blockid=…` then `?comp=blocklist` above the single-put size; a GET to download, with
// ranges and HEAD answered as Blob Storage does).
//
//   const service = await FakeActionsCache.start()
//   env: { ...service.env, GITHUB_RUN_ID: '1' }   // ACTIONS_RESULTS_URL, ACTIONS_RUNTIME_TOKEN, ACTIONS_CACHE_SERVICE_V2
//   service.entries()       // what was saved
//   service.fault = 'hang'  // or 'error' (500 on every Twirp call), 'corrupt-download' or 'hang-download'
//   await service.stop()
//
// Like GitHub's: entries are immutable (a second CreateCacheEntry for a key and version answers 409),
// a restore matches the primary key exactly, then each restore key as a prefix, newest entry first,
// and only entries of the same version (the hash of the cached paths and compression).
import { randomBytes } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'

const TWIRP_PREFIX = '/twirp/github.actions.results.api.v1.CacheService/'
const ACCOUNT = 'devstoreaccount1'
const CONTAINER = 'actions-cache'

export type CacheFault = 'error' | 'hang' | 'corrupt-download' | 'hang-download'

export interface CacheEntry {
  id: number
  key: string
  version: string
  /** The archive the toolkit uploaded (tar, zstd- or gzip-compressed); absent until uploaded. */
  archive?: Buffer
  finalized: boolean
  /** Order of creation: later entries are newer. */
  created: number
}

export interface CacheRequest {
  method: string
  /** The Twirp method ("CreateCacheEntry", …) or "blob". */
  call: string
  /** For blob requests: the `comp` query parameter, if any. */
  comp?: string
  status: number
  /** The range asked for (Range or x-ms-range), for downloads. */
  range?: string
}

interface TwirpAnswer {
  status: number
  body: unknown
}

function twirpError(status: number, code: string, msg: string): TwirpAnswer {
  return { status, body: { code, msg } }
}

export class FakeActionsCache {
  /** A fault for every request from now on; undefined: behave. */
  fault: CacheFault | undefined
  readonly requests: CacheRequest[] = []
  private readonly byId = new Map<number, CacheEntry>()
  private readonly staged = new Map<string, Buffer>()
  private nextId = 1
  private readonly token = `fake-runtime-token-${randomBytes(6).toString('hex')}`

  private constructor(private readonly server: http.Server) {}

  static async start(): Promise<FakeActionsCache> {
    const server = http.createServer()
    const fake = new FakeActionsCache(server)
    server.on('request', (req, res) => fake.handle(req, res))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
    return fake
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
  }

  /** What the runner gives a JavaScript action to reach the cache service v2. */
  get env(): Record<string, string> {
    return {
      ACTIONS_RESULTS_URL: `${this.url}/`,
      ACTIONS_RUNTIME_TOKEN: this.token,
      ACTIONS_CACHE_SERVICE_V2: 'true',
      GITHUB_SERVER_URL: 'https://github.com'
    }
  }

  /** Finalized entries, oldest first. */
  entries(): CacheEntry[] {
    return [...this.byId.values()].filter((entry) => entry.finalized).sort((a, b) => a.created - b.created)
  }

  /** Replaces the archive of a saved entry (e.g. with a tampered one). */
  replaceArchive(key: string, archive: Buffer): void {
    const entry = this.entries().find((candidate) => candidate.key === key)
    if (!entry) throw new Error(`fake Actions cache: no entry ${key}`)
    entry.archive = archive
  }

  /** Closes the listener and every connection, hanging ones included. */
  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve())
      this.server.closeAllConnections()
    })
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', this.url)
      const body = Buffer.concat(chunks)
      if (url.pathname.startsWith(TWIRP_PREFIX)) this.twirp(req, res, url.pathname.slice(TWIRP_PREFIX.length), body)
      else if (url.pathname.startsWith(`/${ACCOUNT}/${CONTAINER}/`)) this.blob(req, res, url, body)
      else this.send(res, { method: req.method ?? '', call: 'unknown', status: 404 }, 404, {}, '')
    })
  }

  private send(res: http.ServerResponse, record: CacheRequest, status: number, headers: Record<string, string>, body: Buffer | string): void {
    record.status = status
    this.requests.push(record)
    res.writeHead(status, { 'content-length': String(Buffer.byteLength(body)), ...headers })
    res.end(res.req?.method === 'HEAD' ? undefined : body)
  }

  private twirp(req: http.IncomingMessage, res: http.ServerResponse, method: string, body: Buffer): void {
    const record: CacheRequest = { method: req.method ?? '', call: method, status: 0 }
    if (this.fault === 'hang') {
      // Never answered: the socket stays open until the client gives up or the fake stops.
      this.requests.push(record)
      return
    }
    let answer: TwirpAnswer
    if (this.fault === 'error') answer = twirpError(500, 'internal', 'the fake cache service is failing')
    else if (req.headers.authorization !== `Bearer ${this.token}`) answer = twirpError(401, 'unauthenticated', 'invalid runtime token')
    else {
      let request: Record<string, unknown>
      try {
        request = JSON.parse(body.toString('utf8')) as Record<string, unknown>
      } catch {
        request = {}
      }
      answer = this.call(method, request)
    }
    this.send(res, record, answer.status, { 'content-type': 'application/json' }, JSON.stringify(answer.body))
  }

  private call(method: string, request: Record<string, unknown>): TwirpAnswer {
    const key = typeof request.key === 'string' ? request.key : ''
    const version = typeof request.version === 'string' ? request.version : ''
    if (!key || !version) return twirpError(400, 'invalid_argument', 'key and version are required')
    const sameVersion = [...this.byId.values()].filter((entry) => entry.version === version)
    switch (method) {
      case 'CreateCacheEntry': {
        if (sameVersion.some((entry) => entry.key === key)) {
          return twirpError(409, 'already_exists', 'cache entry with the same key, version, and scope already exists')
        }
        const entry: CacheEntry = { id: this.nextId++, key, version, finalized: false, created: this.nextId }
        this.byId.set(entry.id, entry)
        return { status: 200, body: { ok: true, signed_upload_url: this.signedUrl(entry.id, 'upload') } }
      }
      case 'FinalizeCacheEntryUpload': {
        const entry = sameVersion.find((candidate) => candidate.key === key && !candidate.finalized)
        if (!entry || entry.archive === undefined) return twirpError(404, 'not_found', 'no upload to finalize for this key')
        if (String(entry.archive.length) !== String(request.size_bytes)) return twirpError(400, 'invalid_argument', 'size_bytes differs from the upload')
        entry.finalized = true
        return { status: 200, body: { ok: true, entry_id: String(entry.id) } }
      }
      case 'GetCacheEntryDownloadURL': {
        const finalized = sameVersion.filter((entry) => entry.finalized).sort((a, b) => b.created - a.created)
        const restoreKeys = Array.isArray(request.restore_keys) ? request.restore_keys.filter((k): k is string => typeof k === 'string') : []
        const match =
          finalized.find((entry) => entry.key === key) ??
          restoreKeys.map((prefix) => finalized.find((entry) => entry.key.startsWith(prefix))).find((entry) => entry !== undefined)
        if (!match) return { status: 200, body: { ok: false } }
        return { status: 200, body: { ok: true, signed_download_url: this.signedUrl(match.id, 'download'), matched_key: match.key } }
      }
      default:
        return twirpError(404, 'bad_route', `no method ${method}`)
    }
  }

  private signedUrl(id: number, purpose: string): string {
    return `${this.url}/${ACCOUNT}/${CONTAINER}/entry-${id}?sv=2024-11-04&sp=${purpose === 'upload' ? 'cw' : 'r'}&sig=fake-${purpose}`
  }

  private blob(req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: Buffer): void {
    const comp = url.searchParams.get('comp') ?? undefined
    const record: CacheRequest = { method: req.method ?? '', call: 'blob', comp, status: 0 }
    const id = Number(/entry-(\d+)$/.exec(url.pathname)?.[1])
    const entry = this.byId.get(id)
    const headers = { 'x-ms-request-id': randomBytes(8).toString('hex'), 'x-ms-version': '2024-11-04', etag: `"0x${id}"`, 'last-modified': new Date().toUTCString() }
    if (!entry || !url.searchParams.get('sig')) return this.send(res, record, 404, headers, 'BlobNotFound')
    if (req.method === 'PUT') {
      if (entry.finalized) return this.send(res, record, 409, headers, 'BlobImmutable')
      if (comp === 'block') {
        this.staged.set(`${id} ${url.searchParams.get('blockid')}`, body)
        return this.send(res, record, 201, headers, '')
      }
      if (comp === 'blocklist') {
        const ids = [...body.toString('utf8').matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]*)<\//g)].map((m) => m[1])
        const blocks = ids.map((blockId) => this.staged.get(`${id} ${blockId}`))
        if (blocks.some((block) => block === undefined)) return this.send(res, record, 400, headers, 'InvalidBlockList')
        entry.archive = Buffer.concat(blocks as Buffer[])
        return this.send(res, record, 201, headers, '')
      }
      if (req.headers['x-ms-blob-type'] !== 'BlockBlob') return this.send(res, record, 400, headers, 'MissingRequiredHeader')
      entry.archive = body
      return this.send(res, record, 201, headers, '')
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return this.send(res, record, 405, headers, '')
    if (!entry.finalized || entry.archive === undefined) return this.send(res, record, 404, headers, 'BlobNotFound')
    if (this.fault === 'hang-download') {
      // The lookup answered; the storage never does (until the client gives up or the fake stops).
      this.requests.push(record)
      return
    }
    let archive = entry.archive
    if (this.fault === 'corrupt-download') archive = Buffer.from(archive.map((byte, i) => (i % 7 === 0 ? byte ^ 0xff : byte)))
    const blobHeaders = { ...headers, 'content-type': 'application/octet-stream', 'x-ms-blob-type': 'BlockBlob', 'accept-ranges': 'bytes' }
    const range = (req.headers['x-ms-range'] ?? req.headers.range) as string | undefined
    const parsed = range ? /^bytes=(\d+)-(\d*)$/.exec(range) : null
    if (parsed) {
      record.range = range
      const start = Number(parsed[1])
      const end = Math.min(parsed[2] ? Number(parsed[2]) : archive.length - 1, archive.length - 1)
      if (start >= archive.length) return this.send(res, record, 416, blobHeaders, '')
      const part = archive.subarray(start, end + 1)
      return this.send(res, record, 206, { ...blobHeaders, 'content-range': `bytes ${start}-${end}/${archive.length}` }, part)
    }
    this.send(res, record, 200, blobHeaders, archive)
  }
}
