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
  rateLimit: { remaining: number }
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
  /** Why the run stopped before the end of the plan (stop request, primary rate limit); absent when it did not. */
  stoppedEarly?: string
}

export interface ExecuteOptions {
  log: (line: string) => void
  /** Checked between groups: true when the run should stop (e.g. SIGTERM). */
  stopRequested?: () => boolean
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
  const retry: RetryPolicy = { retries: options.retries ?? 3, sleep: options.sleep ?? (ms => new Promise(resolve => setTimeout(resolve, ms))) }
  const total = plan.scheduled.reduce((n, g) => n + g.versionIds.length, 0)
  const progress = new Progress({ total, label: 'Deleting', log: options.log, now: options.now })
  let stopReason: string | undefined

  const settle = (group: DeletionGroup, ids: number[], outcome: Outcome, detail: string): void => {
    for (const id of ids) outcomes.set(outcomeKey(group.packageKey, id), { outcome, detail })
    progress.advance(ids.length)
  }

  for (const group of plan.scheduled) {
    const pkg = packages.get(group.packageKey)!
    if (!stopReason && options.stopRequested?.()) stopReason = STOPPED_BY_REQUEST
    if (!stopReason && api.rateLimit.remaining < group.versionIds.length + reserve) {
      stopReason = `the primary rate limit has ${api.rateLimit.remaining} request(s) left`
      options.log(`Deferring the remaining deletions: ${stopReason}; a later run continues.`)
    }
    if (stopReason) {
      settle(group, group.versionIds, 'deferred', `deferred: ${stopReason}`)
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
      const result = await deleteOne(attempt.remove, attempt.state, pkg, retry)
      settle(group, attempt.ids, result.outcome, result.detail)
      if (result.outcome === 'failed') failures.add(result.detail)
      if (result.blockPackage) blockedPackages.set(group.packageKey, result.blockPackage)
      if (result.stop) stopReason = result.stop
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
    ...(stopReason ? { stoppedEarly: stopReason } : {})
  }
}

interface RetryPolicy {
  retries: number
  sleep: (ms: number) => Promise<void>
}

interface SingleResult extends VersionOutcome {
  /** The version no longer exists (deleted by this run or already gone): the rest of its group may go. */
  gone: boolean
  /** Stop attempting anything else in this run (rate limit). */
  stop?: string
  /** Stop attempting this package (no delete permission, token rejected). */
  blockPackage?: string
}

async function deleteOne(
  remove: () => Promise<void>,
  state: () => Promise<'active' | 'gone'>,
  pkg: PackageRef,
  retry: RetryPolicy
): Promise<SingleResult> {
  // Set once an attempt got a 5xx or no answer: it may have been applied all the same.
  let unanswered = false
  for (let attempt = 0; ; attempt++) {
    try {
      await remove()
      return { outcome: 'deleted', detail: 'deleted', gone: true }
    } catch (error) {
      switch (classifyError(error)) {
        case 'refused-downloads':
        case 'refused-last-version':
          return { outcome: 'skipped', detail: `refused by GitHub: ${githubMessage(error)}`, gone: false }
        case 'rate-limited':
          return { outcome: 'deferred', detail: 'deferred: primary rate limit exhausted', gone: false, stop: 'the primary rate limit is exhausted' }
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
            return { ...result, stop: `GitHub did not answer a DELETE within ${error.timeoutMs / 1000} s` }
          }
          if (attempt < retry.retries) {
            await retry.sleep(1000 * 2 ** attempt)
            continue
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
    return { outcome: 'failed', detail: `${failed}; checking whether the version is gone failed too: ${describeError(stateError)}`, gone: false }
  }
  return { outcome: 'failed', detail: failed, gone: false }
}
