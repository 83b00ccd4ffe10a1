// The run's result as one plain object: the plan with every version's decision, merged with
// what execution did. The plan file, the job summary and the outputs are all views of it.
import type { OwnerKind, PackageRef, Plan, VersionPlan } from '../model.js'
import type { ExecutionResult, Outcome } from '../execute/executor.js'
import { outcomeKey } from '../execute/executor.js'

export type RunMode = 'dry-run' | 'delete'

export interface Counts {
  scanned: number
  kept: number
  /** Deleted by the plan this run (after the cap). */
  planned: number
  deleted: number
  skipped: number
  failed: number
  /** Selected but left for a later run: past the cap, or not reached before the rate limit ran out. */
  deferred: number
}

export interface ReportedVersion extends VersionPlan {
  /** Planned for deletion this run (false for deletions past the cap). */
  scheduled?: boolean
  outcome?: Outcome
  outcomeDetail?: string
}

export interface PackageReport {
  key: string
  package: PackageRef
  rules: string[]
  warning?: string
  /** (1.1) Notes on how the rules met the package (PackagePlan.notes). */
  notes?: string[]
  /** Deleted with one DELETE of the package. */
  wholePackage?: boolean
  counts: Counts
  versions: ReportedVersion[]
}

export interface RunReport {
  mode: RunMode
  owner: { login: string; kind: OwnerKind }
  policy: string
  now: string
  packages: PackageReport[]
  totals: Counts
  /** Packages a rule names that do not exist or cannot be seen. */
  missing: string[]
  failures: string[]
  /** Requests made, by kind. */
  requests: Record<string, number>
}

export function emptyCounts(): Counts {
  return { scanned: 0, kept: 0, planned: 0, deleted: 0, skipped: 0, failed: 0, deferred: 0 }
}

function addCounts(into: Counts, from: Counts): void {
  for (const key of Object.keys(into) as (keyof Counts)[]) into[key] += from[key]
}

export function buildRunReport(args: {
  mode: RunMode
  owner: { login: string; kind: OwnerKind }
  policy: string
  plan: Plan
  execution?: ExecutionResult
  missing: string[]
  requests: Record<string, number>
}): RunReport {
  const { plan, execution } = args
  const scheduled = new Set<string>()
  const wholePackages = new Set<string>()
  for (const group of plan.scheduled) {
    if (group.wholePackage) wholePackages.add(group.packageKey)
    for (const id of group.versionIds) scheduled.add(outcomeKey(group.packageKey, id))
  }

  const totals = emptyCounts()
  const packages = plan.packages.map((pkg): PackageReport => {
    const counts = emptyCounts()
    const versions = pkg.versions.map((version): ReportedVersion => {
      counts.scanned++
      if (version.decision === 'keep') {
        counts.kept++
        return version
      }
      const key = outcomeKey(pkg.key, version.id)
      if (!scheduled.has(key)) {
        counts.deferred++
        return { ...version, scheduled: false, outcome: 'deferred', outcomeDetail: 'deferred: past the max-deletions cap' }
      }
      counts.planned++
      const result = execution?.outcomes.get(key)
      if (!result) return { ...version, scheduled: true }
      counts[result.outcome]++
      return { ...version, scheduled: true, outcome: result.outcome, outcomeDetail: result.detail }
    })
    addCounts(totals, counts)
    return {
      key: pkg.key,
      package: pkg.package,
      rules: pkg.rules,
      warning: pkg.warning,
      ...(pkg.notes && { notes: pkg.notes }),
      wholePackage: wholePackages.has(pkg.key) || undefined,
      counts,
      versions
    }
  })
  return {
    mode: args.mode,
    owner: args.owner,
    policy: args.policy,
    now: plan.now,
    packages,
    totals,
    missing: args.missing,
    failures: execution?.failures ?? [],
    requests: args.requests
  }
}
