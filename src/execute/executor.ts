// Executes the scheduled deletion groups serially (pacing is the client's write queue):
// an image before its dependants, GitHub's refusals classified as skipped, a 404 verified
// before it counts as deleted, and the rest deferred when the primary rate limit runs out.
import type { DeletionGroup, PackageRef, Plan } from '../model.js'
import { classifyError, describeError, githubMessage } from '../github/errors.js'
import { Progress } from './progress.js'

export type Outcome = 'deleted' | 'skipped' | 'failed' | 'deferred'

export interface VersionOutcome {
  outcome: Outcome
  detail: string
}

/** The part of the GitHub API the executor needs (a fake in unit tests, PackagesApi in the action). */
export interface DeletionApi {
  deleteVersion(pkg: PackageRef, id: number): Promise<void>
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
}

export interface ExecuteOptions {
  log: (line: string) => void
  /** Checked between deletions: true when the run should stop (e.g. SIGTERM). */
  stopRequested?: () => boolean
  now?: () => number
  /** Requests kept in reserve when checking whether the rate limit covers the next group. */
  rateLimitReserve?: number
}

export function outcomeKey(packageKey: string, id: number): string {
  return `${packageKey}#${id}`
}

function permissionFailure(pkg: PackageRef): string {
  return (
    `DELETE answered 404 but ${pkg.type}/${pkg.name} version is still there: the token cannot delete in this package. ` +
    'Use a classic PAT with delete:packages (and read:packages), or for the Actions GITHUB_TOKEN grant ' +
    '`permissions: packages: write` and give the repository Admin access on the package.'
  )
}

export async function executePlan(plan: Plan, api: DeletionApi, options: ExecuteOptions): Promise<ExecutionResult> {
  const packages = new Map(plan.packages.map(p => [p.key, p.package]))
  const outcomes = new Map<string, VersionOutcome>()
  const failures = new Set<string>()
  const blockedPackages = new Map<string, string>()
  const deletedPackages: string[] = []
  const reserve = options.rateLimitReserve ?? 2
  const total = plan.scheduled.reduce((n, g) => n + g.versionIds.length, 0)
  const progress = new Progress({ total, label: 'Deleting', log: options.log, now: options.now })
  let stopReason: string | undefined

  const settle = (group: DeletionGroup, ids: number[], outcome: Outcome, detail: string): void => {
    for (const id of ids) outcomes.set(outcomeKey(group.packageKey, id), { outcome, detail })
    progress.advance(ids.length)
  }

  for (const group of plan.scheduled) {
    const pkg = packages.get(group.packageKey)!
    if (!stopReason && options.stopRequested?.()) stopReason = 'the run was stopped before this deletion'
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

    if (group.wholePackage) {
      const result = await deleteOne(() => api.deletePackage(pkg), () => api.versionState(pkg, group.imageId), pkg)
      if (result.outcome === 'deleted') deletedPackages.push(group.packageKey)
      settle(group, group.versionIds, result.outcome, result.detail)
      if (result.stop) stopReason = result.stop
      if (result.blockPackage) blockedPackages.set(group.packageKey, result.blockPackage)
      if (result.outcome === 'failed') failures.add(result.detail)
      continue
    }

    for (const [index, id] of group.versionIds.entries()) {
      const result = await deleteOne(() => api.deleteVersion(pkg, id), () => api.versionState(pkg, id), pkg)
      settle(group, [id], result.outcome, result.detail)
      if (result.outcome === 'failed') failures.add(result.detail)
      if (result.blockPackage) blockedPackages.set(group.packageKey, result.blockPackage)
      if (result.stop) stopReason = result.stop
      if (result.outcome === 'deleted') continue
      // The group stays whole: when the image (or any member) is not deleted, the rest of it stays.
      const rest = group.versionIds.slice(index + 1)
      if (rest.length === 0) break
      if (result.outcome === 'deferred') settle(group, rest, 'deferred', result.detail)
      else settle(group, rest, 'skipped', `not deleted: version ${group.versionIds[index]} of its image was not deleted (${result.detail})`)
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
    failures: [...failures]
  }
}

interface SingleResult extends VersionOutcome {
  /** Stop attempting anything else in this run (rate limit, revoked token). */
  stop?: string
  /** Stop attempting this package (no delete permission). */
  blockPackage?: string
}

async function deleteOne(remove: () => Promise<void>, state: () => Promise<'active' | 'gone'>, pkg: PackageRef): Promise<SingleResult> {
  try {
    await remove()
    return { outcome: 'deleted', detail: 'deleted' }
  } catch (error) {
    switch (classifyError(error)) {
      case 'refused-downloads':
      case 'refused-last-version':
        return { outcome: 'skipped', detail: `refused by GitHub: ${githubMessage(error)}` }
      case 'not-found':
        return verifyGone(state, pkg)
      case 'rate-limited':
        return { outcome: 'deferred', detail: 'deferred: primary rate limit exhausted', stop: 'the primary rate limit is exhausted' }
      case 'unauthorized': {
        const detail = `failed: GitHub rejected the token (${githubMessage(error)})`
        return { outcome: 'failed', detail, stop: undefined, blockPackage: detail }
      }
      default:
        return { outcome: 'failed', detail: `failed: ${describeError(error)}` }
    }
  }
}

/** GitHub answers 404 both for "already gone" and for "you may not delete this": ask which. */
async function verifyGone(state: () => Promise<'active' | 'gone'>, pkg: PackageRef): Promise<SingleResult> {
  try {
    if ((await state()) === 'gone') return { outcome: 'deleted', detail: 'deleted (already gone: DELETE answered 404 and the version is no longer served)' }
    const detail = `failed: ${permissionFailure(pkg)}`
    return { outcome: 'failed', detail, blockPackage: 'the token cannot delete in this package (see the failure above)' }
  } catch (error) {
    return { outcome: 'failed', detail: `failed: DELETE answered 404 and checking the version failed: ${describeError(error)}` }
  }
}
