// The registry's HTTP layer: bounded concurrency (ghcr.io answers 429 to bursts), retries with
// backoff on 429, 5xx and network failures (Retry-After honoured), and request counting.
//
// Bounded: every attempt has a timeout that covers the body as well as the headers (a registry
// that trickles a byte a second is as stuck as one that never answers), a read's attempts share
// one deadline, and a body larger than the caller's limit is refused from its Content-Length or
// as soon as the streamed bytes pass the limit: it is never held whole in memory.
import { untilStopped, type RunControl } from '../run-control.js'
import { AdaptiveLimit, REGISTRY_CONCURRENCY } from './adaptive-limit.js'
import { RegistryError } from './errors.js'

export interface HttpAnswer {
  status: number
  headers: Headers
  body: Buffer
  /** Attempts made, for messages ("HTTP 503 after 5 attempts"). */
  attempts: number
}

export interface HttpOptions {
  /** Requests at once: fixed, or (default) adaptive, from REGISTRY_CONCURRENCY, lowered on 429s. */
  concurrency?: number
  retries: number
  retryBaseMs: number
  /** The longest backoff; without `control`, also the longest Retry-After honoured (a longer one ends the retries). */
  maxRetryDelayMs: number
  /** One attempt, headers and body together. */
  timeoutMs: number
  fetch: typeof fetch
  sleep: (ms: number) => Promise<void>
  /** Called once per HTTP attempt, with the final status of that attempt (0: network failure). */
  onAttempt?: (kind: RequestKind, status: number) => void
  onRetry?: () => void
  /**
   * The run's stop and its bounds on waits (contract 1.2): a Retry-After is honoured only while
   * control.admitWait allows it, and nothing is sent once the run stopped. Without it, a
   * Retry-After over maxRetryDelayMs ends the retries.
   */
  control?: RunControl
}

export type RequestKind = 'manifest' | 'token' | 'tags'

/**
 * What one logical read may spend, shared by its GETs (challenge, token, manifest). The clock
 * starts at its first attempt, not when it was queued: a read waiting behind thousands of others
 * for a concurrency slot has not been kept waiting by the registry.
 */
export interface ReadBudget {
  totalMs: number
  /** Set at the first attempt (epoch ms). */
  deadline?: number
  /** Aborted to give up at once (its reason is thrown): the package fails closed anyway. */
  signal?: AbortSignal
}

export interface GetOptions {
  kind: RequestKind
  /** HEAD asks whether the manifest exists without downloading it (default GET). */
  method?: 'GET' | 'HEAD'
  /** Bodies larger than this are refused unread (Content-Length) or as soon as the stream passes it. */
  maxBodyBytes: number
  budget: ReadBudget
}

/** Retry-After in milliseconds: delta-seconds or an HTTP date. */
export function retryAfterMs(value: string | null, nowMs: number): number | undefined {
  if (!value) return undefined
  const text = value.trim()
  if (/^\d+$/.test(text)) return Number(text) * 1000
  const at = Date.parse(text)
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs)
}

/** Exponential backoff with jitter (half to full), so concurrent retries do not arrive as a new burst. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt)
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2)
}

function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500
}

/** An attempt that ran out of its time, before the headers or while the body was coming. */
class AttemptTimedOut extends Error {
  constructor() {
    super('timed out')
    this.name = 'TimeoutError'
  }
}

/** A body over the limit: refused without reading (or reading) the rest. */
class BodyTooLarge extends Error {
  constructor(
    readonly bytes: number,
    /** From Content-Length, before any byte was read. */
    readonly announced: boolean
  ) {
    super(`body of ${bytes} bytes`)
  }
}

