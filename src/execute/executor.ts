// Executes the scheduled deletion groups serially (pacing is the client's request budget):
// an image before its dependants, GitHub's refusals classified as skipped, and the rest
// deferred when the primary rate limit runs out or the run is stopped.
//
// The executor owns the retries of a DELETE, because only it can tell what an answer means:
// whenever a DELETE has no definite answer (5xx, dropped connection, or 404 which GitHub also
// sends to a token that may not delete), the version's state decides. Gone after an attempt
// of this run that got no answer: deleted by this run. Gone at the first attempt: already
// deleted elsewhere (another run), reported as skipped so deletions are counted once overall.
// Still there after a 404: the token may not delete it. A DELETE GitHub did not answer within
// the client's timeout is not retried: the version's state decides its outcome and the run
// stops (the rest deferred), so a GitHub that stopped answering cannot hold the run for long.
import type { DeletionGroup, PackageRef, Plan } from '../model.js'
import { classifyError, describeError, explainDeleteDenied, githubMessage } from '../github/errors.js'
import { RestTimeoutError } from '../github/request-budget.js'
import { Progress } from '../progress.js'
import { isRunStopped, type RunControl, type StopKind } from '../run-control.js'

export type Outcome = 'deleted' | 'skipped' | 'failed' | 'deferred'

export interface VersionOutcome {
  outcome: Outcome
  detail: string
}

/** The part of the GitHub API the executor needs (a fake in unit tests, PackagesApi in the action). */
export interface DeletionApi {
  /** One attempt, not retried on 5xx or network errors (the executor retries); throws the HTTP error. */
  deleteVersion(pkg: PackageRef, id: number): Promise<void>
  /** One attempt, as deleteVersion. */
  deletePackage(pkg: PackageRef): Promise<void>
  versionState(pkg: PackageRef, id: number): Promise<'active' | 'gone'>
  /** `snapshot.reset`: epoch seconds of the primary limit's reset, when GitHub said. */
  rateLimit: { remaining: number; snapshot?: { reset: number } }
}

export interface ExecutionResult {
  /** Outcome per `${packageKey}#${id}` of every scheduled version. */
  outcomes: Map<string, VersionOutcome>
  deleted: number
  skipped: number
  failed: number
  /** Scheduled versions not attempted because the primary rate limit ran out or the run was stopped. */
  deferred: number
  /** Packages deleted whole. */
  deletedPackages: string[]
  /** One line per distinct failure cause, for the error annotation. */
  failures: string[]
  /** Why the run stopped before the end of the plan (stop request, primary rate limit, a wait too long); absent when it did not. */
  stoppedEarly?: string
  /** With stoppedEarly: what stopped it, for the report (⚠️ and when to run again). */
  stopKind?: StopKind
  /** With stoppedEarly, when known: when GitHub allows requests again (ISO 8601). */
  resumeAt?: string
}

export interface ExecuteOptions {
  log: (line: string) => void
  /** Checked between groups: true when the run should stop (e.g. SIGTERM). */
  stopRequested?: () => boolean
  /**
   * The run's stop (cancellation, a wait too long to honour): checked before every DELETE; once
   * stopped, the DELETE in flight is awaited at most `inFlightGraceMs`.
   */
  control?: RunControl
  /** Default 3 s (contract 1.2: the runner kills a cancelled job soon after). */
  inFlightGraceMs?: number
  now?: () => number
  /** Requests kept in reserve when checking whether the rate limit covers the next group. */
  rateLimitReserve?: number
  /** Further attempts of a DELETE that got a 5xx answer or none; default 3 (1 s, 2 s, 4 s apart). */
  retries?: number
  sleep?: (ms: number) => Promise<void>
  /**
   * (1.2) Called before each group: the versions of it a look during the deletions showed are
   * needed now, with why (see src/inventory/deletion-relook.ts). They are not deleted (skipped);
   * when the image is among them, its whole group stays.
   */
  beforeGroup?: (group: DeletionGroup) => Promise<ReadonlyMap<number, string>>
}

const STOPPED_BY_REQUEST = 'the run was cancelled (SIGTERM or SIGINT) before this deletion'
export const IN_FLIGHT_GRACE_MS = 3_000

