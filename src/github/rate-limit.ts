// Tracks the primary rate limit from the headers of every response, so the executor can
// decide to defer work instead of sleeping until the hourly reset.

export interface RateLimitSnapshot {
  limit: number
  remaining: number
  used: number
  /** Epoch seconds when the window resets. */
  reset: number
  resource: string
}

type Headers = Record<string, string | number | undefined>

export class RateLimitTracker {
  private latest: RateLimitSnapshot | undefined

  /** Reads the x-ratelimit-* headers of a response (ignores responses without them). */
  observe(headers: Headers | undefined): void {
    if (!headers) return
    const remaining = Number(headers['x-ratelimit-remaining'])
    const limit = Number(headers['x-ratelimit-limit'])
    if (!Number.isFinite(remaining) || !Number.isFinite(limit)) return
    const resource = String(headers['x-ratelimit-resource'] ?? 'core')
    if (resource !== 'core') return
    this.latest = {
      limit,
      remaining,
      used: Number(headers['x-ratelimit-used'] ?? limit - remaining),
      reset: Number(headers['x-ratelimit-reset'] ?? 0),
      resource
    }
  }

  get snapshot(): RateLimitSnapshot | undefined {
    return this.latest
  }

  /** Requests still allowed in this window; Infinity while unknown (GHES has limits off by default). */
  get remaining(): number {
    return this.latest ? this.latest.remaining : Number.POSITIVE_INFINITY
  }

  describe(): string {
    const s = this.latest
    if (!s) return 'rate limit: not reported by the server'
    const reset = s.reset ? new Date(s.reset * 1000).toISOString() : 'unknown'
    return `rate limit (${s.resource}): ${s.remaining}/${s.limit} remaining, ${s.used} used, resets at ${reset}`
  }
}
