// One budget for every REST request of a run, counted the way GitHub counts its secondary
// limits: points in any 60 seconds (a GET or HEAD costs 1, anything else 5) and requests in
// flight. A request waits here for room instead of being sent and refused (GitHub warns that
// requests sent while limited can get an integration banned).
//
// Writes (DELETE, POST restore) are also paced: evenly spaced, at most `writesPerMinute`, and
// never faster than the points the reads in the window leave for them, so the write pace is
// the lower of the input and what the budget allows, without bursts after a wait.
//
// Waiting requests are served in arrival order. A request is in flight from the moment it is
// granted until its release (the caller releases once the response body is read), and its
// points count from the grant until 60 s after the release: GitHub counts it at some moment
// in between, so the window here never ends before GitHub's does. RestTimeoutError is what a
// request that got no answer in time ends as.

/** GitHub's secondary limit for the REST API: points in any 60 seconds. */
export const GITHUB_POINTS_PER_MINUTE = 900
/** What the budget spends of it: 2.2 % below, for requests that reach GitHub a little later than they leave. */
export const BUDGET_POINTS_PER_MINUTE = 880
/** GitHub allows 100 concurrent requests; the run needs far fewer. */
export const MAX_IN_FLIGHT = 20
export const WINDOW_MS = 60_000

export function requestCost(method: string): number {
  const m = method.toUpperCase()
  return m === 'GET' || m === 'HEAD' ? 1 : 5
}

export interface RequestBudgetOptions {
  /** The write pace ceiling (`max-deletes-per-minute`). */
  writesPerMinute: number
  pointsPerWindow?: number
  windowMs?: number
  maxInFlight?: number
  /** Milliseconds; default Date.now (tests use fake timers). */
  now?: () => number
}

export interface BudgetStats {
  requests: number
  points: number
  /** Most requests in flight at once. */
  peakInFlight: number
  /** Most points in any window, as counted when each request was granted. */
  peakWindowPoints: number
}

interface Spent {
  points: number
  write: boolean
  /** When it was released; undefined while in flight (it leaves the window windowMs after). */
  releasedAt?: number
}

interface Waiter {
  points: number
  write: boolean
  grant: (release: () => void) => void
}

export class RequestBudget {
  readonly stats: BudgetStats = { requests: 0, points: 0, peakInFlight: 0, peakWindowPoints: 0 }
  private readonly capacity: number
  private readonly windowMs: number
  private readonly maxInFlight: number
  private readonly writeCeilingMs: number
  private readonly now: () => number
  /** Granted requests still in the window: in flight, or released less than windowMs ago. */
  private spent: Spent[] = []
  private windowPoints = 0
  private inFlight = 0
  private lastWriteAt = Number.NEGATIVE_INFINITY
  private readonly queue: Waiter[] = []
  private timer: ReturnType<typeof setTimeout> | undefined
  private timerAt = Number.POSITIVE_INFINITY

  constructor(options: RequestBudgetOptions) {
    this.capacity = options.pointsPerWindow ?? BUDGET_POINTS_PER_MINUTE
    this.windowMs = options.windowMs ?? WINDOW_MS
    this.maxInFlight = options.maxInFlight ?? MAX_IN_FLIGHT
    this.writeCeilingMs = 60_000 / options.writesPerMinute
    this.now = options.now ?? Date.now
  }

