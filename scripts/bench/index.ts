// The benchmark suite (`npm run bench`; not part of `npm test`). Parts, in the order they run:
//
//   planner     planner throughput at 10k, 100k and 1M generated versions, each in its own process
//   requests    requests by kind for a 10,000-version package (dry run + a capped executing run)
//   wall        enumeration + planning wall time of a dry run, 20 ms per request
//   pace        DELETE pace at max-deletes-per-minute 60 (a minute) and 180 (418 of 500 versions, about 2.5 minutes)
//   listing     a 135,000-version dry run within GitHub's secondary limits (about 2 minutes)
//   first-run   the same package's first dry run at 20 ms a request, every manifest read (≤ 180 s, 0 refusals)
//   soak        50 consecutive 10,000-version dry runs: failed runs and refusals (about 4 minutes)
//   cold-start  spawn → first API request on Node 24 and this Node (beside one fetch, and the stack alone); bundle size
//
//   npm run bench                                   # everything (about 15 minutes)
//   npm run bench -- planner requests               # some parts
//   npm run bench -- planner --sizes=100000,1000000 [--planner-node=current|24|both] [--shuffled] [--cpu-prof] [--trace-gc]
//   npm run bench -- planner --sizes=100000,1000000 --interleaved=7   # the 1.1 policy (semver, keep.per, in-use) against BENCH_POLICY
//   npm run bench -- listing --versions=135000      soak --soak-runs=50
//   npm run bench -- --bundle=/tmp/bench-dist/index.js --json=/tmp/bench.json
//
// The bundle is --bundle, else $BENCH_BUNDLE, else dist/index.js. Node 24 is --node24 (or
// $BENCH_NODE24), else installed once from the npm registry into node_modules/.cache.
import { writeFileSync } from 'node:fs'
import os from 'node:os'
import { bundlePath } from './action.js'
import { benchColdStarts, bundleSize, floorScript, node24Binary, stackBundle, type ColdStartResult } from './cold-start.js'
import { benchFirstRun, FIRST_RUN_TARGET_MS, formatFirstRun, type FirstRunResult } from './first-run.js'
import { benchListing, formatListing, type ListingResult } from './listing.js'
import { benchPace, formatPace, type PaceResult } from './pace.js'
import { benchPlannerSize, formatPlannerResult, PROFILE_DIR, type PlannerResult } from './planner.js'
import { benchRequests, formatRequests, type RequestsResult } from './requests.js'
import { benchSoak, formatSoak, type SoakResult } from './soak.js'
import { benchWall, formatWall, type WallResult } from './wall.js'

export const PARTS = ['planner', 'requests', 'wall', 'pace', 'listing', 'first-run', 'soak', 'cold-start'] as const
type Part = (typeof PARTS)[number]

// The targets of issue 5.
export const TARGETS = {
  plannerVersionsPerSecond: 500_000,
  planner1MMs: 5_000,
  planner1MBytes: 1024 ** 3,
  wallStartToPlanMs: 1_500,
  paceDeviation: 0.05,
  /** The 418 deletions at 180 a minute: the whole run within 10 % of 418 ÷ 180 minutes. */
  paceWallDeviation: 0.1,
  /** The large listing within 15 % of pages ÷ 900 points a minute. */
  listingOverFloor: 0.15,
  maxInFlight: 100,
  coldStartNode24Ms: 150,
  bundleBytes: 2.5 * 1024 * 1024
}

interface Results {
  machine: { node: string; cpus: number; loadAverage: number[]; memoryGiB: number }
  bundle?: string
  planner?: PlannerResult[]
  requests?: RequestsResult
  wall?: WallResult
  pace?: PaceResult[]
  listing?: ListingResult
  firstRun?: FirstRunResult
  soak?: SoakResult
  coldStart?: { node24: ColdStartResult; node: ColdStartResult; floorNode24: ColdStartResult; floorNode: ColdStartResult; stackNode24: ColdStartResult; bundleBytes: number }
}

