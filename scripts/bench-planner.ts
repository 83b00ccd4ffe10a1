// Planner benchmark: deterministic container inventories (seeded PRNG) of 100,000 and 1,000,000 versions
// in one package, planned with a realistic policy. Each size runs in its own process so peak RSS is its own.
// Versions come in the REST API's order (newest first); "shuffled" also measures arbitrary order.
//   npx tsx scripts/bench-planner.ts                     # 100k and 1M, API order, and 1M shuffled
//   npx tsx scripts/bench-planner.ts 250000 [shuffled]   # one run
import { fork } from 'node:child_process'
import os from 'node:os'
import { fileURLToPath } from 'node:url'
import type { PackageInventory, PackageVersion, Policy, Rule, VersionReference } from '../src/model.js'
import { planRetention } from '../src/plan/planner.js'

const NOW = new Date('2026-06-15T12:00:00.000Z')
const DAY = 86_400_000
const SPAN_DAYS = 730

function mulberry32(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const hex64 = (n: number): string => n.toString(16).padStart(64, '0')

/** Pushes of a CI pipeline over two years: multi-arch images (index + 2–3 platforms + attestation), untagged builds, releases with signatures. */
function generate(total: number, seed = 1): PackageInventory {
  const random = mulberry32(seed)
  const versions: PackageVersion[] = []
  const references: VersionReference[] = []
  let id = 1
  let release = 0
  let pr = 0
  let nightly = 0
  const push = (tags: string[], at: number): number => {
    const iso = new Date(at).toISOString()
    // Retagging bumps updated_at for a few versions.
    const updated = random() < 0.05 ? new Date(Math.min(NOW.getTime(), at + random() * 30 * DAY)).toISOString() : iso
    versions.push({ id, name: `sha256:${hex64(id)}`, tags, createdAt: iso, updatedAt: updated })
    return id++
  }
  while (versions.length < total) {
    // Pushes spread over the span, oldest first, with jitter.
    const at = NOW.getTime() - SPAN_DAYS * DAY * (1 - versions.length / total) - random() * 3_600_000
    const kind = random()
    if (kind < 0.35) {
      push([], at) // an untagged single-arch build
      continue
    }
    const tags =
      kind < 0.7 ? [`pr-${++pr}`] : kind < 0.9 ? [`nightly-${++nightly}`] : [`v1.${Math.floor(++release / 10)}.${release % 10}`]
    const index = push(tags, at)
    const platforms = random() < 0.5 ? ['linux/amd64', 'linux/arm64'] : ['linux/amd64', 'linux/arm64', 'linux/arm/v7']
    for (const platform of platforms) references.push({ child: push([], at - 1000), parent: index, kind: 'platform', platform })
    references.push({ child: push([], at - 1000), parent: index, kind: 'attestation', platform: 'unknown/unknown' })
    if (tags[0].startsWith('v')) references.push({ child: push([`sha256-${hex64(index)}.sig`], at + 1000), parent: index, kind: 'signature' })
  }
  // The REST API lists versions newest first.
  versions.sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || b.id - a.id)
  return { package: { owner: 'acme', ownerKind: 'org', type: 'container', name: 'web' }, versions, references, unreadable: [] }
}

function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[items[i], items[j]] = [items[j], items[i]]
  }
}

function rule(name: string, match: Partial<Rule['match']>, keep: Partial<Rule['keep']> = {}): Rule {
  return { name, packages: { type: 'container', names: ['web', 'api-*', '!api-legacy'] }, match: { ageFrom: 'updated', ...match }, keep: { tags: [], versions: [], ...keep } }
}
const d = (days: number) => ({ text: `${days}d`, years: 0, months: 0, weeks: 0, days, hours: 0, minutes: 0 })

const POLICY: Policy = {
  version: 1,
  protect: { tags: ['latest', 'v1.0.*'], versions: [] },
  limits: { onLastVersion: 'keep', maxDeletions: 50_000 },
  rules: [
    rule('stale-prs', { tags: ['pr-*'], olderThan: d(30) }),
    rule('nightly', { tags: ['nightly-*'], olderThan: d(14) }, { latest: 7 }),
    rule('untagged', { untagged: true, olderThan: d(7), ageFrom: 'created' }, { latest: 10 }),
    rule('old-releases', { tags: ['v*'], olderThan: { ...d(0), text: 'P1Y', years: 1 } }, { latest: 20, tags: ['v1.1*'] })
  ]
}

function runOne(total: number, shuffled: boolean): void {
  const inventory = generate(total)
  if (shuffled) {
    const random = mulberry32(7)
    shuffle(inventory.versions, random)
    shuffle(inventory.references, random)
  }
  const rssBefore = process.memoryUsage().rss
  const cpuBefore = process.cpuUsage()
  const start = process.hrtime.bigint()
  const plan = planRetention({ policy: POLICY, inventories: [inventory], now: NOW })
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  // CPU time of all the process's threads (GC helpers included): on a busy machine wall time exceeds it.
  const cpu = process.cpuUsage(cpuBefore)
  const cpuMs = (cpu.user + cpu.system) / 1000
  const peakRss = process.resourceUsage().maxRSS * 1024 // kB → bytes
  const pkg = plan.packages[0]
  const deleted = pkg.versions.filter((v) => v.decision === 'delete').length
  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`
  console.log(
    [
      `${total.toLocaleString('en-US')} versions (${inventory.references.length.toLocaleString('en-US')} references, ${shuffled ? 'shuffled' : 'API order'}):`,
      `plan ${ms.toFixed(0)} ms = ${Math.round(total / (ms / 1000)).toLocaleString('en-US')} versions/s (CPU ${cpuMs.toFixed(0)} ms);`,
      `peak RSS ${mb(peakRss)} (RSS after generating the input ${mb(rssBefore)});`,
      `${deleted.toLocaleString('en-US')} to delete in ${pkg.groups.length.toLocaleString('en-US')} groups,`,
      `${plan.scheduled.length.toLocaleString('en-US')} groups scheduled, ${plan.deferredByCap.length.toLocaleString('en-US')} deferred`
    ].join(' ')
  )
  // The first run includes JIT warm-up; a long-lived process (or a second package) plans faster.
  if (total <= 200_000) {
    const warm = [1, 2, 3].map(() => {
      const t0 = process.hrtime.bigint()
      planRetention({ policy: POLICY, inventories: [inventory], now: NOW })
      return Number(process.hrtime.bigint() - t0) / 1e6
    })
    const best = Math.min(...warm)
    console.log(`  warm runs: ${warm.map((w) => w.toFixed(0)).join(', ')} ms; best ${Math.round(total / (best / 1000)).toLocaleString('en-US')} versions/s`)
  }
}

const [load1] = os.loadavg()
if (!process.argv[2]) console.log(`load average ${load1.toFixed(2)} on ${os.availableParallelism()} CPUs`)

const sizeArg = process.argv[2]
if (sizeArg) {
  runOne(Number(sizeArg), process.argv[3] === 'shuffled')
} else {
  const self = fileURLToPath(import.meta.url)
  const runs = [['100000'], ['1000000'], ['1000000', 'shuffled']]
  const next = (k: number): void => {
    if (k >= runs.length) return
    fork(self, runs[k], { execArgv: process.execArgv }).on('exit', (code) => {
      if (code !== 0) process.exitCode = code ?? 1
      next(k + 1)
    })
  }
  next(0)
}
