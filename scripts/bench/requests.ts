// Requests, counted exactly by kind, for the 10,000-version container package (world.ts) and a
// delete-untagged policy, against the fake, with the bundle run as the runner runs it.
//
// 1. A dry run: list pages, per-version GETs, manifest reads, token requests, and the deletions it
//    plans (every one of them would be one DELETE).
// 2. An executing run capped by max-deletions (deleting all ~6,500 at 180 a minute would take
//    36 minutes): exactly one DELETE per deleted version, nothing deleted twice, no GET per
//    version, no image left broken. Together they show the dry run's planned count is the DELETE
//    count an uncapped run makes.
//
// Both against the fake enforcing GitHub's secondary limits: a refusal is a violation.
import { FakeGitHub, multiArchImage, singleImage, type FakePackageSeed, type FakeVersionSeed, type RecordedRequest } from '../../__tests__/fake/index.js'
import { assertSucceeded, runBundle } from './action.js'
import { benchWorld, containerPackage, DELETE_UNTAGGED_POLICY, OWNER, PACKAGE, TOKEN } from './world.js'

const PER_PAGE = 100

export interface RequestCounts {
  /** Kind → count, e.g. "REST list versions pages". */
  [kind: string]: number
}

/** Manifest reads of a dry run over a smaller package, against contract 1.1's ceiling. */
export interface ReadsResult {
  versions: number
  taggedImages: number
  multiArchBuilds: number
  /** Versions no index in the package lists: with the token requests, the ceiling of the reads. */
  unlisted: number
  reads: number
  tokenRequests: number
}

export interface RequestsResult {
  versions: number
  /** Versions no index in the package lists: with the token requests, the ceiling of the manifest reads. */
  unlisted: number
  /** The 500-version package with 40 multi-arch builds and 45 tagged images. */
  small: ReadsResult
  taggedImages: number
  multiArchBuilds: number
  dryRun: RequestCounts
  /** Versions the dry run plans to delete (its planned-count). */
  planned: number
  /** What the world says a delete-untagged policy must delete. */
  expectedPlanned: number
  capped: RequestCounts & { maxDeletions: number; deletedCount: number; versionsDeletedTwice: number; brokenImages: number }
  /** Requests the fake refused with GitHub's secondary limits (900 points a minute, 100 in flight), per run. */
  secondaryRefusals: { dryRun: number; capped: number }
  /** Problems found against the targets; empty when every target holds. */
  violations: string[]
  /** Correctness observations that are not request counts (e.g. an image left broken by the cap). */
  findings: string[]
}

/** Versions whose digest no index manifest of the package lists (contract 1.1: the reads' ceiling, with token requests). */
export function unlistedVersions(versions: readonly FakeVersionSeed[]): number {
  const listed = new Set<string>()
  for (const version of versions) {
    const body = version.manifest?.body
    if (body === undefined) continue
    const parsed = JSON.parse(body) as { manifests?: { digest: string }[] }
    for (const entry of parsed.manifests ?? []) listed.add(entry.digest)
  }
  return versions.filter((version) => !listed.has(version.name ?? '')).length
}

/**
 * 500 versions with 40 multi-arch builds (2 platforms, 2 attestations) and 45 tagged images: 30
 * tagged multi-arch builds, 15 tagged single images, 10 old multi-arch builds whose tag moved on,
 * 285 untagged single images.
 */
export function smallPackage(): { seed: FakePackageSeed; taggedImages: number; multiArchBuilds: number } {
  const versions: FakeVersionSeed[] = []
  const at = (hours: number): string => new Date(Date.parse('2025-01-01T00:00:00Z') + hours * 3_600_000).toISOString()
  const build = (tags: string[], hours: number, salt: string): FakeVersionSeed[] =>
    multiArchImage({ tags, created_at: at(hours), platforms: ['linux/amd64', 'linux/arm64'], attestations: true, salt }).versions
  let hour = 0
  for (let k = 0; k < 10; k++) versions.push(...build([], (hour += 2), `old-${k}`))
  for (let k = 0; k < 285; k++) versions.push(...singleImage({ tags: [], created_at: at((hour += 1)), salt: `single-${k}` }).versions)
  for (let k = 0; k < 30; k++) versions.push(...build([`pr-${k}`], (hour += 2), `pr-${k}`))
  for (let k = 0; k < 15; k++) versions.push(...singleImage({ tags: [`v1.${k}.0`], created_at: at((hour += 1)) }).versions)
  return { seed: { owner: OWNER, package_type: 'container', name: PACKAGE, visibility: 'private', versions }, taggedImages: 45, multiArchBuilds: 40 }
}