interface Stop {
  reason: string
  kind: StopKind
  resumeAt?: string
}

export function outcomeKey(packageKey: string, id: number): string {
  return `${packageKey}#${id}`
}

export async function executePlan(plan: Plan, api: DeletionApi, options: ExecuteOptions): Promise<ExecutionResult> {
  const packages = new Map(plan.packages.map(p => [p.key, p.package]))
  const outcomes = new Map<string, VersionOutcome>()
  const failures = new Set<string>()
  const blockedPackages = new Map<string, string>()
  const deletedPackages: string[] = []
  const reserve = options.rateLimitReserve ?? 2
  const control = options.control
  // A backoff ends early when the run stops (the attempt after it is then not made).
  const sleep = (ms: number): Promise<void> => (control ? control.sleep(ms).catch(() => undefined) : new Promise(resolve => setTimeout(resolve, ms)))
  const retry: RetryPolicy = { retries: options.retries ?? 3, sleep: options.sleep ?? sleep }
  const total = plan.scheduled.reduce((n, g) => n + g.versionIds.length, 0)
  const progress = new Progress({ total, label: 'Deleting', log: options.log, now: options.now })
  const grace = { control, ms: options.inFlightGraceMs ?? IN_FLIGHT_GRACE_MS }
  let stop: Stop | undefined
  // The run's own stop (cancellation, a cut wait) wins over what the executor saw of it.
  const runStop = (): Stop | undefined => (control?.stop ? { reason: control.stop.reason, kind: control.stop.kind, resumeAt: control.stop.resumeAt } : undefined)

  const settle = (group: DeletionGroup, ids: number[], outcome: Outcome, detail: string): void => {
    for (const id of ids) outcomes.set(outcomeKey(group.packageKey, id), { outcome, detail })
    progress.advance(ids.length)
  }

  for (const group of plan.scheduled) {
    const pkg = packages.get(group.packageKey)!
    stop ??= runStop()
    if (!stop && options.stopRequested?.()) stop = { reason: STOPPED_BY_REQUEST, kind: 'cancelled' }
    if (!stop && api.rateLimit.remaining < group.versionIds.length + reserve) {
      stop = { reason: `the primary rate limit has ${api.rateLimit.remaining} request(s) left`, kind: 'rate-limit', resumeAt: resetAt(api) }
      options.log(`Deferring the remaining deletions: ${stop.reason}; a later run continues.`)
    }
    if (stop) {
      settle(group, group.versionIds, 'deferred', `deferred: ${stop.reason}`)
      continue
    }
    const blocked = blockedPackages.get(group.packageKey)
    if (blocked) {
      settle(group, group.versionIds, 'failed', `not attempted: ${blocked}`)
      continue
    }

    let held: ReadonlyMap<number, string> = new Map()
    try {
      held = (await options.beforeGroup?.(group)) ?? held
    } catch (error) {
      // Without its look the package's plan may be stale: its deletions wait for a later run.
      settle(group, group.versionIds, 'deferred', `deferred: the look again before deleting failed (${describeError(error)})`)
      continue
    }
    const imageHeld = held.get(group.imageId)
    for (const id of group.versionIds) {
      const why = imageHeld ?? held.get(id)
      if (why !== undefined) settle(group, [id], 'skipped', `not deleted: ${why}`)
    }
    if (imageHeld !== undefined) continue
    const ids = group.versionIds.filter(id => !held.has(id))
    const attempts = group.wholePackage
      ? [{ ids: group.versionIds, remove: () => api.deletePackage(pkg), state: () => api.versionState(pkg, group.imageId) }]
      : ids.map(id => ({ ids: [id], remove: () => api.deleteVersion(pkg, id), state: () => api.versionState(pkg, id) }))
    for (const [index, attempt] of attempts.entries()) {
      // No new request once the run stopped, not even inside an image: its index went first, so
      // what is left of it are orphans a later run removes, never a broken image.
      stop ??= runStop()
      if (stop) {
        settle(group, attempts.slice(index).flatMap(a => a.ids), 'deferred', `deferred: ${stop.reason}`)
        break
      }
      const result = await deleteOne(() => withinGrace(attempt.remove(), grace), attempt.state, pkg, retry, control)
      settle(group, attempt.ids, result.outcome, result.detail)
      if (result.outcome === 'failed') failures.add(result.detail)
      if (result.blockPackage) blockedPackages.set(group.packageKey, result.blockPackage)
      if (result.stop) stop = runStop() ?? { ...result.stop, ...(result.stop.kind === 'rate-limit' ? { resumeAt: resetAt(api) } : {}) }
      if (result.gone) {
        if (group.wholePackage && result.outcome === 'deleted') deletedPackages.push(group.packageKey)
        continue
      }
      // The group stays whole: when a member (the image first) is still there, the rest of it stays
      // too, with the same outcome (a refused image's dependants are skipped, a failed one's failed).
      const rest = attempts.slice(index + 1).flatMap(a => a.ids)
      if (rest.length > 0) {
        settle(group, rest, result.outcome, `not attempted: version ${attempt.ids[0]} of its image was not deleted (${result.detail})`)
      }
      break
    }
  }
  progress.finish()

  const count = (o: Outcome): number => [...outcomes.values()].filter(v => v.outcome === o).length
  return {
    outcomes,
    deleted: count('deleted'),
    skipped: count('skipped'),
    failed: count('failed'),
    deferred: count('deferred'),
    deletedPackages,
    failures: [...failures],
    ...(stop ? { stoppedEarly: stop.reason, stopKind: stop.kind, ...(stop.resumeAt ? { resumeAt: stop.resumeAt } : {}) } : {})
  }
}

