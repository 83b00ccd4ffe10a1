// How many registry requests go at once: raised while the registry answers well, lowered when it
// pushes back (429). ghcr.io answers bursts with 429, so a fixed concurrency is either slow (a
// first run reads tens of thousands of manifests) or a burst; this finds what the registry takes.
//
// Additive increase, multiplicative decrease (as TCP does): one more slot after `limit` good
// answers in a row at the current limit, half the slots after a 429, a timeout, or an answer that
// took far longer than the fastest seen (requests queueing somewhere: in the registry, or in a
// client short of CPU, where more in flight only makes each slower) — at most one halving per
// `limit` answers, so the answers to one burst lower it once. It changes how fast reads go,
// never which reads are made.

export interface AdaptiveLimitOptions {
  initial: number
  min: number
  max: number
}

/** ghcr.io's tolerance is undocumented: start near the 10 it is known to take, find more while it answers well. */
export const REGISTRY_CONCURRENCY = { initial: 16, min: 2, max: 64 } as const

/** An answer slower than this, and than SLOW_ANSWER_FACTOR times the fastest, shows requests queueing. */
const SLOW_ANSWER_MS = 2_000
const SLOW_ANSWER_FACTOR = 20

export class AdaptiveLimit {
  private limitNow: number
  private active = 0
  private readonly queue: Array<() => void> = []
  /** Good answers since the limit last changed. */
  private good = 0
  /** Answers left before another 429 may lower the limit again. */
  private calm = 0
  /** Highest limit reached, for the log. */
  peak: number
  private fastestMs = Number.POSITIVE_INFINITY

  constructor(private readonly options: AdaptiveLimitOptions) {
    this.limitNow = Math.min(options.max, Math.max(options.min, options.initial))
    this.peak = this.limitNow
  }

  get limit(): number {
    return this.limitNow
  }

  /** Runs `task` when a slot is free. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    // A waiter's slot is counted by whoever hands it over (drain), so no one can take it meanwhile.
    if (this.active >= this.limitNow) await new Promise<void>(resolve => this.queue.push(resolve))
    else this.active++
    try {
      return await task()
    } finally {
      this.active--
      this.drain()
    }
  }

  /**
   * An answer that is not a 429, after `elapsedMs` (headers and body). One that took far longer
   * than the fastest seen counts as a push back.
   */
  succeeded(elapsedMs?: number): void {
    if (elapsedMs !== undefined) {
      this.fastestMs = Math.min(this.fastestMs, elapsedMs)
      if (elapsedMs > Math.max(SLOW_ANSWER_MS, SLOW_ANSWER_FACTOR * this.fastestMs)) {
        this.pushedBack()
        return
      }
    }
    if (this.calm > 0) this.calm--
    if (++this.good < this.limitNow || this.limitNow >= this.options.max) return
    this.good = 0
    this.limitNow++
    this.peak = Math.max(this.peak, this.limitNow)
    this.drain()
  }

  /** A 429 or a timeout: the registry asks for less, or cannot keep up. */
  pushedBack(): void {
    this.good = 0
    if (this.calm > 0) return
    this.limitNow = Math.max(this.options.min, Math.floor(this.limitNow / 2))
    this.calm = this.limitNow
  }

  private drain(): void {
    while (this.queue.length > 0 && this.active < this.limitNow) {
      this.active++
      this.queue.shift()!()
    }
  }
}