async function benchSmallReads(bundle: string): Promise<ReadsResult> {
  const { seed, taggedImages, multiArchBuilds } = smallPackage()
  const fake = await FakeGitHub.start(benchWorld(seed))
  try {
    const inputs = { token: TOKEN, policy: DELETE_UNTAGGED_POLICY, owner: OWNER, 'registry-url': fake.url, 'dry-run': 'true' }
    assertSucceeded(await runBundle({ bundle, apiUrl: fake.url, inputs }), 'dry run over the 500-version package')
    const counts = countRequests(fake.requests)
    return {
      versions: seed.versions.length,
      taggedImages,
      multiArchBuilds,
      unlisted: unlistedVersions(seed.versions),
      reads: counts['registry GET manifest'] ?? 0,
      tokenRequests: counts['registry token'] ?? 0
    }
  } finally {
    await fake.stop()
  }
}

/** Requests by kind, from the fake's record. */
export function countRequests(requests: readonly RecordedRequest[]): RequestCounts {
  const counts: RequestCounts = {}
  const add = (kind: string): void => {
    counts[kind] = (counts[kind] ?? 0) + 1
  }
  for (const r of requests) {
    const route = r.route ?? ''
    if (r.registry) {
      // The registry's first answer is a 401 challenge (the client then fetches a token): counted apart.
      if (route.includes('/manifests/')) add(r.status === 401 ? `registry ${r.method} manifest, 401 challenge` : `registry ${r.method} manifest`)
      else if (route === '/token') add('registry token')
      else add(`registry ${r.method} ${route || r.path}`)
    } else if (r.method === 'GET' && route.endsWith('/versions')) add('REST list versions pages')
    else if (r.method === 'GET' && route.endsWith('/versions/{package_version_id}')) add('REST GET one version')
    else if (r.method === 'DELETE' && route.endsWith('/versions/{package_version_id}')) add('REST DELETE version')
    else add(`REST ${r.method} ${route || r.path}`)
  }
  return counts
}

