// The run's result as one plain object: the plan with every version's decision, merged with
// what execution did. The plan file, the job summary and the outputs are all views of it.
import type { UnresolvedInUse } from './in-use-section.js'
import type { AgeFrom, DamagedImage, OversizedGroup, OwnerKind, PackageInventory, PackageRef, Plan, RuleAccount, VersionPlan } from '../model.js'
import type { ExecutionResult, Outcome } from '../execute/executor.js'
import { outcomeKey } from '../execute/executor.js'
import { packageKey } from '../model.js'
import type { RunStop, StopKind } from '../run-control.js'

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
  /** (1.2) How each rule met the package (PackagePlan.accounts): the summary's account per rule. */
  accounts?: RuleAccount[]
  /** Deleted with one DELETE of the package. */
  wholePackage?: boolean
  counts: Counts
  versions: ReportedVersion[]
}

/** (1.1) An image found broken before this run: an index listing platform manifests its package no longer has. */
export interface DamagedImageReport {
  packageKey: string
  id: number
  name: string
  tags: string[]
  missing: DamagedImage['missing']
}

/** (1.2) Why deletions stopped before the end of the plan: the primary rate limit, a wait cut short, a cancelled run. */
export type { StopKind }

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
  /** (1.1) Broken images seen before this run (the `damaged-count` output counts them); absent in older plan files. */
  damaged?: DamagedImageReport[]
  /** Why the run stopped before the end of its plan (cancelled, out of rate limit, a wait too long); absent when it did not. */
  stoppedEarly?: string
  /** (1.2) With stoppedEarly: what stopped it ('rate-limit', 'wait' or 'cancelled'). */
  stopKind?: StopKind
  /** (1.2) With stoppedEarly, when known: when GitHub (or the registry) allows requests again (ISO 8601). */
  resumeAt?: string
  /** (1.1) The oldest group was larger than max-deletions and was taken alone. */
  oversizedGroup?: OversizedGroup
  /** Which timestamp each rule measures age from: the age the summary shows is the one the rules used. */
  ageFrom?: Record<string, AgeFrom>
  /** (1.2) The manifest cache was available but failed (restoring or saving): what happened. */
  cacheProblem?: string
  /** (1.2) Every warning of the run, in order: GitHub shows only 10 warning annotations per step. */
  warnings?: string[]
  /** (1.2) Packages of the owner that a rule's glob did not reach but would have if `*` crossed `/` (`*` skips `team/tools`). */
  notReached?: string[]
  /** (1.2) Why the run exits with failure, when it does: the first line's ❌. */
  failure?: string
  /** (1.2) The protect.in-use scan's unresolved references, as written, for the summary's "Images in use". */
  inUseUnresolved?: UnresolvedInUse[]
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
  /** The inventories the plan was made from: their damaged images are reported. */
  inventories?: readonly PackageInventory[]
  ageFrom?: Record<string, AgeFrom>
  inUseUnresolved?: UnresolvedInUse[]
  /** A stop before any deletion (a cancellation or a cut wait while listing or reading); the execution's own stop wins. */
  stop?: RunStop
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
      ...(pkg.accounts && { accounts: pkg.accounts }),
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
    requests: args.requests,
    damaged: damagedImages(plan, args.inventories ?? []),
    ...stopFields(execution, args.stop),
    ...(plan.oversizedGroup ? { oversizedGroup: plan.oversizedGroup } : {}),
    ...(args.ageFrom ? { ageFrom: args.ageFrom } : {}),
    ...(args.inUseUnresolved?.length ? { inUseUnresolved: args.inUseUnresolved } : {})
  }
}

function stopFields(execution: ExecutionResult | undefined, stop: RunStop | undefined): Pick<RunReport, 'stoppedEarly' | 'stopKind' | 'resumeAt'> {
  if (execution?.stoppedEarly) {
    return { stoppedEarly: execution.stoppedEarly, ...(execution.stopKind && { stopKind: execution.stopKind }), ...(execution.resumeAt && { resumeAt: execution.resumeAt }) }
  }
  return stop ? { stoppedEarly: stop.reason, stopKind: stop.kind, ...(stop.resumeAt && { resumeAt: stop.resumeAt }) } : {}
}

function damagedImages(plan: Plan, inventories: readonly PackageInventory[]): DamagedImageReport[] {
  const byKey = new Map(plan.packages.map(p => [p.key, p]))
  return inventories.flatMap(inventory => {
    const pkg = byKey.get(packageKey(inventory.package))
    return (inventory.damaged ?? []).map(image => {
      const version = pkg?.versions.find(v => v.id === image.id)
      return { packageKey: packageKey(inventory.package), id: image.id, name: version?.name ?? '', tags: version?.tags ?? [], missing: image.missing }
    })
  })
}
