// The benchmarks' baseline (bench/baseline.json) and the rule CI applies to it: request counts
// must equal the baseline exactly; planner throughput fails only below half the baseline.
import type { RequestCounts, RequestsResult } from './requests.js'

export interface Baseline {
  note: string
  requests: {
    versions: number
    dryRun: RequestCounts
    planned: number
    capped: { maxDeletions: number; deletedCount: number; requests: RequestCounts }
  }
  planner: { versions: number; warmVersionsPerSecond: number; firstPlanVersionsPerSecond: number; measuredOn: string }
}

/** The request kinds of a capped run (its other fields are not request counts). */
export function cappedRequests(capped: RequestsResult['capped']): RequestCounts {
  const counts: RequestCounts = {}
  for (const [kind, count] of Object.entries(capped)) if (kind.includes(' ')) counts[kind] = count
  return counts
}

/** Every kind in either record must have the same count (a kind missing on one side counts 0). */
export function compareCounts(what: string, expected: RequestCounts, actual: RequestCounts): string[] {
  const problems: string[] = []
  for (const kind of [...new Set([...Object.keys(expected), ...Object.keys(actual)])].sort()) {
    const e = expected[kind] ?? 0
    const a = actual[kind] ?? 0
    if (e !== a) problems.push(`${what}: ${kind}: ${a}, baseline ${e}`)
  }
  return problems
}

/** Every way `current` falls short of `baseline`; empty when it holds. */
export function regressions(baseline: Baseline, current: Baseline): string[] {
  const problems = [
    ...compareCounts('dry run', baseline.requests.dryRun, current.requests.dryRun),
    ...compareCounts(`capped run (max-deletions ${current.requests.capped.maxDeletions})`, baseline.requests.capped.requests, current.requests.capped.requests)
  ]
  if (current.requests.planned !== baseline.requests.planned) problems.push(`planned deletions: ${current.requests.planned}, baseline ${baseline.requests.planned}`)
  if (current.requests.capped.deletedCount !== baseline.requests.capped.deletedCount) {
    problems.push(`capped run deleted ${current.requests.capped.deletedCount}, baseline ${baseline.requests.capped.deletedCount}`)
  }
  const floor = baseline.planner.warmVersionsPerSecond / 2
  if (current.planner.warmVersionsPerSecond < floor) {
    problems.push(
      `planner at ${current.planner.versions}: ${current.planner.warmVersionsPerSecond} versions/s, below half the baseline's ${baseline.planner.warmVersionsPerSecond}`
    )
  }
  return problems
}