/** When the primary rate limit resets, when GitHub said. */
function resetAt(api: DeletionApi): string | undefined {
  const reset = api.rateLimit.snapshot?.reset
  return reset ? new Date(reset * 1000).toISOString() : undefined
}

/** A DELETE sent before the run stopped that got no answer within the grace after the stop. */
class OutcomeUnknown extends Error {
  constructor(readonly graceMs: number) {
    super(`outcome unknown: the DELETE was sent before the run stopped and got no answer within ${graceMs / 1000} s after it; a later run sees whether the version is gone`)
  }
}

/** `removal`, but once the run stops it gets `grace.ms` more to answer, then OutcomeUnknown. */
function withinGrace(removal: Promise<void>, grace: { control?: RunControl; ms: number }): Promise<void> {
  const signal = grace.control?.signal
  if (!signal) return removal
  return new Promise<void>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined
    const onStop = (): void => {
      timer = setTimeout(() => reject(new OutcomeUnknown(grace.ms)), grace.ms)
    }
    if (signal.aborted) onStop()
    else signal.addEventListener('abort', onStop, { once: true })
    const finish = (): void => {
      clearTimeout(timer)
      signal.removeEventListener('abort', onStop)
    }
    removal.then(
      () => {
        finish()
        resolve()
      },
      (error: unknown) => {
        finish()
        reject(error as Error)
      }
    )
  })
}

interface RetryPolicy {
  retries: number
  sleep: (ms: number) => Promise<void>
}

interface SingleResult extends VersionOutcome {
  /** The version no longer exists (deleted by this run or already gone): the rest of its group may go. */
  gone: boolean
  /** Stop attempting anything else in this run (rate limit, a wait not taken, the run stopped). */
  stop?: Stop
  /** Stop attempting this package (no delete permission, token rejected). */
  blockPackage?: string
}

