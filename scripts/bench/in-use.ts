// protect.in-use: what the workspace scan and the protection in the planner cost. Not part of
// `npm test`; run with `npx tsx scripts/bench/in-use.ts [--runs=7] [--files=5000] [--versions=100000]`,
// or `npx tsx scripts/bench/in-use.ts --hostile [--only=NAME]` for the worst shapes alone.
//
//   hostile   the contract's bound (200 MiB of matched text, any shape, under 60 s and 512 MB):
//             runs of blank lines after a registry host (300 KB, 1 MB, 200 MiB), a 60 MiB and a
//             150 MiB YAML, 1 MiB lines, a 150 MiB one-line JSON, 200 MiB of every shape at once;
//             each scanned in a fresh process, reporting wall and CPU time and peak memory (RSS)
//
//   scan      a generated 5,000-file workspace (Kubernetes manifests, Helm values, Compose files,
//             workflows, source files, a few binaries, a .git directory), scanned with targeted
//             globs and with `**` (every file); median, min and max of --runs scans
//   planner   the benchmark's 100,000-version package planned with and without 500 in-use
//             references (tags and digests of that package), interleaved, best and median of --runs
import { execFileSync } from 'node:child_process'
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { seededRandom } from '../../__tests__/fake/random.js'
import { scanImagesInUse, type InUseScan } from '../../src/inventory/in-use.js'
import type { InUseReference } from '../../src/model.js'
import { planRetention } from '../../src/plan/planner.js'
import { BENCH_POLICY, generateInventory, NOW } from './generate.js'

const HOST = 'ghcr.io'
const OWNER = 'acme'

