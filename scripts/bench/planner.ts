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
import { fork } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { planRetention } from '../../src/plan/planner.js'
import { seededRandom } from '../../__tests__/fake/random.js'
import { BENCH_POLICY, generateInventory, NOW, shuffle } from './generate.js'

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
}

export interface PlannerOptions {
  shuffled?: boolean
  cpuProf?: boolean
  traceGc?: boolean
  /** Warm runs after the first (default: 15 up to 200k versions, else 0). */
  warmRuns?: number
  /** The node binary to plan with (default this one's); the action runs on Node 24. */
  node?: string
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
    ...(options.warmRuns !== undefined ? [`--warm=${options.warmRuns}`] : [])
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
  return (
    `Node ${r.node}, ${n(r.versions)} versions (${n(r.references)} references${r.shuffled ? ', shuffled' : ''}): ` +
    `plan ${r.wallMs.toFixed(0)} ms = ${n(r.versionsPerSecond)} versions/s (CPU ${r.cpuMs.toFixed(0)} ms)${warm}; ` +
    `peak RSS ${mb(r.peakRssBytes)} (process at start ${mb(r.baselineRssBytes)}, with the input ${mb(r.inputRssBytes)}; input heap ${mb(r.inputHeapBytes)}); ` +
    `${n(r.deleted)} to delete in ${n(r.groups)} groups, ${n(r.scheduled)} scheduled`
  )
}

if (process.argv[1] === SELF) {
  const args = process.argv.slice(2)
  const sizes = args.filter((a) => /^\d+$/.test(a)).map(Number)
  const warm = args.find((a) => a.startsWith('--warm='))
  const options: PlannerOptions = {
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
