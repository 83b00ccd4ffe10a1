// Listing a very large package within the request budget: a dry run over a 135,000-version
// container package (the size a user reported), against the fake enforcing GitHub's secondary
// limits (900 points a minute per token across the REST API, 100 requests in flight).
//
// The listing is 1,350 pages of 100, a point each, so GitHub's budget alone needs
// pages ÷ 900 a minute = 1.5 min ("the floor"); the figure is how close the listing comes to it
// (first page request to last page request arriving at the fake), with zero refusals and the
// most REST requests the fake saw in flight at once.
import { FakeGitHub, peakPointsPerMinute } from '../../__tests__/fake/index.js'
import { assertSucceeded, runBundle } from './action.js'
import { benchWorld, containerPackage, DELETE_UNTAGGED_POLICY, OWNER, TOKEN } from './world.js'

export const GITHUB_POINTS_PER_MINUTE = 900

export interface ListingResult {
  versions: number
  pages: number
  /** First to last page request, as they arrived at the fake. */
  listingMs: number
  /** pages ÷ 900 points a minute. */
  floorMs: number
  secondaryRefusals: number
  /** Most REST requests in flight at once as the fake saw them arrive (it serves one at a time, so few overlap there). */
  peakInFlight: number
  /** Most REST requests in flight at once on the action's side, from its closing log line (answers being read included). */
  clientPeakInFlight?: number
  peakPointsPerMinute: number
  wallMs: number
  planned: number
}

export async function benchListing(options: { bundle: string; versions?: number; log?: (line: string) => void }): Promise<ListingResult> {
  const { seed, shape } = containerPackage(options.versions ?? 135_000)
  const fake = await FakeGitHub.start(benchWorld(seed))
  try {
    options.log?.(`listing: dry run over ${shape.versions.toLocaleString('en-US')} versions (about 1.5 min)`)
    const run = await runBundle({
      bundle: options.bundle,
      apiUrl: fake.url,
      inputs: { token: TOKEN, policy: DELETE_UNTAGGED_POLICY, owner: OWNER, 'registry-url': fake.url, 'dry-run': 'true' },
      timeoutMs: 10 * 60_000
    })
    assertSucceeded(run, 'large listing dry run')
    const rest = fake.requests.filter((r) => !r.registry)
    const pages = rest.filter((r) => r.method === 'GET' && (r.route ?? '').endsWith('/versions'))
    const clientFigures = /REST requests: \d+ \(\d+ points\), at most \d+ points in any 60 s and (\d+) in flight/.exec(run.stdout)
    return {
      versions: shape.versions,
      pages: pages.length,
      listingMs: pages[pages.length - 1].at - pages[0].at,
      floorMs: (pages.length / GITHUB_POINTS_PER_MINUTE) * 60_000,
      secondaryRefusals: fake.secondaryRefusals,
      peakInFlight: Math.max(...rest.map((r) => r.inFlight ?? 0)),
      ...(clientFigures ? { clientPeakInFlight: Number(clientFigures[1]) } : {}),
      peakPointsPerMinute: peakPointsPerMinute(fake.requests),
      wallMs: run.exitedAt - run.spawnedAt,
      planned: Number(run.outputs['planned-count'])
    }
  } finally {
    await fake.stop()
  }
}

export function formatListing(r: ListingResult): string {
  return (
    `${r.versions.toLocaleString('en-US')} versions, dry run: ${r.pages} pages listed in ${(r.listingMs / 1000).toFixed(1)} s ` +
    `(floor ${(r.floorMs / 1000).toFixed(1)} s at 900 points a minute: ${((r.listingMs / r.floorMs) * 100).toFixed(0)}%), ` +
    `${r.secondaryRefusals} secondary-limit refusals, at most ${r.peakInFlight} REST requests in flight at the fake ` +
    `(${r.clientPeakInFlight ?? 'unknown'} on the action's side) and ${r.peakPointsPerMinute} points in any 60 s; ` +
    `wall ${(r.wallMs / 1000).toFixed(1)} s, ${r.planned.toLocaleString('en-US')} planned`
  )
}
