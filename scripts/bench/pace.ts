// Deletion pace: with `max-deletes-per-minute` at 60 and at 180, and the fake enforcing GitHub's
// secondary limit (900 points a minute per endpoint, a DELETE costing 5), the pace the DELETEs
// actually reach the fake at, and how many requests the secondary limit refused. Each run deletes
// one minute's worth (max-deletions = the pace), so it lasts about a minute.
//
// Achieved pace = (DELETEs − 1) / (last arrival − first arrival), in DELETEs a minute: the spacing
// the run keeps, independent of how long listing and planning took before the first DELETE.
import { FakeGitHub } from '../../__tests__/fake/index.js'
import { assertSucceeded, runBundle } from './action.js'
import { benchWorld, DELETE_UNTAGGED_POLICY, OWNER, TOKEN, untaggedPackage } from './world.js'

export interface PaceResult {
  requestedPerMinute: number
  deletes: number
  achievedPerMinute: number
  /** achieved / requested − 1. */
  deviation: number
  secondaryRefusals: number
  /** Smallest and largest gap between consecutive DELETEs, in ms. */
  minGapMs: number
  maxGapMs: number
}

export async function benchPace(options: { bundle: string; perMinute: number; deletes?: number; log?: (line: string) => void }): Promise<PaceResult> {
  const deletes = options.deletes ?? options.perMinute
  const fake = await FakeGitHub.start(benchWorld(untaggedPackage(deletes + 20), { secondary: { pointsPerMinute: 900 } }))
  try {
    options.log?.(`pace: ${deletes} deletions at max-deletes-per-minute ${options.perMinute} (about ${Math.round(deletes / options.perMinute)} min)`)
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
      deletes: arrivals.length,
      achievedPerMinute: achieved,
      deviation: achieved / options.perMinute - 1,
      secondaryRefusals: fake.secondaryRefusals,
      minGapMs: Math.min(...gaps),
      maxGapMs: Math.max(...gaps)
    }
  } finally {
    await fake.stop()
  }
}

export function formatPace(r: PaceResult): string {
  return (
    `max-deletes-per-minute ${r.requestedPerMinute}: ${r.deletes} DELETEs at ${r.achievedPerMinute.toFixed(1)}/min ` +
    `(${(r.deviation * 100).toFixed(1)}%), gaps ${Math.round(r.minGapMs)}–${Math.round(r.maxGapMs)} ms, ${r.secondaryRefusals} secondary-limit refusals`
  )
}
