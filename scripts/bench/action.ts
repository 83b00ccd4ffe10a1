// Runs the bundled action as a child process, as the runner does (INPUT_* variables, GITHUB_*,
// RUNNER_TEMP), and times it on the benchmark's own clock: when it was spawned, when it first
// wrote its plan file (the "planned" write, seen through the file system), and when it exited.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, watch } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { parseOutputFile, runnerEnvironment, runnerFiles } from '../../__tests__/e2e/run-action.js'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

/** The bundle under test: --bundle, else BENCH_BUNDLE, else dist/index.js. */
export function bundlePath(flag?: string): string {
  return resolve(flag ?? process.env.BENCH_BUNDLE ?? join(ROOT, 'dist', 'index.js'))
}

export interface BundleRun {
  exitCode: number | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  /** The plan file's final content. */
  planFile?: { totals: Record<string, number>; requests?: Record<string, number>; packages: { versions: { id: number; decision: string; outcome?: string }[] }[] }
  /** performance.now() of this process when the child was spawned, when the plan file first appeared, when the child exited. */
  spawnedAt: number
  planWrittenAt?: number
  exitedAt: number
}

export interface BundleOptions {
  bundle: string
  /** The node binary; default this process's. */
  node?: string
  apiUrl: string
  inputs: Record<string, string>
  /** Added to (or replacing) the runner's variables, e.g. the Actions cache service's. */
  env?: Record<string, string>
  timeoutMs?: number
}

export async function runBundle(options: BundleOptions): Promise<BundleRun> {
  if (!existsSync(options.bundle)) throw new Error(`${options.bundle} is missing: run \`npm run build\`, or pass --bundle`)
  const files = runnerFiles(mkdtempSync(join(tmpdir(), 'package-retention-bench-')))
  const { workDir, workspace, outputFile } = files
  // Made in advance so it can be watched for the plan file's first write.
  const planDir = join(files.runnerTemp, 'package-retention')
  mkdirSync(planDir, { recursive: true })

  const env = { ...runnerEnvironment({ ...files, apiUrl: options.apiUrl, inputs: options.inputs }), ...options.env }

  let planWrittenAt: number | undefined
  // The action writes its plan file atomically (write, then rename): the first rename is the "planned" write.
  const watcher = watch(planDir, (_event, file) => {
    if (planWrittenAt === undefined && file && /^plan-.*\.json$/.test(String(file))) planWrittenAt = performance.now()
  })
  const spawnedAt = performance.now()
  const child = spawn(options.node ?? process.execPath, [options.bundle], { cwd: workspace, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000)
  const exitCode = await new Promise<number | null>((done) => child.on('close', (code) => done(code)))
  const exitedAt = performance.now()
  clearTimeout(timer)
  watcher.close()

  const outputs = parseOutputFile(readFileSync(outputFile, 'utf8'))
  const planPath = outputs['plan-path']
  const planFile = planPath && existsSync(planPath) ? JSON.parse(readFileSync(planPath, 'utf8')) : undefined
  rmSync(workDir, { recursive: true, force: true })
  return { exitCode, stdout, stderr, outputs, planFile, spawnedAt, planWrittenAt, exitedAt }
}

/** Fails loudly when a run did not succeed: a benchmark of a failing run measures nothing. */
export function assertSucceeded(run: BundleRun, what: string): void {
  if (run.exitCode === 0) return
  const tail = (run.stdout + run.stderr).split('\n').slice(-30).join('\n')
  throw new Error(`${what}: the action exited with ${run.exitCode}\n${tail}`)
}
