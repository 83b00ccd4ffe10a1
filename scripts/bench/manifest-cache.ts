// The cross-run manifest cache, measured (`npx tsx scripts/bench/manifest-cache.ts [--bundle=…]`;
// not part of `npm test` nor of `npm run bench`). For the 10,000-version package of world.ts and a
// ~500-version package, against the fake GitHub (20 ms on every request, as the wall benchmark) and
// the fake Actions cache service:
//
//   1. a first dry run with the cache: every manifest the plan needs is read, and saved;
//   2. the package one push later (new tagged multi-arch images): a second dry run with the cache
//      reads only what is new, beside the same dry run without the cache (`manifest-cache: false`).
//
// Figures: registry manifest GETs answered 200 (each one a download of a public image), the span
// from the first to the last manifest GET at the fake, and the run's wall time.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FakeActionsCache } from '../../__tests__/fake/actions-cache.js'
import { FakeGitHub, multiArchImage, singleImage, type FakePackageSeed, type FakeVersionSeed } from '../../__tests__/fake/index.js'
import { assertSucceeded, bundlePath, runBundle } from './action.js'
import { benchWorld, containerPackage, DELETE_UNTAGGED_POLICY, OWNER, PACKAGE, TOKEN } from './world.js'

const LATENCY_MS = 20
const BASE = Date.parse('2025-06-01T00:00:00Z')
const at = (hours: number): string => new Date(BASE + hours * 3_600_000).toISOString()

/** About 500 versions: 45 tagged multi-arch images (some attested), old untagged builds, untagged singles. */
function smallPackage(): FakePackageSeed {
  const versions: FakeVersionSeed[] = []
  const platforms = ['linux/amd64', 'linux/arm64']
  for (let k = 0; k < 45; k++) versions.push(...multiArchImage({ tags: [`v0.${k}.0`], created_at: at(k * 5), platforms, attestations: k % 3 === 0 }).versions)
  for (let k = 0; versions.length < 400; k++) versions.push(...multiArchImage({ tags: [], created_at: at(300 + k), platforms, salt: `moved-${k}` }).versions)
  for (let k = 0; versions.length < 500; k++) versions.push(...singleImage({ tags: [], created_at: at(400 + k), salt: `single-${k}` }).versions)
  return { owner: OWNER, package_type: 'container', name: PACKAGE, visibility: 'public', versions }
}

/** The package one push later: `count` new tagged multi-arch images, newest of all. */
function pushed(pkg: FakePackageSeed, count: number): { pkg: FakePackageSeed; newTagged: number } {
  const images = Array.from({ length: count }, (_, k) =>
    multiArchImage({ tags: [`pr-new-${k}`], created_at: new Date(Date.now() - (count - k) * 60_000).toISOString(), platforms: ['linux/amd64', 'linux/arm64'], salt: `new-${k}` })
  )
  return { pkg: { ...pkg, versions: [...pkg.versions, ...images.flatMap((image) => image.versions)] }, newTagged: images.length }
}

interface RunFigures {
  manifestGets: number
  manifestSpanMs: number
  wallMs: number
  fromCache: number
  planned: number
}

interface CacheBenchResult {
  label: string
  versions: number
  first: RunFigures
  newTaggedImages: number
  secondWithCache: RunFigures
  secondWithoutCache: RunFigures
  entryBytes: number
}

async function dryRun(bundle: string, fake: FakeGitHub, env: Record<string, string>, inputs: Record<string, string> = {}): Promise<RunFigures> {
  fake.resetRequests()
  const run = await runBundle({
    bundle,
    apiUrl: fake.url,
    env,
    inputs: { token: TOKEN, policy: DELETE_UNTAGGED_POLICY, owner: OWNER, 'registry-url': fake.url, 'dry-run': 'true', ...inputs },
    timeoutMs: 300_000
  })
  assertSucceeded(run, 'manifest cache dry run')
  const gets = fake.registryRequests().filter((r) => r.method === 'GET' && (r.route ?? r.path).includes('/manifests/') && r.status === 200)
  const times = gets.map((r) => r.at)
  return {
    manifestGets: gets.length,
    manifestSpanMs: times.length > 0 ? Math.max(...times) - Math.min(...times) : 0,
    wallMs: run.exitedAt - run.spawnedAt,
    fromCache: run.planFile?.requests?.['manifests from the cache'] ?? 0,
    planned: Number(run.outputs['planned-count'])
  }
}