async function deleteOne(
  remove: () => Promise<void>,
  state: () => Promise<'active' | 'gone'>,
  pkg: PackageRef,
  retry: RetryPolicy,
  control?: RunControl
): Promise<SingleResult> {
  // Set once an attempt got a 5xx or no answer: it may have been applied all the same.
  let unanswered = false
  for (let attempt = 0; ; attempt++) {
    try {
      await remove()
      return { outcome: 'deleted', detail: 'deleted', gone: true }
    } catch (error) {
      if (error instanceof OutcomeUnknown) return { outcome: 'deferred', detail: error.message, gone: false, stop: { reason: error.message, kind: 'cancelled' } }
      // Never sent: the run stopped while it waited for its turn.
      if (isRunStopped(error)) return { outcome: 'deferred', detail: `deferred: ${error.stop.reason}`, gone: false, stop: error.stop }
      switch (classifyError(error)) {
        case 'refused-downloads':
        case 'refused-last-version':
          return { outcome: 'skipped', detail: `refused by GitHub: ${githubMessage(error)}`, gone: false }
        case 'rate-limited':
          return { outcome: 'deferred', detail: 'deferred: primary rate limit exhausted', gone: false, stop: { reason: 'the primary rate limit is exhausted', kind: 'rate-limit' } }
        case 'secondary-rate-limited': {
          // GitHub asked for a wait the run does not take (too long, or past the run's waits): the run's stop says which.
          const why = control?.stop?.reason ?? `GitHub's secondary rate limit refused the DELETE (${githubMessage(error)})`
          return { outcome: 'deferred', detail: `deferred: ${why}`, gone: false, stop: { reason: why, kind: 'wait' } }
        }
        case 'unauthorized': {
          const detail = `failed: GitHub rejected the token (${githubMessage(error)})`
          return { outcome: 'failed', detail, gone: false, blockPackage: detail }
        }
        case 'not-found':
          return afterNotFound(state, error, pkg, unanswered)
        case 'forbidden':
          return denied(error, pkg)
        case 'server':
          unanswered = true
          if (error instanceof RestTimeoutError) {
            const result = await afterNoAnswer(state, error, attempt + 1)
            return { ...result, stop: result.stop ?? { reason: `GitHub did not answer a DELETE within ${error.timeoutMs / 1000} s`, kind: 'rate-limit' } }
          }
          if (attempt < retry.retries && !control?.stop) {
            await retry.sleep(1000 * 2 ** attempt)
            if (!control?.stop) continue
          }
          return afterNoAnswer(state, error, attempt + 1)
        default:
          return { outcome: 'failed', detail: `failed: ${describeError(error)}`, gone: false }
      }
    }
  }
}

/** GitHub answers 404 both for "already gone" and for "you may not delete this": ask which. */
async function afterNotFound(state: () => Promise<'active' | 'gone'>, error: unknown, pkg: PackageRef, unanswered: boolean): Promise<SingleResult> {
  let now: 'active' | 'gone'
  try {
    now = await state()
  } catch (stateError) {
    if (isRunStopped(stateError)) return unknownAfterStop(stateError.stop.reason)
    return { outcome: 'failed', detail: `failed: DELETE answered 404 and checking the version failed: ${describeError(stateError)}`, gone: false }
  }
  if (now === 'active') return denied(error, pkg)
  if (unanswered) {
    return { outcome: 'deleted', detail: 'deleted (an earlier attempt got no answer; the retry answered 404 and the version is gone)', gone: true }
  }
  return { outcome: 'skipped', detail: 'skipped: already deleted outside this run (DELETE answered 404 and the version is gone), e.g. by another run at the same time', gone: true }
}

/** The token may not delete in this package: a failure naming what it lacks, and the package is not attempted further. */
function denied(error: unknown, pkg: PackageRef): SingleResult {
  return { outcome: 'failed', detail: `failed: ${explainDeleteDenied(error, pkg)}`, gone: false, blockPackage: 'the token cannot delete in this package (see the failure above)' }
}

/** Out of retries without a definite answer: the last attempts may have been applied, so look. */
async function afterNoAnswer(state: () => Promise<'active' | 'gone'>, error: unknown, attempts: number): Promise<SingleResult> {
  // A timeout's message already says how many times the request went unanswered.
  const failed = `failed: ${describeError(error)}${error instanceof RestTimeoutError ? '' : ` (${attempts} attempts)`}`
  try {
    if ((await state()) === 'gone') return { outcome: 'deleted', detail: `deleted (the DELETE got no answer after ${attempts} attempts, but the version is gone)`, gone: true }
  } catch (stateError) {
    if (isRunStopped(stateError)) return unknownAfterStop(stateError.stop.reason)
    return { outcome: 'failed', detail: `${failed}; checking whether the version is gone failed too: ${describeError(stateError)}`, gone: false }
  }
  return { outcome: 'failed', detail: failed, gone: false }
}

/** The run stopped before the version's state could be checked: whether the DELETE was applied is unknown. */
function unknownAfterStop(reason: string): SingleResult {
  return { outcome: 'deferred', detail: `outcome unknown: the DELETE got no definite answer and ${reason} before the version could be checked; a later run sees whether it is gone`, gone: false }
}