  /**
   * Waits for room for one request; resolves with its release (call it once the response is read;
   * extra calls do nothing). Rejects with the signal's reason, and leaves the queue, when the
   * signal is aborted first (the run stopped: the request is never sent).
   */
  acquire(method: string, signal?: AbortSignal): Promise<() => void> {
    const points = requestCost(method)
    if (signal?.aborted) return Promise.reject(signal.reason as Error)
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        const at = this.queue.indexOf(waiter)
        if (at < 0) return
        this.queue.splice(at, 1)
        reject(signal!.reason as Error)
        this.pump()
      }
      const waiter: Waiter = {
        points,
        write: points > 1,
        grant: release => {
          signal?.removeEventListener('abort', onAbort)
          resolve(release)
        }
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.queue.push(waiter)
      this.pump()
    })
  }

  /** Milliseconds between writes now: the ceiling, or slower when the reads in the window leave less than a minute of writes at it. */
  writeIntervalMs(): number {
    this.expire()
    const reads = this.spent.reduce((sum, s) => (s.write ? sum : sum + s.points), 0)
    const leftForWrites = Math.max(this.capacity - reads, requestCost('DELETE'))
    return Math.max(this.writeCeilingMs, (requestCost('DELETE') * this.windowMs) / leftForWrites)
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const head = this.queue[0]
      const waitMs = this.waitFor(head)
      if (waitMs > 0) {
        // Infinity: waiting for a release, which pumps again.
        if (Number.isFinite(waitMs)) this.wakeIn(waitMs)
        return
      }
      this.queue.shift()
      this.grant(head)
    }
  }

  /** 0 when the request may go now; otherwise how long until it may (Infinity: until a request in flight ends). */
  private waitFor(request: Waiter): number {
    const now = this.now()
    this.expire()
    if (this.inFlight >= this.maxInFlight) return Number.POSITIVE_INFINITY
    let wait = 0
    const excess = this.windowPoints + request.points - this.capacity
    if (excess > 0) {
      // Until enough released requests leave the window; if even all of them would not do, until a release.
      const leaving = this.spent.filter(s => s.releasedAt !== undefined).sort((a, b) => a.releasedAt! - b.releasedAt!)
      let freed = 0
      wait = Number.POSITIVE_INFINITY
      for (const s of leaving) {
        freed += s.points
        if (freed >= excess) {
          wait = s.releasedAt! + this.windowMs - now
          break
        }
      }
      if (!Number.isFinite(wait)) return wait
    }
    if (request.write) wait = Math.max(wait, this.lastWriteAt + this.writeIntervalMs() - now)
    return Math.max(wait, 0)
  }

  private grant(request: Waiter): void {
    const entry: Spent = { points: request.points, write: request.write }
    this.spent.push(entry)
    this.windowPoints += request.points
    if (request.write) this.lastWriteAt = this.now()
    this.inFlight++
    this.stats.requests++
    this.stats.points += request.points
    this.stats.peakInFlight = Math.max(this.stats.peakInFlight, this.inFlight)
    this.stats.peakWindowPoints = Math.max(this.stats.peakWindowPoints, this.windowPoints)
    let released = false
    request.grant(() => {
      if (released) return
      released = true
      entry.releasedAt = this.now()
      this.inFlight--
      this.pump()
    })
  }

  private expire(): void {
    const cutoff = this.now() - this.windowMs
    const left = (s: Spent): boolean => s.releasedAt !== undefined && s.releasedAt <= cutoff
    if (!this.spent.some(left)) return
    this.spent = this.spent.filter(s => !left(s))
    this.windowPoints = this.spent.reduce((sum, s) => sum + s.points, 0)
  }

  private wakeIn(ms: number): void {
    const at = this.now() + ms
    if (this.timer !== undefined && this.timerAt <= at) return
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timerAt = at
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.timerAt = Number.POSITIVE_INFINITY
      this.pump()
    }, Math.ceil(ms))
  }
}

/** A REST request GitHub did not answer in time, after all its attempts. */
export class RestTimeoutError extends Error {
  // Named AbortError so that Octokit passes it on unchanged: any other error thrown by fetch
  // becomes "HTTP 500" and is retried again by plugin-retry, and the attempts were made here.
  override name = 'AbortError'

  constructor(
    readonly method: string,
    readonly path: string,
    readonly timeoutMs: number,
    readonly attempts: number
  ) {
    super(`GitHub did not answer ${method} ${path} within ${timeoutMs / 1000} s, ${attempts === 1 ? 'once' : `${attempts} times`}`)
  }

  // Octokit marks an AbortError with status 500 as it passes it on; a timeout has no HTTP status.
  get status(): undefined {
    return undefined
  }

  set status(_ignored: unknown) {}
}