async function benchOne(bundle: string, label: string, pkg: FakePackageSeed, log: (line: string) => void): Promise<CacheBenchResult> {
  const root = mkdtempSync(join(tmpdir(), 'package-retention-cache-bench-'))
  // The runner's paths are the same for every job of a runner image; the entry's version hashes them.
  const paths = { RUNNER_TEMP: join(root, 'runner-temp'), GITHUB_WORKSPACE: join(root, 'workspace') }
  for (const path of Object.values(paths)) mkdirSync(path, { recursive: true })
  const service = await FakeActionsCache.start()
  const env = (runId: string): Record<string, string> => ({ ...service.env, ...paths, GITHUB_RUN_ID: runId, GITHUB_RUN_ATTEMPT: '1' })
  const faults = { seed: 1, latencyMs: LATENCY_MS }
  try {
    let fake = await FakeGitHub.start(benchWorld(pkg, { faults }))
    let first: RunFigures
    try {
      log(`manifest cache, ${label}: first dry run (cache empty)`)
      first = await dryRun(bundle, fake, env('1'))
    } finally {
      await fake.stop()
    }
    const later = pushed(pkg, 5)
    fake = await FakeGitHub.start(benchWorld(later.pkg, { faults }))
    try {
      log(`manifest cache, ${label}: after a push of ${later.newTagged} images, a dry run with the cache and one without`)
      const secondWithCache = await dryRun(bundle, fake, env('2'))
      const secondWithoutCache = await dryRun(bundle, fake, env('3'), { 'manifest-cache': 'false' })
      const entryBytes = service.entries().at(-1)?.archive?.length ?? 0
      return { label, versions: pkg.versions.length, first, newTaggedImages: later.newTagged, secondWithCache, secondWithoutCache, entryBytes }
    } finally {
      await fake.stop()
    }
  } finally {
    await service.stop()
    rmSync(root, { recursive: true, force: true })
  }
}

function format(r: CacheBenchResult): string {
  const figures = (f: RunFigures): string =>
    `${f.manifestGets} manifest GETs over ${(f.manifestSpanMs / 1000).toFixed(2)} s, ${f.fromCache} from the cache, run ${(f.wallMs / 1000).toFixed(2)} s, planned ${f.planned}`
  return [
    `${r.label}: ${r.versions.toLocaleString('en-US')} versions`,
    `  first run, cache empty:        ${figures(r.first)}`,
    `  + ${r.newTaggedImages} new multi-arch images:`,
    `  second run with the cache:     ${figures(r.secondWithCache)}`,
    `  second run without the cache:  ${figures(r.secondWithoutCache)}`,
    `  cache entry: ${(r.entryBytes / 1024).toFixed(0)} KiB compressed`
  ].join('\n')
}

const bundleFlag = process.argv.find((arg) => arg.startsWith('--bundle='))?.slice('--bundle='.length)
const bundle = bundlePath(bundleFlag)
const log = (line: string): void => console.log(`· ${line}`)
const results = [await benchOne(bundle, '10,000-version package', containerPackage(10_000).seed, log), await benchOne(bundle, '~500-version package', smallPackage(), log)]
console.log(results.map(format).join('\n\n'))
for (const r of results) {
  // Unchanged versions must all come from the cache: only the new images' manifests are read.
  if (r.secondWithCache.manifestGets !== r.newTaggedImages) {
    console.log(`NOT MET (${r.label}): ${r.secondWithCache.manifestGets} manifest GETs with the cache, expected ${r.newTaggedImages} (the new images)`)
    process.exitCode = 1
  }
  if (r.secondWithCache.planned !== r.secondWithoutCache.planned) {
    console.log(`NOT MET (${r.label}): the plan differs with the cache (${r.secondWithCache.planned} vs ${r.secondWithoutCache.planned} planned)`)
    process.exitCode = 1
  }
}