const log = (line: string): void => console.log(`· ${line}`)
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(2)} MB`
const n = (value: number): string => Math.round(value).toLocaleString('en-US')
const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT MET')

function parseArgs(argv: string[]): { parts: Part[]; flags: Map<string, string> } {
  const flags = new Map<string, string>()
  const parts: Part[] = []
  for (const arg of argv) {
    if (arg.startsWith('--')) {
      const [key, value] = arg.slice(2).split('=', 2)
      flags.set(key, value ?? 'true')
    } else if ((PARTS as readonly string[]).includes(arg)) {
      parts.push(arg as Part)
    } else {
      throw new Error(`unknown part '${arg}'; parts: ${PARTS.join(', ')}`)
    }
  }
  return { parts: parts.length > 0 ? parts : [...PARTS], flags }
}

function summary(results: Results): string {
  const rows: string[][] = []
  for (const p of results.planner ?? []) {
    const label = `planner, Node ${p.node.split('.')[0].slice(1)}, ${n(p.versions)} versions${p.shuffled ? ' (shuffled)' : ''}`
    // Throughput is judged on the steady state where there is one (up to 200k versions): the first
    // plan in a fresh process adds V8's warm-up, a one-off 50–100 ms that dominates at 10k.
    const steady = p.warmVersionsPerSecond ?? p.versionsPerSecond
    const measured =
      p.warmVersionsPerSecond !== undefined
        ? `${n(p.warmVersionsPerSecond)} versions/s steady (first plan ${n(p.wallMs)} ms = ${n(p.versionsPerSecond)}/s)`
        : `${n(p.versionsPerSecond)} versions/s (one plan, ${n(p.wallMs)} ms)`
    rows.push([label, `${measured}; peak RSS ${mb(p.peakRssBytes)}`, `≥ ${n(TARGETS.plannerVersionsPerSecond)}/s`, verdict(steady >= TARGETS.plannerVersionsPerSecond)])
    if (p.versions === 1_000_000) {
      const ok = p.wallMs <= TARGETS.planner1MMs && p.peakRssBytes <= TARGETS.planner1MBytes
      rows.push([`planner, Node ${p.node.split('.')[0].slice(1)}, 1M in time and memory`, `${n(p.wallMs)} ms, ${mb(p.peakRssBytes)}`, '≤ 5 s, ≤ 1 GB', verdict(ok)])
    }
  }
  const r = results.requests
  if (r) {
    const pages = r.dryRun['REST list versions pages'] ?? 0
    // One pass, then page 1 again as the closing look (contract 1.2).
    rows.push(['list pages (10k versions)', String(pages), `= ${Math.ceil(r.versions / 100)} + 1`, verdict(pages === Math.ceil(r.versions / 100) + 1)])
    rows.push(['per-version GETs', String(r.dryRun['REST GET one version'] ?? 0), '0', verdict(!r.dryRun['REST GET one version'])])
    const reads = r.dryRun['registry GET manifest'] ?? 0
    const ceiling = r.unlisted + (r.dryRun['registry token'] ?? 0)
    rows.push(['manifest reads', `${reads} (${((reads / r.versions) * 100).toFixed(1)}% of versions)`, `≤ ${ceiling} (versions no index lists + tokens)`, verdict(reads <= ceiling)])
    rows.push([`manifest reads, ${r.small.versions} versions`, String(r.small.reads), `≤ ${r.small.unlisted + r.small.tokenRequests}`, verdict(r.small.reads <= r.small.unlisted + r.small.tokenRequests)])
    const deletes = r.capped['REST DELETE version'] ?? 0
    rows.push(['DELETEs', `${r.planned} planned (dry run); capped run: ${deletes} DELETEs for ${r.capped.deletedCount} deleted`, '1 per deleted version', verdict(deletes === r.capped.deletedCount && r.capped.versionsDeletedTwice === 0)])
  }
  const w = results.wall
  if (w) {
    rows.push([`enumerate + plan, ${w.latencyMs} ms latency`, `start → plan ${n(w.median.startToPlanMs)} ms (first request → plan ${n(w.median.firstRequestToPlanMs)} ms)`, '≤ 1,500 ms', verdict(w.median.startToPlanMs <= TARGETS.wallStartToPlanMs)])
  }
  for (const p of results.pace ?? []) {
    if (p.requestedPerMinute <= 170) {
      const ok = Math.abs(p.deviation) <= TARGETS.paceDeviation && p.secondaryRefusals === 0
      rows.push([`pace at ${p.requestedPerMinute}/min`, `${p.achievedPerMinute.toFixed(1)}/min, ${p.secondaryRefusals} refusals`, '±5%, 0 refusals', verdict(ok)])
    } else {
      // Above 176 a minute the budget, not the input, sets the pace: the run is judged by its wall time.
      const over = p.wallMs / p.idealMs - 1
      const ok = Math.abs(over) <= TARGETS.paceWallDeviation && p.secondaryRefusals === 0
      rows.push([
        `${p.deletes} of ${p.versions} deleted at ${p.requestedPerMinute}/min`,
        `wall ${(p.wallMs / 1000).toFixed(1)} s (${(over * 100).toFixed(1)}%), ${p.achievedPerMinute.toFixed(1)}/min, ≤ ${p.peakPointsPerMinute} points/60 s, ${p.secondaryRefusals} refusals`,
        `±10% of ${(p.idealMs / 1000).toFixed(0)} s, 0 refusals`,
        verdict(ok)
      ])
    }
  }
  const l = results.listing
  if (l) {
    const inFlight = Math.max(l.peakInFlight, l.clientPeakInFlight ?? Number.POSITIVE_INFINITY)
    const ok = l.listingMs <= l.floorMs * (1 + TARGETS.listingOverFloor) && l.secondaryRefusals === 0 && inFlight <= TARGETS.maxInFlight
    rows.push([
      `listing ${n(l.versions)} versions (dry run)`,
      `${l.pages} pages in ${(l.listingMs / 1000).toFixed(1)} s (floor ${(l.floorMs / 1000).toFixed(0)} s), ≤ ${inFlight} in flight, ${l.secondaryRefusals} refusals`,
      '≤ floor + 15%, ≤ 100 in flight, 0 refusals',
      verdict(ok)
    ])
  }
  const f = results.firstRun
  if (f) {
    rows.push([
      `first dry run, ${n(f.versions)} versions, ${f.latencyMs} ms a request`,
      `${(f.wallMs / 1000).toFixed(1)} s, ${n(f.manifestReads)} manifest reads (≤ ${f.registryPeakInFlight} at once, ${f.registry429s} × 429), ${f.secondaryRefusals} refusals`,
      `≤ ${FIRST_RUN_TARGET_MS / 1000} s, 0 refusals`,
      verdict(f.wallMs <= FIRST_RUN_TARGET_MS && f.secondaryRefusals === 0)
    ])
  }
  if (r) {
    const refusals = r.secondaryRefusals.dryRun + r.secondaryRefusals.capped
    rows.push([`refusals (${n(r.versions)} versions)`, `dry run ${r.secondaryRefusals.dryRun}, capped run ${r.secondaryRefusals.capped}`, '0', verdict(refusals === 0)])
  }
  const soak = results.soak
  if (soak) {
    rows.push([`soak: ${soak.runs} dry runs, ${n(soak.versions)} versions`, `${soak.failedRuns} failed, ${soak.secondaryRefusals} refusals`, '0 failed, 0 refusals', verdict(soak.failedRuns === 0 && soak.secondaryRefusals === 0)])
  }
  const c = results.coldStart
  if (c) {
    rows.push([`cold start, Node ${c.node24.node}`, `${n(c.node24.medianMs)} ms median (floor ${n(c.floorNode24.medianMs)} ms; the stack alone ${n(c.stackNode24.medianMs)} ms)`, '≤ 150 ms', verdict(c.node24.medianMs <= TARGETS.coldStartNode24Ms)])
    rows.push([`cold start, Node ${c.node.node}`, `${n(c.node.medianMs)} ms median (floor ${n(c.floorNode.medianMs)} ms)`, '—', ''])
    rows.push(['bundle size', mb(c.bundleBytes), '≤ 2.5 MB', verdict(c.bundleBytes <= TARGETS.bundleBytes)])
  }
  const widths = [0, 1, 2, 3].map((k) => Math.max(...rows.map((row) => row[k].length), 4))
  return rows.map((row) => row.map((cell, k) => cell.padEnd(widths[k])).join(' | ')).join('\n')
}

async function main(): Promise<void> {
  const { parts, flags } = parseArgs(process.argv.slice(2))
  const bundle = bundlePath(flags.get('bundle'))
  const results: Results = {
    machine: { node: process.version, cpus: os.availableParallelism(), loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))), memoryGiB: Math.round(os.totalmem() / 1024 ** 3) }
  }
  console.log(`Node ${process.version}, ${results.machine.cpus} CPUs, load average ${results.machine.loadAverage.join(' ')}; parts: ${parts.join(', ')}`)
  if (parts.some((p) => p !== 'planner')) {
    results.bundle = bundle
    console.log(`bundle: ${bundle}`)
  }

  if (parts.includes('planner')) {
    const sizes = (flags.get('sizes') ?? '10000,100000,1000000').split(',').map(Number)
    // The action runs on Node 24: plan there too (--planner-node=current|24|both).
    const which = flags.get('planner-node') ?? 'both'
    const nodes = [...(which !== '24' ? [process.execPath] : []), ...(which !== 'current' ? [node24Binary(flags.get('node24'), log)] : [])]
    results.planner = []
    for (const node of nodes) {
      for (const size of sizes) {
        const interleaved = flags.has('interleaved') ? Number(flags.get('interleaved')) || 7 : undefined
        const result = await benchPlannerSize(size, { node, shuffled: flags.has('shuffled'), cpuProf: flags.has('cpu-prof'), traceGc: flags.has('trace-gc'), interleaved })
        console.log(formatPlannerResult(result))
        results.planner.push(result)
      }
    }
    if (flags.has('cpu-prof')) console.log(`CPU profiles of the planning alone: ${PROFILE_DIR}/`)
  }
  if (parts.includes('requests')) {
    results.requests = await benchRequests({ bundle, log })
    console.log(formatRequests(results.requests))
  }
  if (parts.includes('wall')) {
    results.wall = await benchWall({ bundle, runs: Number(flags.get('runs') ?? 3), log })
    console.log(formatWall(results.wall))
  }
  if (parts.includes('pace')) {
    results.pace = []
    for (const run of [{ perMinute: 60 }, { perMinute: 180, deletes: 418, versions: 500 }]) {
      const result = await benchPace({ bundle, ...run, log })
      console.log(formatPace(result))
      results.pace.push(result)
    }
  }
  if (parts.includes('listing')) {
    results.listing = await benchListing({ bundle, versions: Number(flags.get('versions') ?? 135_000), log })
    console.log(formatListing(results.listing))
  }
  if (parts.includes('first-run')) {
    results.firstRun = await benchFirstRun({ bundle, versions: Number(flags.get('versions') ?? 135_000), log })
    console.log(formatFirstRun(results.firstRun))
  }
  if (parts.includes('soak')) {
    results.soak = await benchSoak({ bundle, runs: Number(flags.get('soak-runs') ?? 50), log })
    console.log(formatSoak(results.soak))
  }
  if (parts.includes('cold-start')) {
    const node24 = node24Binary(flags.get('node24'), log)
    const floor = floorScript()
    log('cold start: bundling the stack alone (scripts/bench/stack-start.ts) with ncc')
    const stack = stackBundle()
    const runs = Number(flags.get('runs') ?? 15)
    const [onNode24, onNode, floorNode24, floorNode, stackNode24] = await benchColdStarts(
      [
        { node: node24, script: bundle },
        { node: process.execPath, script: bundle },
        { node: node24, script: floor },
        { node: process.execPath, script: floor },
        { node: node24, script: stack }
      ],
      runs
    )
    results.coldStart = { node24: onNode24, node: onNode, floorNode24, floorNode, stackNode24, bundleBytes: bundleSize(bundle) }
    const c = results.coldStart
    const measured = [['bundle', c.node24], ['bundle', c.node], ['floor (one fetch)', c.floorNode24], ['floor (one fetch)', c.floorNode], ['the stack alone', c.stackNode24]] as const
    for (const [what, r] of measured) {
      console.log(`cold start, ${what}, Node ${r.node}: median ${n(r.medianMs)} ms (min ${n(r.minMs)}, max ${n(r.maxMs)}, ${r.runs} runs)`)
    }
    console.log(`bundle size: ${c.bundleBytes.toLocaleString('en-US')} bytes (${mb(c.bundleBytes)})`)
  }

  console.log(`\n${summary(results)}`)
  const json = flags.get('json')
  if (json) {
    writeFileSync(json, `${JSON.stringify(results, null, 2)}\n`)
    console.log(`\nresults written to ${json}`)
  }
}

await main()
