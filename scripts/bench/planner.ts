// Planner throughput: generated inventories (generate.ts) planned with a realistic policy, each size
// in its own process so that its peak memory is its own. Reported per size: the first (cold) plan's
// wall and CPU time, versions per second, the process's peak RSS and its RSS with the input alone.
//
// The child process runs this file bundled into plain JavaScript (esbuild, which tsx brings), as the
// action runs its ncc bundle: no TypeScript loader in the process, whose own memory (hundreds of MB
// on Node 24 once date-fns is loaded module by module) would otherwise count as the planner's.
//
//   tsx scripts/bench/planner.ts                        # 10k, 100k, 1M
//   tsx scripts/bench/planner.ts 1000000 [--shuffled] [--cpu-prof] [--trace-gc]
//   tsx scripts/bench/planner.ts 100000 1000000 --interleaved=7   # BENCH_POLICY vs the 1.1 policy, alternating
import { fork } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { InUseReference, Policy } from '../../src/model.js'
import { planRetention } from '../../src/plan/planner.js'
import { seededRandom } from '../../__tests__/fake/random.js'
import { BENCH_POLICY, generateInventory, NOW, shuffle } from './generate.js'

const P1Y = { text: 'P1Y', years: 1, months: 0, weeks: 0, days: 0, hours: 0, minutes: 0 }

/**
 * The same workload with the 1.1 keys, rule for rule: the tag-based old-releases rule becomes a
 * semver one (releases by semver, the 3 newest of each minor line kept with keep.per), and a few
 * images are referenced by deploy files (protect.in-use, given to the planner as PlanInput.inUse).
 */
export const BENCH_POLICY_1_1: Policy = {
  ...BENCH_POLICY,
  rules: BENCH_POLICY.rules.map((rule) =>
    rule.name !== 'old-releases'
      ? rule
      : {
          name: 'release-lines',
          packages: rule.packages,
          match: { semver: '>=1.0.0', prerelease: false, olderThan: P1Y, ageFrom: 'updated' },
          keep: { latest: 3, per: 'minor', tags: ['v1.1*'], versions: [] }
        }
  )
}

/** What a protect.in-use scan of a few deploy files finds: tags and a digest of the benchmark's package. */
export const BENCH_IN_USE: InUseReference[] = [
  { file: 'deploy/prod.yaml', line: 12, package: 'web', tag: 'v1.0.1' },
  { file: 'deploy/prod.yaml', line: 30, package: 'web', tag: 'latest' },
  { file: 'deploy/staging.yaml', line: 8, package: 'web', tag: 'nightly-1200' },
  { file: 'charts/web/values.yaml', line: 7, package: 'web', tag: 'pr-4000' },
  { file: 'images-in-use.txt', line: 3, package: 'web', digest: `sha256:${'0'.repeat(64)}` }
]

export interface PlannerResult {
  /** The Node version that planned. */
  node: string
  versions: number
  references: number
  shuffled: boolean
  /** First plan in a fresh process (includes JIT warm-up), as the action plans. */
  wallMs: number
  cpuMs: number
  versionsPerSecond: number
  /**
   * Steady state: the best of further plans in the same process (15 up to 200k versions), once V8
   * has optimised the planner. A fresh process's first plan also pays that warm-up (see wallMs).
   */
  warmBestMs?: number
  warmVersionsPerSecond?: number
  /** Process high-water RSS (input, plan and everything else). */
  peakRssBytes: number
  /** RSS of the benchmark process before generating anything (Node and the tsx loader). */
  baselineRssBytes: number
  /** RSS once the input was generated, before planning. */
  inputRssBytes: number
  /** JS heap held by the input alone, after a full GC. */
  inputHeapBytes: number
  deleted: number
  groups: number
  scheduled: number
  /** With `interleaved`: BENCH_POLICY and BENCH_POLICY_1_1 planned in alternation in this process. */
  interleaved?: InterleavedResult
}

