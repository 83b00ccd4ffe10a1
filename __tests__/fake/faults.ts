// Injected failures: random ones from a seeded PRNG (so a failing run can be replayed exactly),
// and scripted one-off ones for tests that need a specific failure at a specific request.
import { STATUS_CODES } from 'node:http'
import { registryError, registryErrorCode } from './registry.js'
import type { FakeResponse } from './server.js'
import { seededRandom } from './random.js'

export interface FaultOptions {
  /** Same seed and same request order → same faults. */
  seed: number
  /** Probability of answering 502 or 503 without applying the request. */
  serverErrorRate?: number
  /** Probability of destroying the socket without applying the request. */
  dropBeforeRate?: number
  /** Probability of applying the request, then destroying the socket without answering. */
  dropAfterRate?: number
  /** Delay before every response, plus up to jitterMs more. */
  latencyMs?: number
  jitterMs?: number
}

/** One scripted failure for the next matching request(s); takes precedence over random faults. */
export interface ScriptedFault {
  /** Match on the method (any when omitted). */
  method?: string
  /** Match when the raw request path (percent-encoded, no query) contains this. */
  pathIncludes?: string
  /** Match when the query has these parameters with these values, e.g. { page: '7' }. */
  query?: Record<string, string>
  /** How many matching requests it applies to; default 1. */
  times?: number
  /** Answer with this status (and a GitHub-style error body, or a registry one on registry paths) without applying the request. */
  status?: number
  message?: string
  headers?: Record<string, string>
  /** Destroy the socket instead: 'before' does not apply the request, 'after' does. */
  drop?: 'before' | 'after'
  /** Never answer (until the client gives up or the fake stops); the request is not applied. */
  hang?: true
  /** Answer as usual, but send the body one byte every this many milliseconds (headers at once). */
  trickleMs?: number
  /**
   * Answer 200 with a body of this many bytes, streamed (never allocated whole), e.g. a "manifest"
   * of 1.5 GB. With `announce` the Content-Length says so up front; without, it is chunked.
   */
  hugeBody?: { bytes: number; announce: boolean; contentType?: string }
}

export type FaultAction =
  | { kind: 'drop-before' }
  | { kind: 'drop-after' }
  | { kind: 'hang' }
  | { kind: 'respond'; response: FakeResponse }
  | { kind: 'trickle'; intervalMs: number }
  | { kind: 'huge-body'; bytes: number; announce: boolean; contentType: string }

export interface FaultDecision {
  delayMs: number
  action?: FaultAction
}

export class Faults {
  private readonly random: (() => number) | undefined
  private readonly scripted: Array<ScriptedFault & { left: number }> = []

  constructor(private readonly options?: FaultOptions) {
    this.random = options ? seededRandom(options.seed) : undefined
  }

  failNext(fault: ScriptedFault): void {
    if (fault.status === undefined && fault.drop === undefined && !fault.hang && fault.trickleMs === undefined && !fault.hugeBody) {
      throw new Error('fake GitHub: failNext needs a status, a drop, hang, trickleMs or hugeBody')
    }
    this.scripted.push({ ...fault, left: fault.times ?? 1 })
  }

  /** `registry`: the request is for the container registry, whose error bodies differ from GitHub's. */
  decide(method: string, path: string, registry = false, query: Record<string, string> = {}): FaultDecision {
    // Draw the same number of values for every request, whatever is used, so that the n-th
    // request always sees the same draws for a given seed.
    const [serverError, dropBefore, dropAfter, jitter, which] = this.random
      ? [this.random(), this.random(), this.random(), this.random(), this.random()]
      : [1, 1, 1, 0, 0]
    const o = this.options
    const delayMs = o ? (o.latencyMs ?? 0) + Math.floor(jitter * (o.jitterMs ?? 0)) : 0

    const script = this.scripted.find(
      (s) =>
        s.left > 0 &&
        (!s.method || s.method.toUpperCase() === method) &&
        (!s.pathIncludes || path.includes(s.pathIncludes)) &&
        Object.entries(s.query ?? {}).every(([name, value]) => query[name] === value)
    )
    if (script) {
      script.left--
      return { delayMs, action: scriptedAction(script, registry) }
    }
    if (!o) return { delayMs }
    if (dropBefore < (o.dropBeforeRate ?? 0)) return { delayMs, action: { kind: 'drop-before' } }
    if (serverError < (o.serverErrorRate ?? 0)) {
      const status = which < 0.5 ? 502 : 503
      const response = registry ? registryError(status, registryErrorCode(status), STATUS_CODES[status] ?? 'Error') : serverErrorResponse(status)
      return { delayMs, action: { kind: 'respond', response } }
    }
    if (dropAfter < (o.dropAfterRate ?? 0)) return { delayMs, action: { kind: 'drop-after' } }
    return { delayMs }
  }
}

function scriptedAction(script: ScriptedFault, registry: boolean): FaultAction {
  if (script.hang) return { kind: 'hang' }
  if (script.drop === 'before') return { kind: 'drop-before' }
  if (script.drop === 'after') return { kind: 'drop-after' }
  if (script.trickleMs !== undefined) return { kind: 'trickle', intervalMs: script.trickleMs }
  if (script.hugeBody) {
    const contentType = script.hugeBody.contentType ?? 'application/vnd.oci.image.manifest.v1+json'
    return { kind: 'huge-body', bytes: script.hugeBody.bytes, announce: script.hugeBody.announce, contentType }
  }
  const status = script.status as number
  if (registry) {
    const message = script.message ?? STATUS_CODES[status] ?? 'Error'
    return { kind: 'respond', response: registryError(status, registryErrorCode(status), message, script.headers) }
  }
  return {
    kind: 'respond',
    response: {
      status,
      headers: script.headers,
      body: {
        message: script.message ?? STATUS_CODES[status] ?? 'Error',
        documentation_url: 'https://docs.github.com/rest',
        status: String(status)
      }
    }
  }
}

// What GitHub's front end answers when a backend is down: a short JSON message.
function serverErrorResponse(status: 502 | 503): FakeResponse {
  const message = status === 502 ? 'Server Error' : 'Service Unavailable'
  return { status, body: { message, documentation_url: 'https://docs.github.com/rest', status: String(status) } }
}
