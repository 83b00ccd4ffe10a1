// Soak: many consecutive dry runs over the 10,000-version package, each against a fresh fake
// enforcing GitHub's secondary limits, counting the runs that failed (a random failure, e.g. a
// response body cancelled before it was read, shows up here) and the refusals.
import { FakeGitHub } from '../../__tests__/fake/index.js'
import { runBundle } from './action.js'
import { benchWorld, containerPackage, DELETE_UNTAGGED_POLICY, OWNER, TOKEN } from './world.js'

export interface SoakResult {
  runs: number
  versions: number
  failedRuns: number
  /** The first line of each distinct failure, with how many runs it ended. */
  failures: Array<{ message: string; runs: number }>
  secondaryRefusals: number
  medianWallMs: number
}

export async function benchSoak(options: { bundle: string; runs?: number; log?: (line: string) => void }): Promise<SoakResult> {
  const runs = options.runs ?? 50
  const { seed, shape } = containerPackage(10_000)
  const failures = new Map<string, number>()
  const walls: number[] = []
  let refusals = 0
  options.log?.(`soak: ${runs} consecutive dry runs over ${shape.versions.toLocaleString('en-US')} versions`)
  for (let k = 0; k < runs; k++) {
    const fake = await FakeGitHub.start(benchWorld(seed))
    try {
      const run = await runBundle({
        bundle: options.bundle,
        apiUrl: fake.url,
        inputs: { token: TOKEN, policy: DELETE_UNTAGGED_POLICY, owner: OWNER, 'registry-url': fake.url, 'dry-run': 'true' }
      })
      walls.push(run.exitedAt - run.spawnedAt)
      refusals += fake.secondaryRefusals
      if (run.exitCode !== 0) {
        const message = (run.stdout.split('\n').find((line) => line.startsWith('::error::')) ?? `exit code ${run.exitCode}`).slice(0, 300)
        failures.set(message, (failures.get(message) ?? 0) + 1)
        options.log?.(`soak: run ${k + 1} failed: ${message}`)
      }
    } finally {
      await fake.stop()
    }
  }
  const sorted = [...walls].sort((a, b) => a - b)
  return {
    runs,
    versions: shape.versions,
    failedRuns: [...failures.values()].reduce((sum, n) => sum + n, 0),
    failures: [...failures].map(([message, n]) => ({ message, runs: n })),
    secondaryRefusals: refusals,
    medianWallMs: sorted[Math.floor(sorted.length / 2)]
  }
}

export function formatSoak(r: SoakResult): string {
  const lines = [
    `soak: ${r.runs} dry runs over ${r.versions.toLocaleString('en-US')} versions: ${r.failedRuns} failed, ${r.secondaryRefusals} secondary-limit refusals, median ${(r.medianWallMs / 1000).toFixed(1)} s a run`,
    ...r.failures.map((f) => `  ${f.runs}× ${f.message}`)
  ]
  return lines.join('\n')
}