export interface InterleavedResult {
  rounds: number
  /** Median of BENCH_POLICY's plans (the first plan of each policy included). */
  baselineMedianMs: number
  /** Median of BENCH_POLICY_1_1's plans, with BENCH_IN_USE. */
  semverMedianMs: number
  /** semverMedianMs / baselineMedianMs. */
  ratio: number
  baselineMs: number[]
  semverMs: number[]
  /** The same medians in CPU time (user + system): less sensitive to a shared machine's load than wall time. */
  baselineCpuMedianMs: number
  semverCpuMedianMs: number
  /** Versions each plan deletes, to see both do comparable work. */
  baselineDeleted: number
  semverDeleted: number
}

export interface PlannerOptions {
  shuffled?: boolean
  cpuProf?: boolean
  traceGc?: boolean
  /** Warm runs after the first (default: 15 up to 200k versions, else 0). */
  warmRuns?: number
  /** The node binary to plan with (default this one's); the action runs on Node 24. */
  node?: string
  /** Rounds of BENCH_POLICY and BENCH_POLICY_1_1 planned in alternation (instead of the warm runs). */
  interleaved?: number
}

const gc = (globalThis as { gc?: () => void }).gc

/** A CPU profile of `work` alone (not of generating its input), written where --cpu-prof would. */
function profiled<T>(name: string, work: () => T): T {
  const session = new Session()
  session.connect()
  const post = (method: string, params?: object): Promise<unknown> =>
    new Promise((resolve, reject) => session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result))))
  // The inspector answers synchronously on the main thread: these calls complete before `work` runs.
  void post('Profiler.enable')
  void post('Profiler.setSamplingInterval', { interval: 200 })
  void post('Profiler.start')
  const result = work()
  void post('Profiler.stop').then((stopped) => {
    mkdirSync(PROFILE_DIR, { recursive: true })
    writeFileSync(join(PROFILE_DIR, name), JSON.stringify((stopped as { profile: unknown }).profile))
    session.disconnect()
  })
  return result
}

function measure(total: number, options: PlannerOptions): PlannerResult {
  const baselineRss = process.memoryUsage.rss()
  const { inventory } = generateInventory(total)
  if (options.shuffled) {
    const random = seededRandom(7)
    shuffle(inventory.versions, random)
    shuffle(inventory.references, random)
  }
  gc?.()
  const inputHeap = process.memoryUsage().heapUsed
  const inputRss = process.memoryUsage.rss()
  if (options.traceGc) console.log('--- planning starts')
  const cpuBefore = process.cpuUsage()
  const start = process.hrtime.bigint()
  const planOnce = () => planRetention({ policy: BENCH_POLICY, inventories: [inventory], now: NOW })
  const plan = options.cpuProf ? profiled(`planner-${total}${options.shuffled ? '-shuffled' : ''}.cpuprofile`, planOnce) : planOnce()
  if (options.traceGc) console.log('--- planning ends')
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6
  const cpu = process.cpuUsage(cpuBefore)
  const peak = process.resourceUsage().maxRSS * 1024
  const pkg = plan.packages[0]
  const result: PlannerResult = {
    node: process.version,
    versions: inventory.versions.length,
    references: inventory.references.length,
    shuffled: options.shuffled === true,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    versionsPerSecond: Math.round(total / (wallMs / 1000)),
    peakRssBytes: peak,
    baselineRssBytes: baselineRss,
    inputRssBytes: inputRss,
    inputHeapBytes: inputHeap,
    deleted: pkg.versions.reduce((n, v) => n + (v.decision === 'delete' ? 1 : 0), 0),
    groups: pkg.groups.length,
    scheduled: plan.scheduled.length
  }
  if (options.interleaved) {
    result.interleaved = interleave(inventory, options.interleaved)
    return result
  }
  const warmRuns = options.warmRuns ?? (total <= 200_000 ? 15 : 0)
  if (warmRuns > 0) {
    let best = Number.POSITIVE_INFINITY
    for (let k = 0; k < warmRuns; k++) {
      const t0 = process.hrtime.bigint()
      planRetention({ policy: BENCH_POLICY, inventories: [inventory], now: NOW })
      best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6)
    }
    result.warmBestMs = best
    result.warmVersionsPerSecond = Math.round(total / (best / 1000))
  }
  return result
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/**
 * Both policies on the same inventory in the same process, alternating and swapping which goes
 * first each round, so that warm-up, machine load and heap growth weigh on both alike. A full GC
 * before each plan keeps the previous plan's garbage out of the next one's time.
 */