export async function benchRequests(options: { bundle: string; maxDeletions?: number; log?: (line: string) => void }): Promise<RequestsResult> {
  const log = options.log ?? (() => {})
  const maxDeletions = options.maxDeletions ?? 30
  const { seed, shape } = containerPackage(10_000)
  const violations: string[] = []
  const findings: string[] = []
  const inputs = { token: TOKEN, policy: DELETE_UNTAGGED_POLICY, owner: OWNER, 'max-deletes-per-minute': '180' }

  // 1. Dry run.
  let fake = await FakeGitHub.start(benchWorld(seed))
  const secondaryRefusals = { dryRun: 0, capped: 0 }
  let dryRun: RequestCounts
  let planned: number
  try {
    log(`requests: dry run over ${shape.versions} versions`)
    const run = await runBundle({ bundle: options.bundle, apiUrl: fake.url, inputs: { ...inputs, 'registry-url': fake.url, 'dry-run': 'true' } })
    assertSucceeded(run, 'dry run')
    dryRun = countRequests(fake.requests)
    planned = Number(run.outputs['planned-count'])
    secondaryRefusals.dryRun = fake.secondaryRefusals
    if (fake.mutations().length > 0) violations.push(`the dry run made ${fake.mutations().length} mutating request(s)`)
  } finally {
    await fake.stop()
  }

  // 2. Executing run, capped.
  fake = await FakeGitHub.start(benchWorld(containerPackage(10_000).seed))
  let capped: RequestsResult['capped']
  try {
    log(`requests: executing run capped at max-deletions ${maxDeletions}`)
    const run = await runBundle({
      bundle: options.bundle,
      apiUrl: fake.url,
      inputs: { ...inputs, 'registry-url': fake.url, 'dry-run': 'false', 'max-deletions': String(maxDeletions) }
    })
    assertSucceeded(run, 'capped executing run')
    const counts = countRequests(fake.requests)
    secondaryRefusals.capped = fake.secondaryRefusals
    const deletedIds = fake.requests.filter((r) => r.method === 'DELETE').map((r) => r.path)
    const deletedTwice = deletedIds.length - new Set(deletedIds).size
    const gone = seed.versions.length - fake.versions(OWNER, 'container', PACKAGE).length
    capped = {
      ...counts,
      maxDeletions,
      deletedCount: Number(run.outputs['deleted-count']),
      versionsDeletedTwice: deletedTwice,
      brokenImages: fake.brokenImages().length
    }
    const deletes = counts['REST DELETE version'] ?? 0
    if (deletes !== capped.deletedCount) violations.push(`capped run: ${deletes} DELETEs for ${capped.deletedCount} deleted versions`)
    if (gone !== capped.deletedCount) violations.push(`capped run: ${gone} versions gone from the fake, deleted-count says ${capped.deletedCount}`)
    if (deletedTwice > 0) violations.push(`capped run: ${deletedTwice} version(s) DELETEd more than once`)
    if (capped.brokenImages > 0) violations.push(`capped run: ${capped.brokenImages} index(es) left listing deleted manifests: the cap split a group`)
    // A dry run reads exactly what the same run executing reads.
    if ((counts['registry GET manifest'] ?? 0) !== (dryRun['registry GET manifest'] ?? 0)) {
      violations.push(`the executing run read ${counts['registry GET manifest'] ?? 0} manifests, the dry run ${dryRun['registry GET manifest'] ?? 0}`)
    }
    if (capped.deletedCount > maxDeletions || capped.deletedCount === 0) violations.push(`capped run: deleted ${capped.deletedCount} with max-deletions ${maxDeletions}`)
  } finally {
    await fake.stop()
  }

  // One pass over the pages, then the closing look reads page 1 again (contract 1.2's last look).
  const expectedPages = Math.ceil(shape.versions / PER_PAGE) + 1
  if (dryRun['REST list versions pages'] !== expectedPages) violations.push(`list pages: ${dryRun['REST list versions pages']}, expected ceil(${shape.versions}/100) + 1 (the closing look) = ${expectedPages}`)
  if (dryRun['REST GET one version']) violations.push(`${dryRun['REST GET one version']} per-version GET(s) in the dry run`)
  // Contract 1.1's ceiling: no more reads than the versions no index lists, plus the registry's token requests.
  const reads = dryRun['registry GET manifest'] ?? 0
  const unlisted = unlistedVersions(seed.versions)
  const ceiling = unlisted + (dryRun['registry token'] ?? 0)
  if (reads > ceiling) violations.push(`${reads} manifest reads for ${shape.versions} versions: more than the ${unlisted} versions no index lists plus token requests (${ceiling})`)
  const small = await benchSmallReads(options.bundle)
  if (small.reads > small.unlisted + small.tokenRequests) {
    violations.push(`${small.reads} manifest reads for the ${small.versions}-version package: more than the ${small.unlisted} versions no index lists plus token requests`)
  }
  for (const [which, refusals] of Object.entries(secondaryRefusals)) {
    if (refusals > 0) violations.push(`${which === 'dryRun' ? 'dry run' : 'capped run'}: ${refusals} request(s) refused by the secondary rate limit (900 points a minute, 100 in flight)`)
  }
  if (planned !== shape.untaggedToDelete) violations.push(`planned ${planned} deletions, the world has ${shape.untaggedToDelete} untagged versions to delete`)
  return {
    versions: shape.versions,
    unlisted,
    small,
    taggedImages: shape.taggedImages,
    multiArchBuilds: shape.multiArchBuilds,
    dryRun,
    planned,
    expectedPlanned: shape.untaggedToDelete,
    capped,
    secondaryRefusals,
    violations,
    findings
  }
}

export function formatRequests(r: RequestsResult): string {
  const lines = [
    `${r.versions.toLocaleString('en-US')} versions (${r.taggedImages} tagged images, ${r.multiArchBuilds} multi-arch builds), delete-untagged policy`,
    '  dry run:',
    ...Object.entries(r.dryRun)
      .sort()
      .map(([kind, count]) => `    ${kind}: ${count}`),
    `    planned deletions: ${r.planned} (expected ${r.expectedPlanned}), each one DELETE when executed`,
    `  executing run, max-deletions ${r.capped.maxDeletions}:`,
    ...Object.entries(r.capped)
      .filter(([kind]) => kind.includes(' '))
      .sort()
      .map(([kind, count]) => `    ${kind}: ${count}`),
    `    deleted-count ${r.capped.deletedCount}; versions DELETEd twice ${r.capped.versionsDeletedTwice}; broken images ${r.capped.brokenImages}`,
    `  manifest reads: ${r.dryRun['registry GET manifest'] ?? 0}; ceiling ${r.unlisted} versions no index lists + ${r.dryRun['registry token'] ?? 0} token request(s)`,
    `${r.small.versions} versions (${r.small.taggedImages} tagged images, ${r.small.multiArchBuilds} multi-arch builds), delete-untagged dry run: ` +
      `${r.small.reads} manifest reads; ceiling ${r.small.unlisted} versions no index lists + ${r.small.tokenRequests} token request(s)`,
    `  secondary-limit refusals: dry run ${r.secondaryRefusals.dryRun}, capped run ${r.secondaryRefusals.capped}`,
    r.violations.length === 0 ? '  targets: met' : `  TARGETS MISSED:\n${r.violations.map((v) => `    - ${v}`).join('\n')}`,
    ...r.findings.map((f) => `  finding: ${f}`)
  ]
  return lines.join('\n')
}
