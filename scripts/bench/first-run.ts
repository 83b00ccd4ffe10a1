// The first run at scale (issue 15, observation 11): a dry run over a 135,000-version container
// package with nothing cached, every request (REST and registry) answered after 20 ms, against
// the fake enforcing GitHub's secondary limits. A delete-untagged policy reads every version no
// index lists (tens of thousands of manifests), so the figure is the whole first run: listing
// (1,350 pages, bounded by GitHub's 900 points a minute) with the manifest reads overlapping it.
//
// Target: at most 180 s, with 0 secondary-limit refusals. Reported: wall time, pages, manifest
// reads, refusals, the registry's peak requests in flight as the fake saw them, and its 429s.
import { FakeGitHub } from '../../__tests__/fake/index.js'
import { assertSucceeded, runBundle } from './action.js'
import { benchWorld, containerPackage, DELETE_UNTAGGED_POLICY, OWNER, TOKEN } from './world.js'

export const FIRST_RUN_LATENCY_MS = 20
export const FIRST_RUN_TARGET_MS = 180_000

export interface FirstRunResult {
  versions: number
  latencyMs: number
  wallMs: number
  pages: number
  manifestReads: number
  secondaryRefusals: number
  registryPeakInFlight: number
  registry429s: number
  planned: number
}

export async function benchFirstRun(options: { bundle: string; versions?: number; log?: (line: string) => void }): Promise<FirstRunResult> {
  const { seed, shape } = containerPackage(options.versions ?? 135_000)
  const fake = await FakeGitHub.start(benchWorld(seed, { faults: { seed: 1, latencyMs: FIRST_RUN_LATENCY_MS } }))
  try {
    options.log?.(`first run: dry run over ${shape.versions.toLocaleString('en-US')} versions, ${FIRST_RUN_LATENCY_MS} ms a request, nothing cached (about 2–3 min)`)
    const run = await runBundle({
      bundle: options.bundle,
      apiUrl: fake.url,
      inputs: { token: TOKEN, policy: DELETE_UNTAGGED_POLICY, owner: OWNER, 'registry-url': fake.url, 'dry-run': 'true', 'manifest-cache': 'false' },
      timeoutMs: 15 * 60_000
    })
    assertSucceeded(run, 'first run at scale')
    const manifests = fake.requests.filter((r) => r.registry && r.path.includes('/manifests/'))
    return {
      versions: shape.versions,
      latencyMs: FIRST_RUN_LATENCY_MS,
      wallMs: run.exitedAt - run.spawnedAt,
      pages: fake.requests.filter((r) => !r.registry && r.method === 'GET' && (r.route ?? '').endsWith('/versions')).length,
      manifestReads: manifests.filter((r) => r.status === 200).length,
      secondaryRefusals: fake.secondaryRefusals,
      registryPeakInFlight: Math.max(0, ...manifests.map((r) => r.inFlight ?? 0)),
      registry429s: manifests.filter((r) => r.status === 429).length,
      planned: Number(run.outputs['planned-count'])
    }
  } finally {
    await fake.stop()
  }
}

export function formatFirstRun(r: FirstRunResult): string {
  return (
    `${r.versions.toLocaleString('en-US')} versions, first dry run at ${r.latencyMs} ms a request: wall ${(r.wallMs / 1000).toFixed(1)} s ` +
    `(target ${FIRST_RUN_TARGET_MS / 1000} s), ${r.pages} pages, ${r.manifestReads.toLocaleString('en-US')} manifest reads ` +
    `(up to ${r.registryPeakInFlight} at once at the registry, ${r.registry429s} answered 429), ${r.secondaryRefusals} secondary-limit refusals, ` +
    `${r.planned.toLocaleString('en-US')} planned`
  )
}
