// GitHub's REST rate limits as a client sees them. Real time (not the fake clock): clients
// compute waits from x-ratelimit-reset and retry-after against their own Date.now().

export interface PrimaryLimitOptions {
  /** Requests per hour; default 5000 for a PAT, 1000 for a GITHUB_TOKEN. */
  limit?: number
  /** Starting remaining budget; default the limit. */
  remaining?: number
  /** When the window resets; default an hour after the first request. */
  resetEpochSeconds?: number
}

export interface SecondaryLimitOptions {
  /** Points per token per rolling minute, all REST endpoints together; GET costs 1, anything else 5. Default 900. */
  pointsPerMinute?: number
  /** Requests in flight per token. Default 100. */
  maxConcurrent?: number
  /** The retry-after GitHub sends, and how long the token stays refused. Default 60. */
  retryAfterSeconds?: number
}

export interface RateSnapshot {
  limit: number
  remaining: number
  used: number
  reset: number
}

export class PrimaryBucket {
  private remaining: number
  private reset: number

  constructor(
    private readonly limit: number,
    remaining: number | undefined,
    reset: number | undefined
  ) {
    this.remaining = Math.min(remaining ?? limit, limit)
    this.reset = reset ?? nowSeconds() + 3600
  }

  snapshot(): RateSnapshot {
    this.rollIfDue()
    return { limit: this.limit, remaining: this.remaining, used: this.limit - this.remaining, reset: this.reset }
  }

  exhausted(): boolean {
    this.rollIfDue()
    return this.remaining <= 0
  }

  consume(): void {
    this.rollIfDue()
    this.remaining = Math.max(0, this.remaining - 1)
  }

  private rollIfDue(): void {
    if (nowSeconds() < this.reset) return
    this.remaining = this.limit
    this.reset = nowSeconds() + 3600
  }
}

export class SecondaryLimits {
  refusals = 0
  private readonly spent = new Map<string, Array<{ at: number; points: number }>>()
  private readonly penaltyUntil = new Map<string, number>()

  constructor(private readonly options: SecondaryLimitOptions) {}

  /**
   * Returns the retry-after (seconds) when the request is refused. One budget per token across
   * the whole REST API, as GitHub counts it. Once refused, the token stays refused for
   * retry-after seconds and then starts a fresh minute, so a client that honours retry-after
   * succeeds on its retry, as GitHub promises.
   */
  check(tokenKey: string, method: string, inFlight: number): number | undefined {
    const now = Date.now()
    const retryAfter = this.options.retryAfterSeconds ?? 60
    const key = tokenKey

    const until = this.penaltyUntil.get(key)
    if (until !== undefined && now < until) return this.refuse(Math.ceil((until - now) / 1000))
    if (until !== undefined) {
      this.penaltyUntil.delete(key)
      this.spent.delete(key)
    }

    if (inFlight > (this.options.maxConcurrent ?? 100)) return this.refuse(retryAfter)

    const points = method === 'GET' || method === 'HEAD' ? 1 : 5
    const recent = (this.spent.get(key) ?? []).filter((entry) => now - entry.at < 60_000)
    const used = recent.reduce((sum, entry) => sum + entry.points, 0)
    if (used + points > (this.options.pointsPerMinute ?? 900)) {
      this.penaltyUntil.set(key, now + retryAfter * 1000)
      this.spent.set(key, recent)
      return this.refuse(retryAfter)
    }
    recent.push({ at: now, points })
    this.spent.set(key, recent)
    return undefined
  }

  private refuse(retryAfter: number): number {
    this.refusals++
    return retryAfter
  }
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000)
}

/** The most secondary-limit points (GET or HEAD 1, anything else 5) in any 60 s of REST arrivals at the fake. */
export function peakPointsPerMinute(requests: ReadonlyArray<{ at: number; method: string; registry?: true }>): number {
  const rest = requests.filter((r) => !r.registry).map((r) => ({ at: r.at, points: r.method === 'GET' || r.method === 'HEAD' ? 1 : 5 }))
  let peak = 0
  let points = 0
  for (let first = 0, last = 0; first < rest.length; first++) {
    for (; last < rest.length && rest[last].at < rest[first].at + 60_000; last++) points += rest[last].points
    peak = Math.max(peak, points)
    points -= rest[first].points
  }
  return peak
}