function flag(name: string, fallback: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`))
  return arg ? Number(arg.split('=')[1]) : fallback
}

// ---------------------------------------------------------------- the workspace

const hex = (random: () => number, length: number): string => Array.from({ length }, () => Math.floor(random() * 16).toString(16)).join('')

/**
 * A monorepo-like workspace of `total` files: a tenth deploy files naming images, the rest source,
 * docs and a .git directory of binary objects. Deterministic.
 */
export function makeWorkspace(root: string, total: number): { files: number; bytes: number } {
  const random = seededRandom(11)
  let bytes = 0
  const write = (path: string, content: string | Buffer): void => {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), content)
    bytes += Buffer.byteLength(content)
  }
  const image = (): string => {
    const name = ['web', 'api', 'worker', 'team/cron'][Math.floor(random() * 4)]
    return random() < 0.2 ? `${HOST}/${OWNER}/${name}@sha256:${hex(random, 64)}` : `${HOST}/${OWNER}/${name}:1.${Math.floor(random() * 40)}.${Math.floor(random() * 10)}`
  }
  let files = 0
  for (let k = 0; files < total; k++) {
    const service = `svc-${k % 50}`
    if (k % 10 === 0) {
      const containers = Array.from({ length: 3 }, (_, c) => `        - name: c${c}\n          image: ${image()}\n          ports: [{ containerPort: 8080 }]\n`).join('')
      write(`deploy/${service}/deployment-${k}.yaml`, `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${service}\nspec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n${containers}`)
    } else if (k % 10 === 1) {
      write(`charts/${service}-${k}/values.yaml`, `replicaCount: 1\nimage:\n  repository: ${HOST}/${OWNER}/web\n  tag: "1.${k % 40}.0"\nresources: {}\n`)
    } else if (k % 10 === 2) {
      write(`compose/${service}-${k}.yaml`, `services:\n  app:\n    image: ${image()}\n  db:\n    image: postgres:17\n`)
    } else if (k % 10 === 3) {
      write(`.github/workflows/ci-${k}.yml`, `on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    container: ${image()}\n    steps:\n      - run: make test\n`)
    } else if (k % 10 === 4) {
      // git's objects: compressed, binary.
      write(`.git/objects/${hex(random, 2)}/${hex(random, 38)}`, Buffer.from(Array.from({ length: 2000 }, () => Math.floor(random() * 256))))
    } else {
      const lines = Array.from({ length: 120 }, (_, l) => `export function f${l}(x: number): number { return x * ${l} + ${Math.floor(random() * 1000)} }`)
      write(`src/${service}/module-${k}.ts`, `${lines.join('\n')}\n`)
    }
    files++
  }
  return { files, bytes }
}

function stats(values: number[]): { median: number; min: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b)
  return { median: sorted[Math.floor(sorted.length / 2)], min: sorted[0], max: sorted[sorted.length - 1] }
}

async function timeScan(root: string, globs: string[], runs: number): Promise<{ ms: ReturnType<typeof stats>; cpuMs: ReturnType<typeof stats>; scan: InUseScan }> {
  const times: number[] = []
  const cpuTimes: number[] = []
  let scan: InUseScan | undefined
  // One unmeasured scan: the page cache holds the files afterwards, as on a runner right after checkout.
  await scanImagesInUse({ workspace: root, globs, registryHost: HOST, owner: OWNER })
  for (let k = 0; k < runs; k++) {
    const start = performance.now()
    const cpu = process.cpuUsage()
    scan = await scanImagesInUse({ workspace: root, globs, registryHost: HOST, owner: OWNER })
    times.push(performance.now() - start)
    const used = process.cpuUsage(cpu)
    cpuTimes.push((used.user + used.system) / 1000)
  }
  return { ms: stats(times), cpuMs: stats(cpuTimes), scan: scan! }
}

// ---------------------------------------------------------------- hostile shapes

const MiB = 1024 * 1024

/** Writes `bytes` of text (ASCII) made by `part(k)`, streaming (the generator holds one part at a time). */
function writeShape(path: string, bytes: number, part: (k: number) => string, head = '', tail = ''): void {
  mkdirSync(dirname(path), { recursive: true })
  const fd = openSync(path, 'w')
  const body = bytes - tail.length
  let written = writeSync(fd, head)
  for (let k = 0; written < body; k++) {
    const text = part(k)
    written += writeSync(fd, text.length > body - written ? text.slice(0, body - written) : text)
  }
  writeSync(fd, tail)
  closeSync(fd)
}

const yamlDocument = (k: number): string =>
  `---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: svc-${k}, labels: {app: svc-${k}}}\nspec:\n  template:\n    spec:\n      containers:\n` +
  `        - name: app\n          image: ${HOST}/${OWNER}/web:1.${k % 500}.0\n          env:\n            - {name: SIDECAR, value: "${HOST}/${OWNER}/proxy"}\n` +
  `        - name: helm\n          image:\n            repository: ${HOST}/${OWNER}/api\n            tag: "2.${k % 300}"\n          args: ["--port", "8080"]\n`
const jsonEntry = (k: number): string => `{"name":"svc-${k}","image":{"repository":"${HOST}\\/${OWNER}\\/api","tag":"3.${k % 400}"},"replicas":${k % 5}},`
const longLine = (k: number): string => `${Array.from({ length: 1024 * 1024 / 40 }, (_, i) => `${HOST}/${OWNER}/web:${(k * 7 + i) % 1000}`).join(' ')}\n`
const blank = (): string => '\n'.repeat(MiB)

export const HOSTILE_SHAPES: Record<string, (root: string) => void> = {
  'blank lines after a host, 300 KB': (root) => writeShape(join(root, 'values.yaml'), 300 * 1024, () => '\n'.repeat(1024), `image:\n  repository: ${HOST}`),
  'blank lines after a host, 1 MB': (root) => writeShape(join(root, 'values.yaml'), MiB, () => '\n'.repeat(1024), `image:\n  repository: ${HOST}`),
  'blank lines after a host, 200 MiB': (root) => writeShape(join(root, 'values.yaml'), 200 * MiB, blank, `image:\n  repository: ${HOST}`),
  'YAML, 60 MiB': (root) => writeShape(join(root, 'deploy.yaml'), 60 * MiB, yamlDocument),
  'YAML, 150 MiB': (root) => writeShape(join(root, 'deploy.yaml'), 150 * MiB, yamlDocument),
  '1 MiB lines, 200 MiB': (root) => writeShape(join(root, 'images-in-use.txt'), 200 * MiB, longLine),
  'one-line JSON, 150 MiB': (root) => writeShape(join(root, 'values.json'), 150 * MiB, jsonEntry, '{"services":[', '{}]}'),
  'every shape, 200 MiB in 4 files': (root) => {
    writeShape(join(root, 'a/deploy.yaml'), 50 * MiB, yamlDocument)
    writeShape(join(root, 'b/values.json'), 50 * MiB, jsonEntry, '[', '{}]')
    writeShape(join(root, 'c/images-in-use.txt'), 50 * MiB, longLine)
    writeShape(join(root, 'd/values.yaml'), 50 * MiB - 64, blank, `image: ${HOST}`)
  }
}

/** In the child process: one scan of the workspace, its cost as JSON on stdout. */
async function measureChild(root: string): Promise<void> {
  const baselineMB = process.memoryUsage().rss / MiB
  const start = performance.now()
  const scan = await scanImagesInUse({ workspace: root, globs: ['**'], registryHost: HOST, owner: OWNER })
  const ms = performance.now() - start
  const usage = process.resourceUsage()
  console.log(JSON.stringify({ ms, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, maxRssMB: usage.maxRSS / 1024, baselineMB, mib: scan.bytesRead / MiB, references: scan.references.length }))
}

function hostile(): void {
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length)
  console.log(`Node ${process.version}; each shape scanned once in a fresh process (the bound: under 60 s and 512 MB)`)
  for (const [name, make] of Object.entries(HOSTILE_SHAPES)) {
    if (only && !name.includes(only)) continue
    const root = mkdtempSync(join(tmpdir(), 'bench-in-use-hostile-'))
    try {
      make(root)
      const out = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), `--child=${root}`], { encoding: 'utf8', maxBuffer: 1 << 20 })
      const r = JSON.parse(out.trim().split('\n').at(-1)!) as { ms: number; cpuMs: number; maxRssMB: number; baselineMB: number; mib: number; references: number }
      console.log(
        `${name}: ${(r.ms / 1000).toFixed(1)} s wall, ${(r.cpuMs / 1000).toFixed(1)} s CPU (process), peak RSS ${r.maxRssMB.toFixed(0)} MB ` +
          `(${r.baselineMB.toFixed(0)} MB before the scan); ${r.mib.toFixed(1)} MiB read, ${r.references.toLocaleString('en-US')} distinct references`
      )
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  }
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
const runs = flag('runs', 7)
const total = flag('files', 5000)
const versions = flag('versions', 100_000)
console.log(`Node ${process.version}; ${runs} runs each`)

const root = mkdtempSync(join(tmpdir(), 'bench-in-use-'))
try {
  const made = makeWorkspace(root, total)
  console.log(`workspace: ${made.files.toLocaleString('en-US')} files, ${(made.bytes / 1024 / 1024).toFixed(1)} MiB`)
  const targeted = ['deploy/**/*.yaml', 'charts/*/values.yaml', 'compose/*.yaml', '.github/workflows/*.yml']
  for (const [label, globs] of [['targeted globs', targeted], ['"**" (every file)', ['**']]] as const) {
    const { ms, cpuMs, scan } = await timeScan(root, [...globs], runs)
    console.log(
      `scan, ${label}: median ${ms.median.toFixed(0)} ms (min ${ms.min.toFixed(0)}, max ${ms.max.toFixed(0)}), CPU median ${cpuMs.median.toFixed(0)} ms; ` +
        `${scan.textFiles.toLocaleString('en-US')} text files, ${scan.binaryFiles} binary skipped, ${(scan.bytesRead / 1024 / 1024).toFixed(1)} MiB read, ` +
        `${scan.references.length.toLocaleString('en-US')} references`
    )
  }
} finally {
  rmSync(root, { recursive: true, force: true })
}

// The planner with references to this package: every 200th tagged version by tag, every 200th version by digest.
const { inventory } = generateInventory(versions)
const inUse: InUseReference[] = []
inventory.versions.forEach((v, k) => {
  if (inUse.length >= 500) return
  if (v.tags.length > 0 && k % 200 === 0) inUse.push({ file: 'deploy/prod.yaml', line: k, package: 'web', tag: v.tags[0] })
  else if (k % 200 === 100) inUse.push({ file: 'images-in-use.txt', line: 1, package: 'web', digest: v.name })
})
const planOnce = (withInUse: boolean): number => {
  const start = performance.now()
  planRetention({ policy: BENCH_POLICY, inventories: [inventory], now: NOW, ...(withInUse && { inUse }) })
  return performance.now() - start
}
planOnce(false)
planOnce(true)
const without: number[] = []
const withRefs: number[] = []
for (let k = 0; k < Math.max(runs, 9); k++) {
  without.push(planOnce(false))
  withRefs.push(planOnce(true))
}
const a = stats(without)
const b = stats(withRefs)
console.log(
  `planner, ${versions.toLocaleString('en-US')} versions: without in-use median ${a.median.toFixed(0)} ms (best ${a.min.toFixed(0)}), ` +
    `with ${inUse.length} references median ${b.median.toFixed(0)} ms (best ${b.min.toFixed(0)}): ${((b.median / a.median - 1) * 100).toFixed(1)} %`
)
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const child = process.argv.find((a) => a.startsWith('--child='))
  if (child) await measureChild(child.slice('--child='.length))
  else if (process.argv.includes('--hostile')) hostile()
  else await main()
}
