// HTTP plumbing shared by every surface of the fake (the REST API and the OCI registry):
// routing by path template, recording, injected faults and latency, clean shutdown.
// What a surface means (auth, rate limits, bodies) lives in its route module.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { performance } from 'node:perf_hooks'
import type { Faults } from './faults.js'

export interface RecordedRequest {
  method: string
  /** Raw path as sent (percent-encoding kept), without the query. */
  path: string
  query: Record<string, string>
  /** The status answered; for a request dropped after being applied, the status it would have had; 0 when dropped before. */
  status: number
  /** Milliseconds since the server started, at arrival. */
  at: number
  /** Label of the token seed that authenticated it ("unknown" for an unrecognised token); never the token. */
  token?: string
  /** The route template that served it, e.g. "/orgs/{org}/packages/{package_type}/{package_name}/versions". */
  route?: string
  dropped?: 'before' | 'after'
  /** Held without an answer by a `hang` fault. */
  hung?: true
  /** Requests in flight with the same Authorization header when this one arrived, itself included. */
  inFlight?: number
  /** The response (or drop) was injected by a fault, not produced by the model. */
  injected?: true
  /** Sent to the container registry (/v2/…, /token), not the REST API. */
  registry?: true
}

export interface FakeRequest {
  method: string
  path: string
  /** Path parameters, each decoded after splitting the path (so "%2F" stays inside a name). */
  params: Record<string, string>
  query: Record<string, string>
  /** The query with repeated parameters kept (the registry's token endpoint takes several `scope`). */
  searchParams: URLSearchParams
  headers: http.IncomingHttpHeaders
  /** "http://host:port" as the client addressed us, for absolute URLs in bodies and Link headers. */
  baseUrl: string
  body: Buffer
  record: RecordedRequest
  /** Requests in flight with the same Authorization header when this one arrived, itself included. */
  inFlight: number
}

export interface FakeResponse {
  status: number
  headers?: Record<string, string>
  /** JSON-serialised unless a string or Buffer (sent as is). */
  body?: unknown
}

export type Handler = (req: FakeRequest) => FakeResponse | Promise<FakeResponse>

export interface Route {
  method: string
  /** Path template with {param} segments; one {param+} may span several segments (a repository name with "/"). */
  template: string
  handler: Handler
  /** Test-control routes get no injected faults or latency. */
  control?: boolean
  /** A container registry route (not part of GitHub's REST API). */
  registry?: true
}

export interface ServerOptions {
  routes: Route[]
  /** Answers requests no route matches. */
  notFound: Handler
  faults: Faults
  /** Paths that belong to the registry, so that they are marked as such even when no route matches. */
  isRegistryPath?: (path: string) => boolean
}

interface CompiledRoute {
  route: Route
  segments: string[]
}

export class FakeServer {
  readonly requests: RecordedRequest[] = []
  private readonly routes: CompiledRoute[]
  private readonly inFlight = new Map<string, number>()
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly startedAt = performance.now()
  private stopping: Promise<void> | undefined
  private url = ''

  private constructor(
    private readonly server: http.Server,
    private readonly options: ServerOptions
  ) {
    // Built in: what the fake has seen, for a human or a script poking at a running demo.
    const inspect: Route = {
      method: 'GET',
      template: '/_fake/requests',
      control: true,
      handler: () => ({ status: 200, body: this.requests })
    }
    this.routes = [inspect, ...options.routes].map((route) => ({ route, segments: route.template.split('/').slice(1) }))
  }

