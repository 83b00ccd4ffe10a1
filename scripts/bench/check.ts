// The benchmarks' regression check for CI (`npm run bench:check`), the quick, deterministic part:
//
// - request counts for the 10,000-version package (dry run, and an executing run capped at 30
//   deletions): compared EXACTLY with bench/baseline.json, kind by kind; both runs against the
//   fake enforcing GitHub's secondary limits, where any refusal is a regression;
// - planner throughput at 100,000 versions (best of three warm plans in a fresh process): fails only
//   below half the baseline, since machines are noisy.
//
// Exits 1 on a regression, 2 when it cannot run. `--update` rewrites the baseline from this run
// (after an intended change; commit the file with it). The bundle is --bundle, else $BENCH_BUNDLE,
// else dist/index.js: run it after the build, against the bundle CI just verified.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { bundlePath, ROOT } from './action.js'
import { cappedRequests, regressions, type Baseline } from './baseline.js'
import { benchPlannerSize } from './planner.js'
import { benchRequests } from './requests.js'

export const BASELINE = join(ROOT, 'bench', 'baseline.json')
const PLANNER_SIZE = 100_000
const MAX_DELETIONS = 30

async function main(): Promise<number> {
  const update = process.argv.includes('--update')
  const bundleFlag = process.argv.find((arg) => arg.startsWith('--bundle='))?.slice('--bundle='.length)
  const bundle = bundlePath(bundleFlag)
  if (!existsSync(bundle)) {
    console.error(`bench:check: ${bundle} is missing; run \`npm run build\` first (or pass --bundle=PATH)`)
    return 2
  }
  const started = Date.now()
  const requests = await benchRequests({ bundle, maxDeletions: MAX_DELETIONS })
  const planner = await benchPlannerSize(PLANNER_SIZE, { warmRuns: 3 })
  const current: Baseline = {
    note: 'Written by `npm run bench:check -- --update`. Request counts are compared exactly; planner throughput fails below half.',
    requests: {
      versions: requests.versions,
      dryRun: requests.dryRun,
      planned: requests.planned,
      capped: { maxDeletions: MAX_DELETIONS, deletedCount: requests.capped.deletedCount, requests: cappedRequests(requests.capped) }
    },
    planner: {
      versions: PLANNER_SIZE,
      warmVersionsPerSecond: planner.warmVersionsPerSecond ?? 0,
      firstPlanVersionsPerSecond: planner.versionsPerSecond,
      measuredOn: `Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`
    }
  }
  console.log(
    `requests: ${Object.entries(current.requests.dryRun)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}; planned ${current.requests.planned}; capped run ${current.requests.capped.requests['REST DELETE version'] ?? 0} DELETEs`
  )
  console.log(`planner at ${PLANNER_SIZE.toLocaleString('en-US')}: ${current.planner.warmVersionsPerSecond.toLocaleString('en-US')} versions/s warm, ${current.planner.firstPlanVersionsPerSecond.toLocaleString('en-US')} first plan`)
  console.log(`secondary-limit refusals: dry run ${requests.secondaryRefusals.dryRun}, capped run ${requests.secondaryRefusals.capped} (must be 0)`)
  for (const finding of requests.findings) console.log(`note: ${finding}`)

  if (update) {
    writeFileSync(BASELINE, `${JSON.stringify(current, null, 2)}\n`)
    console.log(`baseline written to ${BASELINE} (${Math.round((Date.now() - started) / 1000)} s)`)
    return 0
  }
  if (!existsSync(BASELINE)) {
    console.error(`bench:check: no baseline at ${BASELINE}; create it with \`npm run bench:check -- --update\``)
    return 2
  }
  const baseline = JSON.parse(readFileSync(BASELINE, 'utf8')) as Baseline
  const problems = [...requests.violations, ...regressions(baseline, current)]
  const floor = baseline.planner.warmVersionsPerSecond / 2
  const seconds = Math.round((Date.now() - started) / 1000)
  if (problems.length > 0) {
    console.error(`\nbench:check: REGRESSION (${seconds} s)\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    console.error('If the change is intended, run `npm run bench:check -- --update` and commit bench/baseline.json.')
    return 1
  }
  console.log(`bench:check: OK (${seconds} s): request counts equal the baseline, no secondary-limit refusal; planner ≥ half the baseline (${Math.round(floor).toLocaleString('en-US')}/s)`)
  return 0
}

process.exitCode = await main()
