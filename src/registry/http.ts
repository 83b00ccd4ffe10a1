// The registry's HTTP layer: bounded concurrency (ghcr.io answers 429 to bursts), retries with
// backoff on 429, 5xx and network failures (Retry-After honoured), and request counting.
import pLimit, { type LimitFunction } from 'p-limit'
import { RegistryError } from './errors.js'

export interface HttpAnswer {
  status: number
  headers: Headers
  body: Buffer
  /** Attempts made, for messages ("HTTP 503 after 5 attempts"). */
  attempts: number
}

export interface HttpOptions {
  concurrency: number
  retries: number
  retryBaseMs: number
  /** The longest wait honoured; a longer Retry-After ends the retries (the caller fails closed). */
  maxRetryDelayMs: number
  timeoutMs: number
  fetch: typeof fetch
  sleep: (ms: number) => Promise<void>
  /** Called once per HTTP attempt, with the final status of that attempt (0: network failure). */
  onAttempt?: (kind: RequestKind, status: number) => void
  onRetry?: () => void
}

export type RequestKind = 'manifest' | 'token'

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

export class RegistryHttp {
  /**
   * At most `concurrency` attempts in flight. A plain semaphore: Bottleneck (the REST throttler's
   * limiter) passes every job through serial locks and timer ticks, about 3 ms each, which capped
   * manifest reads near 300 a second whatever the concurrency.
   */
  private readonly limit: LimitFunction

  constructor(private readonly options: HttpOptions) {
    this.limit = pLimit(Math.max(1, options.concurrency))
  }

  /**
   * GET `url`, retrying what a later attempt may fix. Returns the last answer, retryable or not:
   * the caller maps statuses to errors. Throws only when no answer came (network, timeout).
   */
  async get(url: string, headers: Record<string, string>, kind: RequestKind): Promise<HttpAnswer> {
    const { retries } = this.options
    for (let attempt = 0; ; attempt++) {
      let answer: Omit<HttpAnswer, 'attempts'>
      try {
        answer = await this.limit(() => this.once(url, headers))
      } catch (error) {
        this.options.onAttempt?.(kind, 0)
        if (attempt >= retries) {
          throw new RegistryError(`no answer from ${new URL(url).host} after ${attempt + 1} attempt(s): ${describeNetworkError(error)}`, 'NETWORK')
        }
        await this.wait(backoffMs(attempt, this.options.retryBaseMs, this.options.maxRetryDelayMs))
        continue
      }
      this.options.onAttempt?.(kind, answer.status)
      if (!isRetryableStatus(answer.status) || attempt >= retries) return { ...answer, attempts: attempt + 1 }
      const asked = retryAfterMs(answer.headers.get('retry-after'), Date.now())
      if (asked !== undefined && asked > this.options.maxRetryDelayMs) return { ...answer, attempts: attempt + 1 }
      await this.wait(asked ?? backoffMs(attempt, this.options.retryBaseMs, this.options.maxRetryDelayMs))
    }
  }

  private async wait(ms: number): Promise<void> {
    this.options.onRetry?.()
    await this.options.sleep(ms)
  }

  /** One attempt; the body is read inside the concurrency slot so a slot means one open response. */
  private async once(url: string, headers: Record<string, string>): Promise<Omit<HttpAnswer, 'attempts'>> {
    const response = await this.options.fetch(url, { headers, redirect: 'follow', signal: AbortSignal.timeout(this.options.timeoutMs) })
    const body = Buffer.from(await response.arrayBuffer())
    return { status: response.status, headers: response.headers, body }
  }
}

function describeNetworkError(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') return 'timed out'
    const cause = (error as { cause?: { code?: string; message?: string } }).cause
    return cause?.code ?? cause?.message ?? error.message
  }
  return String(error)
}
