// Deletion pace within the request budget, against the fake enforcing GitHub's secondary limits
// (900 points a minute per token across the REST API, a DELETE costing 5; 100 in flight):
//
// - at max-deletes-per-minute 60, one minute's worth of deletions: the pace is the input's;
// - at 180, 418 deletions in a 500-version package: 180 DELETEs a minute alone would spend the
//   whole 900 points, so the budget sets the pace (5 points within 880 a minute: 176 a minute),
//   and the run must take about 139 s (418 at 180 a minute), never a refusal and its 60 s wait.
//
// Achieved pace = (DELETEs − 1) / (last arrival − first arrival), in DELETEs a minute: the spacing
// the run keeps, independent of how long listing and planning took before the first DELETE.
// Wall = spawn to exit of the whole run.
import { FakeGitHub, peakPointsPerMinute } from '../../__tests__/fake/index.js'
import { assertSucceeded, runBundle } from './action.js'
import { benchWorld, DELETE_UNTAGGED_POLICY, OWNER, TOKEN, untaggedPackage } from './world.js'

export interface PaceResult {
  requestedPerMinute: number
  versions: number
  deletes: number
  achievedPerMinute: number
  /** achieved / requested − 1. */
  deviation: number
  secondaryRefusals: number
  /** Smallest and largest gap between consecutive DELETEs, in ms. */
  minGapMs: number
  maxGapMs: number
  /** Most secondary-limit points the fake received in any 60 s. */
  peakPointsPerMinute: number
  wallMs: number
  /** deletes ÷ requested pace: what the run would take at exactly the input's pace. */
  idealMs: number
}


export async function benchPace(options: { bundle: string; perMinute: number; deletes?: number; versions?: number; log?: (line: string) => void }): Promise<PaceResult> {
  const deletes = options.deletes ?? options.perMinute
  const versions = options.versions ?? deletes + 20
  const fake = await FakeGitHub.start(benchWorld(untaggedPackage(deletes, versions)))
  try {
    options.log?.(`pace: ${deletes} of ${versions} versions deleted at max-deletes-per-minute ${options.perMinute} (about ${Math.round((deletes / options.perMinute) * 60)} s)`)
    const run = await runBundle({
      bundle: options.bundle,
      apiUrl: fake.url,
      inputs: {
        token: TOKEN,
        policy: DELETE_UNTAGGED_POLICY,
        owner: OWNER,
        'registry-url': fake.url,
        'dry-run': 'false',
        'max-deletions': String(deletes),
        'max-deletes-per-minute': String(options.perMinute)
      },
      timeoutMs: Math.ceil((deletes / options.perMinute) * 60_000 * 2 + 60_000)
    })
    assertSucceeded(run, `pace run at ${options.perMinute}/min`)
    const arrivals = fake.requests.filter((r) => r.method === 'DELETE').map((r) => r.at)
    const gaps = arrivals.slice(1).map((at, k) => at - arrivals[k])
    const span = arrivals[arrivals.length - 1] - arrivals[0]
    const achieved = ((arrivals.length - 1) / span) * 60_000
    return {
      requestedPerMinute: options.perMinute,
      versions,
      deletes: arrivals.length,
      achievedPerMinute: achieved,
      deviation: achieved / options.perMinute - 1,
      secondaryRefusals: fake.secondaryRefusals,
      minGapMs: Math.min(...gaps),
      maxGapMs: Math.max(...gaps),
      peakPointsPerMinute: peakPointsPerMinute(fake.requests),
      wallMs: run.exitedAt - run.spawnedAt,
      idealMs: (deletes / options.perMinute) * 60_000
    }
  } finally {
    await fake.stop()
  }
}

export function formatPace(r: PaceResult): string {
  return (
    `max-deletes-per-minute ${r.requestedPerMinute}: ${r.deletes} DELETEs (of ${r.versions} versions) at ${r.achievedPerMinute.toFixed(1)}/min ` +
    `(${(r.deviation * 100).toFixed(1)}%), gaps ${Math.round(r.minGapMs)}–${Math.round(r.maxGapMs)} ms, at most ${r.peakPointsPerMinute} points in any 60 s, ` +
    `${r.secondaryRefusals} secondary-limit refusals; wall ${(r.wallMs / 1000).toFixed(1)} s (${(r.idealMs / 1000).toFixed(1)} s at exactly the input's pace, ` +
    `${((r.wallMs / r.idealMs - 1) * 100).toFixed(1)}%)`
  )
}