function interleave(inventory: ReturnType<typeof generateInventory>['inventory'], rounds: number): InterleavedResult {
  const baselineMs: number[] = []
  const semverMs: number[] = []
  const baselineCpu: number[] = []
  const semverCpu: number[] = []
  let baselineDeleted = 0
  let semverDeleted = 0
  const timed = (policy: Policy, inUse?: InUseReference[]): { ms: number; cpuMs: number; deleted: number } => {
    gc?.()
    const cpu0 = process.cpuUsage()
    const t0 = process.hrtime.bigint()
    const plan = planRetention({ policy, inventories: [inventory], now: NOW, ...(inUse && { inUse }) })
    const ms = Number(process.hrtime.bigint() - t0) / 1e6
    const cpu = process.cpuUsage(cpu0)
    return { ms, cpuMs: (cpu.user + cpu.system) / 1000, deleted: plan.packages[0].versions.reduce((n, v) => n + (v.decision === 'delete' ? 1 : 0), 0) }
  }
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? (['baseline', 'semver'] as const) : (['semver', 'baseline'] as const)
    for (const which of order) {
      if (which === 'baseline') {
        const { ms, cpuMs, deleted } = timed(BENCH_POLICY)
        baselineMs.push(ms)
        baselineCpu.push(cpuMs)
        baselineDeleted = deleted
      } else {
        const { ms, cpuMs, deleted } = timed(BENCH_POLICY_1_1, BENCH_IN_USE)
        semverMs.push(ms)
        semverCpu.push(cpuMs)
        semverDeleted = deleted
      }
    }
  }
  const baselineMedianMs = median(baselineMs)
  const semverMedianMs = median(semverMs)
  return {
    rounds,
    baselineMedianMs,
    semverMedianMs,
    ratio: semverMedianMs / baselineMedianMs,
    baselineMs,
    semverMs,
    baselineCpuMedianMs: median(baselineCpu),
    semverCpuMedianMs: median(semverCpu),
    baselineDeleted,
    semverDeleted
  }
}

const SELF = fileURLToPath(import.meta.url)
export const PROFILE_DIR = 'bench/profiles'

let bundled: Promise<{ entry: string; execArgv: string[] }> | undefined

/** This file as one JavaScript bundle for the child processes; without esbuild, this file under the current loader. */
function childEntry(): Promise<{ entry: string; execArgv: string[] }> {
  bundled ??= (async () => {
    try {
      const esbuild = (await import('esbuild')) as typeof import('esbuild')
      const dir = join(tmpdir(), `package-retention-bench-${process.pid}`)
      const outfile = join(dir, 'planner.mjs')
      await esbuild.build({ entryPoints: [SELF], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile, logLevel: 'silent' })
      process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
      return { entry: outfile, execArgv: [] }
    } catch {
      return { entry: SELF, execArgv: process.execArgv }
    }
  })()
  return bundled
}

