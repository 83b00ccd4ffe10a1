// What can end a run before its plan is done, in one place (contract 1.2, Limits and pacing):
// a cancellation (SIGINT/SIGTERM), and a wait GitHub or the registry asks for that does not fit
// the run's bounds (one wait over 5 minutes, or waits adding up to over 10 minutes).
//
// One AbortSignal carries the stop to every layer that sends a request or waits: the REST
// request budget, the registry client and every sleep. Once it is aborted no new request is
// sent (each layer throws RunStoppedError instead), waits end at once, and reads in flight are
// abandoned; the DELETE in flight is the executor's to await (at most 3 s).
import { setMaxListeners } from 'node:events'

/** Why a run stopped before the end of its plan: the primary rate limit, a wait too long to honour, or a cancellation. */
export type StopKind = 'rate-limit' | 'wait' | 'cancelled'

export interface RunStop {
  kind: StopKind
  /** For the user: what stopped the run. */
  reason: string
  /** ISO 8601: when GitHub (or the registry) allows requests again, when it said so. */
  resumeAt?: string
}

/** The longest single wait honoured. */
export const MAX_SINGLE_WAIT_MS = 5 * 60_000
/** The most time a run spends in waits it was asked for. */
export const MAX_TOTAL_WAIT_MS = 10 * 60_000

/**
 * Thrown by anything asked to send a request or wait after the run stopped. Named AbortError so
 * that Octokit passes it on unchanged (any other error thrown by fetch becomes a retried "HTTP 500").
 */
export class RunStoppedError extends Error {
  override name = 'AbortError'

  constructor(readonly stop: RunStop) {
    super(`${stop.reason}; no further request is sent`)
  }

  // Octokit marks an AbortError with status 500 as it passes it on; this one has no HTTP status.
  get status(): undefined {
    return undefined
  }

  set status(_ignored: unknown) {}
}

export function isRunStopped(error: unknown): error is RunStoppedError {
  return error instanceof RunStoppedError
}

export interface RunControlOptions {
  maxSingleWaitMs?: number
  maxTotalWaitMs?: number
  now?: () => number
}

export class RunControl {
  private readonly controller = new AbortController()
  private stopped: RunStop | undefined
  private readonly maxSingleWaitMs: number
  private readonly maxTotalWaitMs: number
  private readonly now: () => number
  /** Time spent in asked-for waits so far; overlapping waits (concurrent requests told to wait) count once. */
  private waitedMs = 0
  private waitingUntil = Number.NEGATIVE_INFINITY

  constructor(options: RunControlOptions = {}) {
    // Every queued request and open read listens to it (thousands in a large run): no leak warning.
    setMaxListeners(0, this.controller.signal)
    this.maxSingleWaitMs = options.maxSingleWaitMs ?? MAX_SINGLE_WAIT_MS
    this.maxTotalWaitMs = options.maxTotalWaitMs ?? MAX_TOTAL_WAIT_MS
    this.now = options.now ?? Date.now
  }

  /** Aborted when the run stops; its reason is the RunStoppedError to throw. */
  get signal(): AbortSignal {
    return this.controller.signal
  }

  /** Why the run stopped, once it did. */
  get stop(): RunStop | undefined {
    return this.stopped
  }

  /** Ends the run's requests (the first stop wins: a cancel during a cut wait stays a cut wait). */
  halt(stop: RunStop): void {
    if (this.stopped) return
    this.stopped = stop
    this.controller.abort(new RunStoppedError(stop))
  }

  cancel(signal: string): void {
    this.halt({ kind: 'cancelled', reason: `the run was cancelled (${signal})` })
  }

  throwIfStopped(): void {
    if (this.stopped) throw this.controller.signal.reason as RunStoppedError
  }

  /**
   * A wait of `ms` that `who` asks for (retry-after, a secondary-limit answer, a registry 429):
   * true when it fits the bounds, and it is then counted. Otherwise the run is stopped (kind
   * 'wait', resuming when the wait would have ended) and false is returned.
   */
  admitWait(ms: number, who: string): boolean {
    if (this.stopped) return false
    const now = this.now()
    const end = now + ms
    const added = Math.max(0, end - Math.max(now, this.waitingUntil))
    const resumeAt = new Date(end).toISOString()
    if (ms > this.maxSingleWaitMs) {
      this.halt({ kind: 'wait', reason: `${who} asked to wait ${describeWait(ms)}, longer than the ${describeWait(this.maxSingleWaitMs)} a run waits; requests are allowed again from ${resumeAt}`, resumeAt })
      return false
    }
    if (this.waitedMs + added > this.maxTotalWaitMs) {
      this.halt({
        kind: 'wait',
        reason:
          `${who} asked to wait ${describeWait(ms)} more, after ${describeWait(this.waitedMs)} of waits in this run (at most ${describeWait(this.maxTotalWaitMs)}); ` +
          `requests are allowed again from ${resumeAt}`,
        resumeAt
      })
      return false
    }
    this.waitedMs += added
    this.waitingUntil = Math.max(this.waitingUntil, end)
    return true
  }

  /** Sleeps `ms`, or less when the run stops (then throws RunStoppedError). */
  sleep(ms: number): Promise<void> {
    return abortableSleep(ms, this.controller.signal)
  }
}

/** `work`'s result, or the signal's reason as soon as it is aborted (`work` is then abandoned). */
export function untilStopped<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => {})
    return Promise.reject(signal.reason as Error)
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      work.catch(() => {})
      reject(signal.reason as Error)
    }
    signal.addEventListener('abort', onAbort, { once: true })
    work.then(
      value => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error as Error)
      }
    )
  })
}

/** Resolves after `ms`, or rejects with the signal's reason as soon as it is aborted. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason as Error)
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal.reason as Error)
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/** "90 s", "5 min", "24 h": wait lengths in messages. */
export function describeWait(ms: number): string {
  const seconds = Math.round(ms / 1000)
  if (seconds < 120) return `${seconds} s`
  if (seconds < 2 * 3600) return `${Math.round(seconds / 60)} min`
  return `${Math.round(seconds / 3600)} h`
}
