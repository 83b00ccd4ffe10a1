// Runs the bundled action (dist/index.js) as a child process exactly as the runner does:
// INPUT_* variables, GITHUB_API_URL, GITHUB_STEP_SUMMARY, GITHUB_OUTPUT and RUNNER_TEMP.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { FakeGitHub } from '../fake/index.js'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
// E2E_BUNDLE lets a developer test a bundle built elsewhere (e.g. `ncc build -o /tmp/x`) without touching dist/.
export const BUNDLE = process.env.E2E_BUNDLE ?? join(ROOT, 'dist', 'index.js')

export interface ActionRun {
  exitCode: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
  /** The parsed plan file named by the plan-path output, when there is one. */
  planFile?: PlanFileJson
  workDir: string
}

// The plan file is read as plain JSON here: the test checks its documented shape.
export interface PlanFileJson {
  format: string
  formatVersion: number
  status: string
  mode: string
  totals: Record<string, number>
  packages: {
    key: string
    wholePackage?: boolean
    warning?: string
    counts: Record<string, number>
    versions: { id: number; name: string; tags: string[]; decision: string; rule?: string; reason: string; role: string; outcome?: string; outcomeDetail?: string; scheduled?: boolean }[]
  }[]
  [key: string]: unknown
}

export interface RunOptions {
  inputs: Record<string, string>
  apiUrl: string
  env?: Record<string, string>
  /** Files to create in the workspace, by relative path. */
  files?: Record<string, string>
  workDir?: string
  timeoutMs?: number
  /** Called with the child once it started (e.g. to send it a signal). */
  onStart?: (child: import('node:child_process').ChildProcess) => void
  /**
   * The test provokes GitHub's secondary limits on purpose (a tiny limit in the fake). Otherwise
   * a run that the fake refused with its secondary limit (900 points a minute, 100 in flight)
   * fails the test: the action must stay within them, not discover them.
   */
  provokesSecondaryLimits?: boolean
}

/** GITHUB_OUTPUT uses `name<<DELIMITER\nvalue\nDELIMITER` blocks. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<=]+)<<(.+)$/.exec(lines[i])
    if (match) {
      const [, name, delimiter] = match
      const value: string[] = []
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i])
      outputs[name] = value.join('\n')
    } else if (lines[i].includes('=')) {
      const at = lines[i].indexOf('=')
      outputs[lines[i].slice(0, at)] = lines[i].slice(at + 1)
    }
  }
  return outputs
}

/** What the runner gives a JavaScript action: its files, the API URL and the inputs as INPUT_<NAME> (hyphens kept). */
export function runnerEnvironment(files: RunnerFiles & { apiUrl: string; inputs: Record<string, string> }): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? files.workDir,
    GITHUB_ACTIONS: 'true',
    GITHUB_API_URL: files.apiUrl,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY_OWNER: 'acme',
    GITHUB_REPOSITORY: 'acme/app',
    GITHUB_WORKSPACE: files.workspace,
    GITHUB_STEP_SUMMARY: files.summaryFile,
    GITHUB_OUTPUT: files.outputFile,
    RUNNER_TEMP: files.runnerTemp
  }
  for (const [name, value] of Object.entries(files.inputs)) env[`INPUT_${name.toUpperCase()}`] = value
  return env
}

export interface RunnerFiles {
  workDir: string
  workspace: string
  runnerTemp: string
  outputFile: string
  summaryFile: string
}

/** The directories and files the runner provides a step, created under `workDir`. */
export function runnerFiles(workDir: string): RunnerFiles {
  const files = {
    workDir,
    workspace: join(workDir, 'workspace'),
    runnerTemp: join(workDir, 'runner-temp'),
    outputFile: join(workDir, 'github-output'),
    summaryFile: join(workDir, 'step-summary')
  }
  mkdirSync(files.workspace, { recursive: true })
  mkdirSync(files.runnerTemp, { recursive: true })
  writeFileSync(files.outputFile, '')
  writeFileSync(files.summaryFile, '')
  return files
}

export async function runAction(options: RunOptions): Promise<ActionRun> {
  if (!existsSync(BUNDLE)) throw new Error('dist/index.js is missing: run `npm run build` first')
  const files = runnerFiles(options.workDir ?? mkdtempSync(join(tmpdir(), 'package-retention-e2e-')))
  const { workDir, workspace, outputFile, summaryFile } = files
  for (const [path, content] of Object.entries(options.files ?? {})) {
    const target = join(workspace, path)
    mkdirSync(dirname(target), { recursive: true })
    writeFileSync(target, content)
  }

  const env = { ...runnerEnvironment({ ...files, apiUrl: options.apiUrl, inputs: options.inputs }), ...options.env }

  const refusalsBefore = FakeGitHub.secondaryRefusalsOfRunning()
  const child = spawn(process.execPath, [BUNDLE], { cwd: workspace, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', chunk => (stdout += chunk))
  child.stderr.on('data', chunk => (stderr += chunk))
  options.onStart?.(child)
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 90_000)
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(done => child.on('close', (code, sig) => done([code, sig])))
  clearTimeout(timer)
  const refusals = FakeGitHub.secondaryRefusalsOfRunning() - refusalsBefore
  if (refusals > 0 && !options.provokesSecondaryLimits) {
    const said = stdout.split('\n').filter(line => /secondary rate limit/i.test(line)).slice(0, 5).join('\n')
    throw new Error(`The action tripped the fake GitHub's secondary rate limit ${refusals} time(s) (900 points a minute, 100 in flight); it must stay within them.\n${said}`)
  }

  const outputs = parseOutputFile(readFileSync(outputFile, 'utf8'))
  const summary = readFileSync(summaryFile, 'utf8')
  const planFile = outputs['plan-path'] && existsSync(outputs['plan-path']) ? (JSON.parse(readFileSync(outputs['plan-path'], 'utf8')) as PlanFileJson) : undefined
  return { exitCode, signal, stdout, stderr, outputs, summary, planFile, workDir }
}