/** "1.5 GB", "4.2 MiB": sizes in messages. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`
  return `${bytes} bytes`
}

const seconds = (ms: number): string => `${Math.round(ms / 1000)} s`

export class RegistryHttp {
  /**
   * Attempts in flight, adaptive (see adaptive-limit.ts). A plain semaphore: Bottleneck (the REST
   * throttler's limiter) passes every job through serial locks and timer ticks, about 3 ms each,
   * which capped manifest reads near 300 a second whatever the concurrency.
   */
  readonly limit: AdaptiveLimit

  constructor(private readonly options: HttpOptions) {
    const fixed = options.concurrency === undefined ? undefined : Math.max(1, options.concurrency)
    this.limit = new AdaptiveLimit(fixed === undefined ? REGISTRY_CONCURRENCY : { initial: fixed, min: fixed, max: fixed })
  }

  /**
   * GET `url`, retrying what a later attempt may fix, within the budget's deadline. Returns the
   * last answer, retryable or not: the caller maps statuses to errors. Throws a RegistryError when
   * no answer came (network, timeout), when the body is over the limit, or the budget's signal's reason.
   */
  async get(url: string, headers: Record<string, string>, { kind, maxBodyBytes, budget, method = 'GET' }: GetOptions): Promise<HttpAnswer> {
    const { retries } = this.options
    const where = `${method} ${new URL(url).pathname}`
    let timeouts = 0
    for (let attempt = 0; ; attempt++) {
      let answer: Omit<HttpAnswer, 'attempts'>
      let elapsedMs = 0
      try {
        this.options.control?.throwIfStopped()
        answer = await this.limit.run(async () => {
          const started = Date.now()
          const result = await this.once(method, url, headers, maxBodyBytes, budget)
          elapsedMs = Date.now() - started
          return result
        })
      } catch (error) {
        if (this.options.control?.stop) throw this.options.control.signal.reason
        if (budget.signal?.aborted) throw budget.signal.reason
        if (error instanceof BodyTooLarge) {
          this.options.onAttempt?.(kind, 200)
          const size = error.announced ? `announces ${formatBytes(error.bytes)}` : `sent more than ${formatBytes(maxBodyBytes)}`
          throw new RegistryError(
            `${new URL(url).host} answered ${where} with a body that ${size}; the limit is ${formatBytes(maxBodyBytes)}, so it was not read`,
            'TOO_LARGE'
          )
        }
        this.options.onAttempt?.(kind, 0)
        const timedOut = isTimeout(error)
        if (timedOut) {
          timeouts++
          this.limit.pushedBack()
        }
        const left = remainingMs(budget)
        if (attempt >= retries || left <= 0) {
          const tries = `${attempt + 1} attempt(s)`
          if (timedOut) {
            throw new RegistryError(
              `the registry ${new URL(url).host} did not answer ${where} in time (${tries} of at most ${seconds(this.options.timeoutMs)} each, ` +
                `${seconds(budget.totalMs)} in all); a later run will retry`,
              'TIMEOUT'
            )
          }
          throw new RegistryError(`no answer from ${new URL(url).host} after ${tries}${timeouts > 0 ? `, ${timeouts} of them timed out` : ''}: ${describeNetworkError(error)}`, 'NETWORK')
        }
        await this.wait(Math.min(left, backoffMs(attempt, this.options.retryBaseMs, this.options.maxRetryDelayMs)), budget)
        continue
      }
      this.options.onAttempt?.(kind, answer.status)
      if (answer.status === 429) this.limit.pushedBack()
      else this.limit.succeeded(elapsedMs)
      if (!isRetryableStatus(answer.status) || attempt >= retries) return { ...answer, attempts: attempt + 1 }
      const asked = retryAfterMs(answer.headers.get('retry-after'), Date.now())
      const control = this.options.control
      if (asked !== undefined && control) {
        // A wait the registry asks for is honoured while it fits the run's bounds (the read's own
        // deadline moves with it); one that does not fit stops the run, and this read ends as the stop.
        if (!control.admitWait(asked, `the registry ${new URL(url).host} (${where})`)) throw control.signal.reason
        if (budget.deadline !== undefined) budget.deadline += asked
        await this.wait(asked, budget)
        continue
      }
      const delay = asked ?? backoffMs(attempt, this.options.retryBaseMs, this.options.maxRetryDelayMs)
      // A wait the run cannot honour (too long, or past this read's deadline) ends the retries.
      if ((asked !== undefined && asked > this.options.maxRetryDelayMs) || delay >= remainingMs(budget)) return { ...answer, attempts: attempt + 1 }
      await this.wait(delay, budget)
    }
  }

  private async wait(ms: number, budget: ReadBudget): Promise<void> {
    this.options.onRetry?.()
    const control = this.options.control
    await (control ? untilStopped(this.options.sleep(ms), control.signal) : this.options.sleep(ms))
    if (budget.signal?.aborted) throw budget.signal.reason
  }

  /** One attempt; the body is read inside the concurrency slot so a slot means one open response. */
  private async once(method: 'GET' | 'HEAD', url: string, headers: Record<string, string>, maxBodyBytes: number, budget: ReadBudget): Promise<Omit<HttpAnswer, 'attempts'>> {
    if (budget.signal?.aborted) throw budget.signal.reason
    this.options.control?.throwIfStopped()
    budget.deadline ??= Date.now() + budget.totalMs
    const timeout = AbortSignal.timeout(Math.max(1, Math.min(this.options.timeoutMs, remainingMs(budget))))
    const stopped = this.options.control?.signal
    const signal = AbortSignal.any([timeout, ...(budget.signal ? [budget.signal] : []), ...(stopped ? [stopped] : [])])
    try {
      return await this.exchange(method, url, headers, maxBodyBytes, signal)
    } catch (error) {
      if (this.options.control?.stop) throw this.options.control.signal.reason
      if (budget.signal?.aborted) throw budget.signal.reason
      throw timeout.aborted ? new AttemptTimedOut() : error
    }
  }

  private async exchange(method: 'GET' | 'HEAD', url: string, headers: Record<string, string>, maxBodyBytes: number, signal: AbortSignal): Promise<Omit<HttpAnswer, 'attempts'>> {
    const response = await this.options.fetch(url, { method, headers, redirect: 'follow', signal })
    // A HEAD's Content-Length is the size of the manifest it did not send.
    const announced = method === 'HEAD' ? Number.NaN : Number(response.headers.get('content-length') ?? Number.NaN)
    if (announced > maxBodyBytes) {
      await response.body?.cancel().catch(() => {})
      throw new BodyTooLarge(announced, true)
    }
    const chunks: Uint8Array[] = []
    let size = 0
    if (response.body) {
      const reader = response.body.getReader()
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        size += value.byteLength
        if (size > maxBodyBytes) {
          await reader.cancel().catch(() => {})
          throw new BodyTooLarge(size, false)
        }
        chunks.push(value)
      }
    }
    return { status: response.status, headers: response.headers, body: Buffer.concat(chunks, size) }
  }
}

function remainingMs(budget: ReadBudget): number {
  return budget.deadline === undefined ? budget.totalMs : budget.deadline - Date.now()
}

function isTimeout(error: unknown): boolean {
  return error instanceof AttemptTimedOut
}

function describeNetworkError(error: unknown): string {
  if (error instanceof Error) {
    if (isTimeout(error)) return 'timed out'
    const cause = (error as { cause?: { code?: string; message?: string } }).cause
    return cause?.code ?? cause?.message ?? error.message
  }
  return String(error)
}
