// Cold start: from spawning `node <bundle>` (as the runner does) to the first API request reaching
// a local server, on Node 24 (what `runs.using: node24` runs) and on this machine's Node; and the
// bundle's size. The first request comes after reading the inputs and validating the policy (YAML,
// JSON Schema), so this is the time a run pays before it does anything.
//
// Node 24 comes from the npm registry's `node` package, installed once into
// node_modules/.cache/package-retention-bench/node24 (or give --node24 PATH / BENCH_NODE24).
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { ROOT } from './action.js'
import { DELETE_UNTAGGED_POLICY, OWNER, TOKEN } from './world.js'

export const NODE24_CACHE = join(ROOT, 'node_modules', '.cache', 'package-retention-bench', 'node24')

/** A Node 24 binary: the given path, or the cached install (made on first use through npm). */
export function node24Binary(given?: string, log: (line: string) => void = () => {}): string {
  const explicit = given ?? process.env.BENCH_NODE24
  if (explicit) return explicit
  const binary = join(NODE24_CACHE, 'node_modules', 'node', 'bin', 'node')
  if (!existsSync(binary)) {
    log(`cold start: installing node@24 from the npm registry into ${NODE24_CACHE}`)
    mkdirSync(NODE24_CACHE, { recursive: true })
    execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', NODE24_CACHE, 'node@24'], { stdio: 'ignore' })
  }
  return binary
}

export function nodeVersion(binary: string): string {
  return execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim()
}

export interface ColdStartResult {
  node: string
  runs: number
  /** Spawn → first request, in ms. */
  medianMs: number
  minMs: number
  maxMs: number
}

/** One spawn: ms from spawn to the first request at `server` (then the child is killed). */
async function oneStart(node: string, bundle: string, apiUrl: string, firstRequest: () => Promise<number>): Promise<number> {
  const workDir = mkdtempSync(join(tmpdir(), 'package-retention-cold-'))
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: workDir,
    GITHUB_ACTIONS: 'true',
    GITHUB_API_URL: apiUrl,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY_OWNER: OWNER,
    GITHUB_WORKSPACE: workDir,
    RUNNER_TEMP: workDir,
    INPUT_TOKEN: TOKEN,
    INPUT_POLICY: DELETE_UNTAGGED_POLICY,
    'INPUT_DRY-RUN': 'true',
    'INPUT_REGISTRY-URL': apiUrl
  }
  const arrived = firstRequest()
  const spawnedAt = performance.now()
  const child = spawn(node, [bundle], { cwd: workDir, env, stdio: 'ignore' })
  const exited = new Promise<void>((done) => child.on('close', () => done()))
  const at = await Promise.race([arrived, exited.then(() => Number.NaN)])
  child.kill('SIGKILL')
  await exited
  rmSync(workDir, { recursive: true, force: true })
  if (Number.isNaN(at)) throw new Error(`cold start: ${node} ${bundle} exited before making any request`)
  return at - spawnedAt
}

/** One node binary running one script (the bundle, or the floor script). */
export interface ColdStartSubject {
  node: string
  script: string
}

/**
 * Spawn → first request for each subject, `runs` times, the subjects taking turns (one start of
 * each per round) so that a noisy machine's drift falls on all of them alike; one unmeasured round
 * first fills the OS file cache with the binaries and scripts.
 */
export async function benchColdStarts(subjects: readonly ColdStartSubject[], runs = 15): Promise<ColdStartResult[]> {
  let waiting: ((at: number) => void) | undefined
  const server = http.createServer((req, res) => {
    const at = performance.now()
    waiting?.(at)
    waiting = undefined
    req.resume()
    res.writeHead(503, { 'content-type': 'application/json' }).end('{"message":"benchmark"}')
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const times = subjects.map((): number[] => [])
  try {
    for (let round = 0; round <= runs; round++) {
      for (const [k, subject] of subjects.entries()) {
        const ms = await oneStart(subject.node, subject.script, apiUrl, () => new Promise<number>((done) => (waiting = done)))
        if (round > 0) times[k].push(ms)
      }
    }
  } finally {
    server.closeAllConnections()
    await new Promise<void>((done) => server.close(() => done()))
  }
  return subjects.map((subject, k) => {
    const sorted = times[k].sort((a, b) => a - b)
    return { node: nodeVersion(subject.node), runs, medianMs: sorted[Math.floor(sorted.length / 2)], minMs: sorted[0], maxMs: sorted[sorted.length - 1] }
  })
}

/**
 * The floor on this machine: a script that does nothing but one fetch to the same server (Node's
 * start-up, its fetch's first use, the loopback connection). What a bundle takes beyond it is its own.
 */
export function floorScript(): string {
  const dir = mkdtempSync(join(tmpdir(), 'package-retention-floor-'))
  const file = join(dir, 'floor.mjs')
  writeFileSync(file, "await fetch(`${process.env.GITHUB_API_URL}/rate_limit`).catch(() => {})\n")
  return file
}

/** The stack-only script (stack-start.ts) bundled by ncc, as the action is; returns the bundle's path. */
export function stackBundle(): string {
  const out = mkdtempSync(join(tmpdir(), 'package-retention-stack-'))
  execFileSync(join(ROOT, 'node_modules', '.bin', 'ncc'), ['build', join(ROOT, 'scripts', 'bench', 'stack-start.ts'), '-o', out, '--target', 'es2022', '--quiet'], { stdio: 'ignore' })
  return join(out, 'index.js')
}

export function bundleSize(bundle: string): number {
  return statSync(bundle).size
}
