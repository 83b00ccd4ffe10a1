// Progress line for long runs: count, rate and ETA, at most every `everyMs` or `everyCount` items.
// Used by deletion and restore, and by the inventory (pages listed, manifests read), whose total
// grows as the work is discovered (`expect`).

export interface ProgressOptions {
  total: number
  label: string
  log: (line: string) => void
  now?: () => number
  everyMs?: number
  everyCount?: number
}

export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000))
  const h = Math.floor(seconds / 3600)
  const m = Math.floor((seconds % 3600) / 60)
  const s = seconds % 60
  if (h > 0) return `${h}h ${m}m`
  if (m > 0) return `${m}m ${s}s`
  return `${s}s`
}

export class Progress {
  private done = 0
  private total: number
  private readonly started: number
  private lastLogAt: number
  private lastLogCount = 0
  private readonly now: () => number

  constructor(private readonly options: ProgressOptions) {
    this.now = options.now ?? Date.now
    this.total = options.total
    this.started = this.now()
    this.lastLogAt = this.started
  }

  /** More work became known (a package's page count, a batch of manifests to read). */
  expect(count: number): void {
    this.total += count
  }

  advance(count = 1): void {
    this.done += count
    const now = this.now()
    const dueByTime = now - this.lastLogAt >= (this.options.everyMs ?? 10_000)
    const dueByCount = this.done - this.lastLogCount >= (this.options.everyCount ?? 50)
    if (dueByTime || dueByCount) this.log(now)
  }

  /** The closing line, whatever the cadence. */
  finish(): void {
    if (this.done !== this.lastLogCount) this.log(this.now())
  }

  private log(now: number): void {
    this.lastLogAt = now
    this.lastLogCount = this.done
    const { total } = this
    const { label } = this.options
    const elapsed = now - this.started
    const perMinute = elapsed > 0 ? (this.done * 60_000) / elapsed : 0
    const percent = total > 0 ? Math.floor((this.done * 100) / total) : 100
    const eta = perMinute > 0 ? formatDuration(((total - this.done) / perMinute) * 60_000) : 'unknown'
    this.options.log(`${label}: ${this.done}/${total} (${percent}%), ${perMinute.toFixed(1)}/min, elapsed ${formatDuration(elapsed)}, ETA ${eta}`)
  }
}