/** Runs one size in a fresh process (with --expose-gc; --cpu-prof / --trace-gc when asked). */
export async function benchPlannerSize(total: number, options: PlannerOptions = {}): Promise<PlannerResult> {
  const child = await childEntry()
  const execArgv = [...child.execArgv, '--expose-gc']
  if (options.traceGc) execArgv.push('--trace-gc')
  const args = [
    String(total),
    ...(options.shuffled ? ['--shuffled'] : []),
    ...(options.cpuProf ? ['--cpu-prof'] : []),
    ...(options.traceGc ? ['--trace-gc'] : []),
    ...(options.warmRuns !== undefined ? [`--warm=${options.warmRuns}`] : []),
    ...(options.interleaved ? [`--interleaved=${options.interleaved}`] : [])
  ]
  return new Promise((resolve, reject) => {
    const worker = fork(child.entry, ['--child', ...args], { execPath: options.node ?? process.execPath, execArgv, stdio: ['ignore', options.traceGc ? 'inherit' : 'ignore', 'inherit', 'ipc'] })
    let result: PlannerResult | undefined
    worker.on('message', (message) => (result = message as PlannerResult))
    worker.on('error', reject)
    worker.on('exit', (code) => (code === 0 && result ? resolve(result) : reject(new Error(`planner benchmark of ${total} versions exited with ${code}`))))
  })
}

export async function benchPlanner(sizes: number[], options: PlannerOptions = {}): Promise<PlannerResult[]> {
  const results: PlannerResult[] = []
  for (const size of sizes) results.push(await benchPlannerSize(size, options))
  return results
}

const mb = (bytes: number): string => `${Math.round(bytes / 1024 / 1024)} MB`
const n = (value: number): string => value.toLocaleString('en-US')

export function formatPlannerResult(r: PlannerResult): string {
  const warm = r.warmBestMs !== undefined ? `; warm best ${r.warmBestMs.toFixed(0)} ms = ${n(r.warmVersionsPerSecond ?? 0)}/s` : ''
  const i = r.interleaved
  const interleaved = i
    ? `; interleaved ×${i.rounds}: median ${i.baselineMedianMs.toFixed(0)} ms (BENCH_POLICY, ${n(i.baselineDeleted)} deleted) vs ` +
      `${i.semverMedianMs.toFixed(0)} ms (1.1 policy with semver, keep.per, in-use, ${n(i.semverDeleted)} deleted) = ${(i.ratio * 100).toFixed(0)} %; ` +
      `CPU medians ${i.baselineCpuMedianMs.toFixed(0)} vs ${i.semverCpuMedianMs.toFixed(0)} ms = ${((i.semverCpuMedianMs / i.baselineCpuMedianMs) * 100).toFixed(0)} %`
    : ''
  return (
    `Node ${r.node}, ${n(r.versions)} versions (${n(r.references)} references${r.shuffled ? ', shuffled' : ''}): ` +
    `plan ${r.wallMs.toFixed(0)} ms = ${n(r.versionsPerSecond)} versions/s (CPU ${r.cpuMs.toFixed(0)} ms)${warm}; ` +
    `peak RSS ${mb(r.peakRssBytes)} (process at start ${mb(r.baselineRssBytes)}, with the input ${mb(r.inputRssBytes)}; input heap ${mb(r.inputHeapBytes)}); ` +
    `${n(r.deleted)} to delete in ${n(r.groups)} groups, ${n(r.scheduled)} scheduled${interleaved}`
  )
}

if (process.argv[1] === SELF) {
  const args = process.argv.slice(2)
  const sizes = args.filter((a) => /^\d+$/.test(a)).map(Number)
  const warm = args.find((a) => a.startsWith('--warm='))
  const interleaved = args.find((a) => a.startsWith('--interleaved='))
  const options: PlannerOptions = {
    interleaved: interleaved ? Number(interleaved.slice('--interleaved='.length)) : undefined,
    shuffled: args.includes('--shuffled'),
    cpuProf: args.includes('--cpu-prof'),
    traceGc: args.includes('--trace-gc'),
    warmRuns: warm ? Number(warm.slice('--warm='.length)) : undefined
  }
  if (args.includes('--child')) {
    process.send?.(measure(sizes[0], options))
  } else {
    for (const size of sizes.length > 0 ? sizes : [10_000, 100_000, 1_000_000]) {
      console.log(formatPlannerResult(await benchPlannerSize(size, options)))
    }
  }
}
