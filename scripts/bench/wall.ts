// Enumeration and planning wall time: a dry run of the bundle over the 10,000-version package
// (world.ts) with 20 ms of latency on every request to the fake (REST and registry alike).
//
// Measured on the benchmark's clock:
//   start → plan:   from spawning `node <bundle>` to the plan file's first write ("planned",
//                   seen through the file system): everything a run does before it could delete.
//   first request → plan: the same, from the first request reaching the fake (start-up excluded).
//   start → exit:   the whole dry run, report and job summary included.
import { performance } from 'node:perf_hooks'
import { FakeGitHub } from '../../__tests__/fake/index.js'
import { assertSucceeded, runBundle } from './action.js'
import { benchWorld, containerPackage, DELETE_UNTAGGED_POLICY, OWNER, TOKEN } from './world.js'

export interface WallRun {
  startToPlanMs: number
  firstRequestToPlanMs: number
  startToExitMs: number
  /** Phases, from the first request: the last page of versions arrived, the first and last manifest reads arrived. */
  lastPageMs: number
  firstReadMs: number
  lastReadMs: number
  requests: number
  manifestReads: number
}

export interface WallResult {
  versions: number
  latencyMs: number
  runs: WallRun[]
  /** Medians over the runs. */
  median: Omit<WallRun, 'requests' | 'manifestReads'>
  requests: number
  manifestReads: number
}

/** Maps the fake's request times (ms since its own start) onto this process's performance.now(). */
async function fakeClockOffset(fake: FakeGitHub): Promise<number> {
  const sentAt = performance.now()
  await fetch(`${fake.url}/rate_limit`)
  const probe = fake.requests[fake.requests.length - 1]
  fake.resetRequests()
  // The fake records arrival before any injected latency: the probe arrived just after it was sent.
  return sentAt - probe.at
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

export async function benchWall(options: { bundle: string; runs?: number; latencyMs?: number; log?: (line: string) => void }): Promise<WallResult> {
  const latencyMs = options.latencyMs ?? 20
  const { seed, shape } = containerPackage(10_000)
  const runs: WallRun[] = []
  for (let k = 0; k < (options.runs ?? 3); k++) {
    const fake = await FakeGitHub.start(benchWorld(seed, { faults: { seed: 1, latencyMs } }))
    try {
      const offset = await fakeClockOffset(fake)
      options.log?.(`wall: dry run ${k + 1} over ${shape.versions} versions, ${latencyMs} ms per request`)
      const run = await runBundle({
        bundle: options.bundle,
        apiUrl: fake.url,
        inputs: { token: TOKEN, policy: DELETE_UNTAGGED_POLICY, owner: OWNER, 'registry-url': fake.url, 'dry-run': 'true' }
      })
      assertSucceeded(run, 'timed dry run')
      if (run.planWrittenAt === undefined) throw new Error('wall: the plan file was never written')
      const firstRequestAt = offset + fake.requests[0].at
      const sinceFirst = (at: number): number => at - fake.requests[0].at
      const pages = fake.requests.filter((r) => !r.registry && r.path.endsWith('/versions'))
      const reads = fake.requests.filter((r) => r.registry && r.path.includes('/manifests/'))
      runs.push({
        startToPlanMs: run.planWrittenAt - run.spawnedAt,
        firstRequestToPlanMs: run.planWrittenAt - firstRequestAt,
        startToExitMs: run.exitedAt - run.spawnedAt,
        lastPageMs: sinceFirst(Math.max(...pages.map((r) => r.at))),
        firstReadMs: sinceFirst(Math.min(...reads.map((r) => r.at))),
        lastReadMs: sinceFirst(Math.max(...reads.map((r) => r.at))),
        requests: fake.requests.length,
        manifestReads: reads.length
      })
    } finally {
      await fake.stop()
    }
  }
  return {
    versions: shape.versions,
    latencyMs,
    runs,
    median: {
      startToPlanMs: median(runs.map((r) => r.startToPlanMs)),
      firstRequestToPlanMs: median(runs.map((r) => r.firstRequestToPlanMs)),
      startToExitMs: median(runs.map((r) => r.startToExitMs)),
      lastPageMs: median(runs.map((r) => r.lastPageMs)),
      firstReadMs: median(runs.map((r) => r.firstReadMs)),
      lastReadMs: median(runs.map((r) => r.lastReadMs))
    },
    requests: runs[0].requests,
    manifestReads: runs[0].manifestReads
  }
}

export function formatWall(r: WallResult): string {
  const ms = (value: number): string => `${Math.round(value)} ms`
  return [
    `${r.versions.toLocaleString('en-US')} versions, ${r.latencyMs} ms per request, ${r.requests} requests (${r.manifestReads} manifest reads), median of ${r.runs.length}:`,
    `  start → plan written ${ms(r.median.startToPlanMs)}; first request → plan written ${ms(r.median.firstRequestToPlanMs)}; start → exit ${ms(r.median.startToExitMs)}`,
    `  from the first request: last page of versions ${ms(r.median.lastPageMs)}, manifest reads ${ms(r.median.firstReadMs)} → ${ms(r.median.lastReadMs)}, plan written ${ms(r.median.firstRequestToPlanMs)}`,
    `  runs: ${r.runs.map((x) => `${ms(x.startToPlanMs)}/${ms(x.firstRequestToPlanMs)}/${ms(x.startToExitMs)}`).join(', ')}`
  ].join('\n')
}