  static async start(options: ServerOptions): Promise<FakeServer> {
    const server = http.createServer()
    const fake = new FakeServer(server, options)
    server.on('request', (req, res) => void fake.handle(req, res))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve())
    })
    const { port } = server.address() as AddressInfo
    fake.url = `http://127.0.0.1:${port}`
    return fake
  }

  get baseUrl(): string {
    return this.url
  }

  /** The routes served (test-control ones excepted), as method and template. */
  get routeList(): Array<{ method: string; template: string; registry?: true }> {
    return this.routes
      .filter(({ route }) => !route.control)
      .map(({ route }) => ({ method: route.method, template: route.template, ...(route.registry ? { registry: true as const } : {}) }))
  }

  /** Closes the listener and every connection, keep-alive ones included, so the port is free at once. */
  stop(): Promise<void> {
    this.stopping ??= new Promise<void>((resolve) => {
      for (const timer of this.timers) clearTimeout(timer)
      this.timers.clear()
      this.server.close(() => resolve())
      this.server.closeAllConnections()
    })
    return this.stopping
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase()
    const url = new URL(req.url ?? '/', 'http://fake.invalid')
    const match = this.match(method, url.pathname)
    const control = match?.route.control === true
    const record: RecordedRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: 0,
      at: Math.round(performance.now() - this.startedAt)
    }
    if (match) record.route = match.route.template
    const registry = this.options.isRegistryPath?.(url.pathname) === true
    if (registry) record.registry = true
    // Test-control requests are not part of what the client under test did.
    if (!control) this.requests.push(record)

    const credential = req.headers.authorization ?? ''
    const inFlight = (this.inFlight.get(credential) ?? 0) + 1
    this.inFlight.set(credential, inFlight)
    record.inFlight = inFlight
    res.once('close', () => this.inFlight.set(credential, (this.inFlight.get(credential) ?? 1) - 1))

    try {
      const body = await readBody(req)
      const fakeReq: FakeRequest = {
        method,
        path: url.pathname,
        params: match?.params ?? {},
        query: record.query,
        searchParams: url.searchParams,
        headers: req.headers,
        baseUrl: req.headers.host ? `http://${req.headers.host}` : this.url,
        body,
        record,
        inFlight
      }

      const fault = control ? { delayMs: 0 } : this.options.faults.decide(method, url.pathname, registry, record.query)
      if (fault.delayMs > 0) await this.sleep(fault.delayMs)
      if (this.stopping) return
      if (fault.action) record.injected = true

      if (fault.action?.kind === 'hang') {
        // No answer: the client's timeout (or stop(), which closes every connection) ends it.
        record.hung = true
        return
      }
      if (fault.action?.kind === 'drop-before') {
        record.dropped = 'before'
        req.socket.destroy()
        return
      }
      if (fault.action?.kind === 'huge-body') {
        record.status = 200
        await streamFiller(res, fault.action)
        return
      }
      const response =
        fault.action?.kind === 'respond'
          ? fault.action.response
          : await (match?.route.handler ?? this.options.notFound)(fakeReq)
      record.status = response.status
      if (fault.action?.kind === 'drop-after') {
        record.dropped = 'after'
        req.socket.destroy()
        return
      }
      if (fault.action?.kind === 'trickle') {
        await this.trickle(res, response, fault.action.intervalMs)
        return
      }
      send(res, response)
    } catch (error) {
      // A bug in the fake must be loud, not pass for a GitHub outage the client should retry.
      console.error('fake GitHub crashed', error)
      record.status = 500
      send(res, { status: 500, body: { message: `fake GitHub crashed: ${String(error)}` } })
    }
  }

  private match(method: string, path: string): { route: Route; params: Record<string, string> } | undefined {
    const segments = path.split('/').slice(1)
    for (const { route, segments: template } of this.routes) {
      if (route.method !== method) continue
      const params = matchSegments(template, segments)
      if (params) return { route, params }
    }
    return undefined
  }

  /** Headers at once, then the body a byte at a time, until it is sent or the client leaves. */
  private async trickle(res: http.ServerResponse, response: FakeResponse, intervalMs: number): Promise<void> {
    const { headers, payload } = encode(response)
    res.writeHead(response.status, headers)
    res.flushHeaders()
    const bytes = payload === undefined ? Buffer.alloc(0) : Buffer.from(payload)
    for (let at = 0; at < bytes.length; at++) {
      await this.sleep(intervalMs)
      if (res.destroyed || this.stopping) return
      res.write(bytes.subarray(at, at + 1))
    }
    res.end()
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer)
        resolve()
      }, ms)
      this.timers.add(timer)
    })
  }
}

/** Path parameters when the segments fit the template; a {param+} takes what the fixed parts leave (at least one). */
function matchSegments(template: string[], segments: string[]): Record<string, string> | undefined {
  const spread = template.findIndex((part) => part.endsWith('+}'))
  const extra = segments.length - template.length
  if (spread < 0 ? extra !== 0 : extra < 0) return undefined
  const params: Record<string, string> = {}
  for (let i = 0, at = 0; i < template.length; i++) {
    const part = template[i] as string
    const taken = i === spread ? segments.slice(at, at + 1 + extra) : [segments[at] as string]
    at += taken.length
    if (!part.startsWith('{')) {
      if (part !== taken[0]) return undefined
      continue
    }
    const values = taken.map(safeDecode)
    if (values.some((v) => !v)) return undefined
    params[part.slice(1, part.endsWith('+}') ? -2 : -1)] = values.join('/')
  }
  return params
}

function safeDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment)
  } catch {
    return undefined
  }
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/**
 * A 200 of `bytes` bytes (a JSON-looking run of spaces), written in 64 KiB pieces as the client
 * takes them: one buffer reused, so a 1.5 GB body costs the fake 64 KiB.
 */
async function streamFiller(res: http.ServerResponse, body: { bytes: number; announce: boolean; contentType: string }): Promise<void> {
  const headers: Record<string, string> = { 'content-type': body.contentType }
  if (body.announce) headers['content-length'] = String(body.bytes)
  res.writeHead(200, headers)
  const piece = Buffer.alloc(64 * 1024, 0x20)
  let left = body.bytes
  while (left > 0 && !res.destroyed) {
    const chunk = left >= piece.length ? piece : piece.subarray(0, left)
    left -= chunk.length
    if (!res.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          res.off('drain', done)
          res.off('close', done)
          resolve()
        }
        res.on('drain', done)
        res.on('close', done)
      })
    }
  }
  if (!res.destroyed) res.end()
}

function encode(response: FakeResponse): { headers: Record<string, string>; payload?: string | Buffer } {
  const raw = typeof response.body === 'string' || Buffer.isBuffer(response.body)
  const payload =
    response.body === undefined || response.status === 204 || response.status === 304
      ? undefined
      : raw
        ? (response.body as string | Buffer)
        : JSON.stringify(response.body)
  const headers: Record<string, string> = { ...response.headers }
  if (payload !== undefined) {
    headers['content-type'] ??= raw ? 'application/octet-stream' : 'application/json; charset=utf-8'
    headers['content-length'] = String(Buffer.byteLength(payload))
  }
  return { headers, payload }
}

function send(res: http.ServerResponse, response: FakeResponse): void {
  if (res.destroyed || res.headersSent) return
  const { headers, payload } = encode(response)
  res.writeHead(response.status, headers)
  res.end(payload)
}
