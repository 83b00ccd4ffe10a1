// End-to-end for the cross-run manifest cache: the bundled action against the fake GitHub and the
// fake Actions cache service (Twirp API + blob upload/download, as @actions/cache speaks to it). The
// runs of one test share the runner's paths (RUNNER_TEMP, GITHUB_WORKSPACE), as jobs on one runner
// image do; the cache entry moves between them only through the fake service.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { FakeActionsCache } from '../fake/actions-cache.js'
import { bombArchive, firstFileName, unpackArchive, withMembers } from '../fake/cache-archives.js'
import { FakeGitHub, multiArchImage, singleImage, type FakePackageSeed } from '../fake/index.js'
import { runAction, type ActionRun } from './run-action.js'
import { PAT, daysAgo, world } from './world.js'

const POLICY = `version: 1
protect:
  tags: ["latest", "v*"]
rules:
  - name: stale-pr
    packages: { type: container, names: ["web"] }
    match: { tags: ["pr-*"], older-than: 10d }
  - name: untagged
    packages: { type: container, names: ["web"] }
    match: { untagged: true, older-than: 7d }
`

const platforms = ['linux/amd64', 'linux/arm64']
const latest = multiArchImage({ tags: ['latest'], created_at: daysAgo(1), platforms, attestations: true })
const release = multiArchImage({ tags: ['v1.0'], created_at: daysAgo(120), platforms })
const prImages = [1, 2, 3].map(i => multiArchImage({ tags: [`pr-${i}`], created_at: daysAgo(60 - i), platforms, salt: `pr-${i}` }))
// A kept untagged index: read in the planning rounds, not with the tagged ones.
const untaggedBuild = multiArchImage({ tags: [], created_at: daysAgo(2), platforms, salt: 'untagged' })
const oldUntagged = singleImage({ tags: [], created_at: daysAgo(40), salt: 'u1' })
const images = [latest, release, ...prImages, untaggedBuild, oldUntagged]

function webPackage(extra: typeof images = []): FakePackageSeed {
  return { owner: 'acme', package_type: 'container', name: 'web', visibility: 'public', versions: [...images, ...extra].flatMap(image => image.versions) }
}

/** Paths the runs of one test share, as jobs on the same runner image do. */
function runnerPaths(): Record<string, string> {
  const root = mkdtempSync(join(tmpdir(), 'package-retention-cache-'))
  const paths = { RUNNER_TEMP: join(root, 'runner-temp'), GITHUB_WORKSPACE: join(root, 'workspace') }
  for (const path of Object.values(paths)) mkdirSync(path, { recursive: true })
  return paths
}

interface CacheRunOptions {
  service?: FakeActionsCache
  runId?: string
  paths: Record<string, string>
  inputs?: Record<string, string>
}

function run(fake: FakeGitHub, { service, runId = '1', paths, inputs = {} }: CacheRunOptions): Promise<ActionRun> {
  return runAction({
    apiUrl: fake.url,
    inputs: { token: PAT, policy: POLICY, 'registry-url': fake.url, ...inputs },
    env: { ...(service?.env ?? {}), GITHUB_RUN_ID: runId, GITHUB_RUN_ATTEMPT: '1', ...paths }
  })
}

/** Manifests the fake registry served (each one a download of a public image). */
function manifestDownloads(fake: FakeGitHub): string[] {
  return fake
    .registryRequests()
    .filter(r => r.method === 'GET' && r.path.includes('/manifests/') && r.status === 200)
    .map(r => r.path.slice(r.path.lastIndexOf('/') + 1))
}

/** Every version's decision and reason: what must not change with the cache. */
function decisions(result: ActionRun): string[] {
  return result.planFile!.packages.flatMap(p => p.versions.map(v => `${v.name} ${v.decision} ${v.reason}`)).sort()
}

function cacheLines(result: ActionRun): string[] {
  return result.stdout.split('\n').filter(line => line.includes('Manifest cache:'))
}

describe('manifest cache through the Actions cache service', () => {
  let fake: FakeGitHub
  let service: FakeActionsCache
  beforeEach(async () => {
    fake = await FakeGitHub.start(world([webPackage()]))
    service = await FakeActionsCache.start()
  })
  afterEach(async () => {
    await fake.stop()
    await service.stop()
  })

  test('a first run saves; a second run restores it and downloads no manifest it already has; the plan is the same', async () => {
    const paths = runnerPaths()
    const first = await run(fake, { service, runId: '101', paths })
    expect(first.exitCode).toBe(0)
    const firstReads = manifestDownloads(fake)
    expect(firstReads.length).toBeGreaterThan(0)
    expect(service.entries().map(e => e.key)).toEqual([expect.stringMatching(/^package-retention-manifests-v2-acme@127\.0\.0\.1-101-1$/)])
    expect(cacheLines(first)).toEqual(expect.arrayContaining([expect.stringContaining(`saved ${new Set(firstReads).size} manifest(s)`)]))

    fake.resetRequests()
    const second = await run(fake, { service, runId: '102', paths })
    expect(second.exitCode).toBe(0)
    expect(manifestDownloads(fake)).toEqual([])
    expect(decisions(second)).toEqual(decisions(first))
    expect(second.summary).toContain(`manifests from the cache: ${firstReads.length}`)
    // Restored by prefix (the key of run 101), and nothing new to save.
    expect(cacheLines(second)).toEqual(expect.arrayContaining([expect.stringContaining('restored from package-retention-manifests-v2-acme@127.0.0.1-101-1')]))
    expect(service.entries()).toHaveLength(1)
    expect(second.stdout).not.toContain('::warning::Manifest cache')
  })

  test('only what is new since the last run is read from the registry, and the new entry holds it too', async () => {
    const paths = runnerPaths()
    expect((await run(fake, { service, runId: '201', paths })).exitCode).toBe(0)

    // The same package one push later: a new multi-arch PR image (served by a fresh fake of GitHub).
    const pushed = multiArchImage({ tags: ['pr-9'], created_at: daysAgo(0), platforms, salt: 'pr-9' })
    const later = await FakeGitHub.start(world([webPackage([pushed])]))
    try {
      const second = await run(later, { service, runId: '202', paths })
      expect(second.exitCode).toBe(0)
      expect(manifestDownloads(later).sort()).toEqual([pushed.version.name])
      expect(service.entries()).toHaveLength(2)

      later.resetRequests()
      const third = await run(later, { service, runId: '203', paths })
      expect(third.exitCode).toBe(0)
      expect(manifestDownloads(later)).toEqual([])
      expect(decisions(third)).toEqual(decisions(second))
    } finally {
      await later.stop()
    }
  })

  test('a cached body whose digest does not match is dropped and read from the registry again', async () => {
    const paths = runnerPaths()
    const first = await run(fake, { service, runId: '301', paths })
    expect(first.exitCode).toBe(0)
    const firstReads = manifestDownloads(fake)

    // Tamper with the release index in the saved entry: swap its two platform children's digests
    // (same length, so the archive stays a valid tar). Served, it would give each platform the
    // other's manifest; but its bytes no longer hash to the digest it is stored under.
    const [entry] = service.entries()
    const { tar, pack } = unpackArchive(entry.archive!)
    const text = tar.toString('latin1')
    const [amd64, arm64] = release.children.map(child => child.digest.slice('sha256:'.length))
    const at = text.indexOf(amd64)
    expect(at).toBeGreaterThan(0)
    const tampered = text.replaceAll(amd64, '#'.repeat(amd64.length)).replaceAll(arm64, amd64).replaceAll('#'.repeat(amd64.length), arm64)
    service.replaceArchive(entry.key, pack(Buffer.from(tampered, 'latin1')))

    fake.resetRequests()
    const second = await run(fake, { service, runId: '302', paths })
    expect(second.exitCode).toBe(0)
    // Every body that mentioned those children no longer matches its digest: exactly those are read again.
    const reread = manifestDownloads(fake)
    expect(reread).toContain(release.version.name)
    expect(reread.length).toBeLessThan(firstReads.length)
    expect(decisions(second)).toEqual(decisions(first))
    expect(cacheLines(second)).toEqual(expect.arrayContaining([expect.stringMatching(/cached bodies did not match their digest/)]))
  })

  test('a corrupted download (not a valid archive) costs only the cache', async () => {
    const paths = runnerPaths()
    const first = await run(fake, { service, runId: '401', paths })
    const firstReads = manifestDownloads(fake)
    service.fault = 'corrupt-download'
    fake.resetRequests()
    const second = await run(fake, { service, runId: '402', paths })
    expect(second.exitCode).toBe(0)
    expect(manifestDownloads(fake).sort()).toEqual(firstReads.sort())
    expect(decisions(second)).toEqual(decisions(first))
    // What it read is saved afresh, and serves the next run.
    expect(service.entries().map(e => e.key.replace(/.*-(\d+-\d+)$/, '$1'))).toEqual(['401-1', '402-1'])
    service.fault = undefined
    fake.resetRequests()
    expect((await run(fake, { service, runId: '403', paths })).exitCode).toBe(0)
    expect(manifestDownloads(fake)).toEqual([])
  })

  test.each([
    ['answering 500', 'error' as const, 'looking up the entry failed: the cache service answered 500 to the lookup'],
    ['never answering', 'hang' as const, 'did not answer within 20 s (looking up the entry)']
  ])('a service %s neither fails the run nor holds it past the restore bound, and is reported once', async (_label, fault, message) => {
    const paths = runnerPaths()
    const withoutCache = await run(fake, { paths, inputs: { 'manifest-cache': 'false' } })
    service.fault = fault
    const started = Date.now()
    const result = await run(fake, { service, runId: '501', paths })
    const elapsed = Date.now() - started
    expect(result.exitCode).toBe(0)
    expect(result.signal).toBeNull()
    // 20 s restore bound, then no save is attempted; the run itself takes a few seconds.
    expect(elapsed).toBeLessThan(20_000 + 12_000)
    expect(decisions(result)).toEqual(decisions(withoutCache))
    expect(result.stdout.match(/::warning::Manifest cache:/g)).toHaveLength(1)
    expect(result.stdout).toContain(message)
    // (1.2) A cache that was available but failed makes the first line ⚠️.
    expect(result.summary.split('\n')[1]).toMatch(/^<p>⚠️ .*But: the manifest cache failed/)
    expect(service.entries()).toEqual([])
    expect(service.requests.every(r => r.call === 'GetCacheEntryDownloadURL')).toBe(true)
  }, 60_000)

  test('two runs saving at once do not break each other, nor does a run whose key already exists', async () => {
    const paths = runnerPaths()
    const [a, b, again] = await Promise.all([
      run(fake, { service, runId: '601', paths }),
      run(fake, { service, runId: '602', paths }),
      // A second run under the same key (same run id and attempt): entries are immutable, it gets 409.
      run(fake, { service, runId: '601', paths })
    ])
    for (const result of [a, b, again]) {
      expect(result.exitCode).toBe(0)
      expect(result.stdout).not.toContain('::warning::Manifest cache')
    }
    expect(service.entries().map(e => e.key.replace(/.*-(\d+-\d+)$/, '$1')).sort()).toEqual(['601-1', '602-1'])
    expect(service.requests.some(r => r.call === 'CreateCacheEntry' && r.status === 409)).toBe(true)

    fake.resetRequests()
    const next = await run(fake, { service, runId: '603', paths })
    expect(next.exitCode).toBe(0)
    expect(manifestDownloads(fake)).toEqual([])
    expect(decisions(next)).toEqual(decisions(a))
  }, 90_000)

  test('manifest-cache: false makes no request to the cache service', async () => {
    const result = await run(fake, { service, paths: runnerPaths(), inputs: { 'manifest-cache': 'false' } })
    expect(result.exitCode).toBe(0)
    expect(service.requests).toEqual([])
    expect(cacheLines(result)).toEqual([expect.stringContaining('Manifest cache: off (manifest-cache: false)')])
  })

  test('outside Actions (no cache service) the run says so once and works, without the toolkit\'s 10 s wait', async () => {
    const started = Date.now()
    const result = await run(fake, { paths: runnerPaths() })
    expect(result.exitCode).toBe(0)
    expect(Date.now() - started).toBeLessThan(8_000)
    expect(cacheLines(result)).toEqual([expect.stringContaining('no Actions cache service here')])
    expect(result.stdout).not.toContain('::warning::')
    expect(manifestDownloads(fake).length).toBeGreaterThan(0)
  })
})

/** The size of the largest file under `directory`. */
function largestFile(directory: string): number {
  return Math.max(
    0,
    ...readdirSync(directory, { withFileTypes: true, recursive: true })
      .filter(entry => entry.isFile())
      .map(entry => statSync(join(entry.parentPath, entry.name)).size)
  )
}

/** Command lines of running processes that mention `path` (a `tar` left extracting into it, say). */
function processesMentioning(path: string): string[] {
  return execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
    .split('\n')
    .filter(line => line.includes(path) && !line.includes('jest'))
}

describe('a restore trusts nothing in the archive (contract 1.2)', () => {
  let fake: FakeGitHub
  let service: FakeActionsCache
  let outside: string
  beforeEach(async () => {
    fake = await FakeGitHub.start(world([webPackage()]))
    service = await FakeActionsCache.start()
    outside = mkdtempSync(join(tmpdir(), 'package-retention-outside-'))
  })
  afterEach(async () => {
    await fake.stop()
    await service.stop()
    rmSync(outside, { recursive: true, force: true })
  })

  /** A first run saves a genuine entry; returns its key, archive and the name the toolkit gave its file. */
  async function genuineEntry(paths: Record<string, string>): Promise<{ first: ActionRun; reads: number; key: string; archive: Buffer; fileName: string }> {
    const first = await run(fake, { service, runId: '801', paths })
    expect(first.exitCode).toBe(0)
    const [entry] = service.entries()
    return { first, reads: manifestDownloads(fake).length, key: entry.key, archive: entry.archive!, fileName: firstFileName(unpackArchive(entry.archive!).tar) }
  }

  /** Nothing but what the runner made: the workspace is empty and its parent holds only the runner's folders. */
  function expectNothingWrittenAround(paths: Record<string, string>): void {
    expect(readdirSync(paths.GITHUB_WORKSPACE)).toEqual([])
    expect(readdirSync(dirname(paths.GITHUB_WORKSPACE)).sort()).toEqual([basename(paths.RUNNER_TEMP), basename(paths.GITHUB_WORKSPACE)].sort())
    expect(readdirSync(outside)).toEqual([])
  }

  test.each([
    ['a ../ member', () => [{ name: '../escaped.txt', body: 'planted by the cache entry' }], (paths: Record<string, string>) => join(dirname(paths.GITHUB_WORKSPACE), 'escaped.txt')],
    ['an absolute member', (o: string) => [{ name: join(o, 'absolute.txt'), body: 'planted by the cache entry' }], (_paths: Record<string, string>, o: string) => join(o, 'absolute.txt')],
    [
      'a symbolic link and a member through it',
      (o: string) => [{ name: 'escape', type: '2' as const, linkName: o }, { name: 'escape/through-link.txt', body: 'planted by the cache entry' }],
      (_paths: Record<string, string>, o: string) => join(o, 'through-link.txt')
    ]
  ])('an entry with %s writes nothing anywhere; it is discarded, the run and its plan unchanged', async (_label, poison, planted) => {
    const paths = runnerPaths()
    const { first, reads, key, archive } = await genuineEntry(paths)
    // The genuine entry file stays in the archive: a toolkit restore would look like a normal one.
    service.replaceArchive(key, withMembers(archive, poison(outside)))

    fake.resetRequests()
    const second = await run(fake, { service, runId: '802', paths })
    expect(existsSync(planted(paths, outside))).toBe(false)
    expectNothingWrittenAround(paths)
    expect(second.exitCode).toBe(0)
    expect(decisions(second)).toEqual(decisions(first))
    expect(second.stdout).toMatch(new RegExp(`::warning::Manifest cache: the entry ${key.replaceAll('.', '\\.')} was discarded unread: it holds `))
    // Nothing of the poisoned entry was used: every manifest is read again, and a good entry saved in its place.
    expect(manifestDownloads(fake)).toHaveLength(reads)
    expect(service.entries().map(e => e.key)).toEqual([key, key.replace(/801-1$/, '802-1')])
  }, 60_000)

  test('a 99 KB entry that expands to 3 GiB is discarded at the bound, quickly, with nothing written', async () => {
    const paths = runnerPaths()
    const { first, key, archive, fileName } = await genuineEntry(paths)
    const { compression } = unpackArchive(archive)
    const bomb = bombArchive(fileName, 3, compression)
    service.replaceArchive(key, bomb)

    const started = Date.now()
    const second = await run(fake, { service, runId: '802', paths })
    expect(Date.now() - started).toBeLessThan(15_000)
    expect(second.exitCode).toBe(0)
    expect(decisions(second)).toEqual(decisions(first))
    expect(second.stdout).toContain(`the entry ${key} was discarded unread: it expands to more than ${32 * 1024 * 1024 + 1024 * 1024} bytes`)
    expectNothingWrittenAround(paths)
    // Nothing was expanded on disk either: the runner's temporary folder holds small files only.
    expect(largestFile(paths.RUNNER_TEMP)).toBeLessThan(1024 * 1024)
  }, 60_000)

  test('a truncated archive is discarded; the run and its plan are unchanged', async () => {
    const paths = runnerPaths()
    const { first, key, archive } = await genuineEntry(paths)
    service.replaceArchive(key, archive.subarray(0, archive.length >> 1))
    const second = await run(fake, { service, runId: '802', paths })
    expect(second.exitCode).toBe(0)
    expect(decisions(second)).toEqual(decisions(first))
    expect(second.stdout).toContain(`::warning::Manifest cache: the entry ${key} was discarded unread: it is not a valid compressed archive`)
  }, 60_000)

  test('a download that hangs is stopped at the restore bound: the message names the download, nothing is left running', async () => {
    const paths = runnerPaths()
    const { first, key } = await genuineEntry(paths)
    service.fault = 'hang-download'
    const started = Date.now()
    const second = await run(fake, { service, runId: '802', paths })
    expect(Date.now() - started).toBeLessThan(20_000 + 12_000)
    expect(second.exitCode).toBe(0)
    expect(decisions(second)).toEqual(decisions(first))
    expect(second.stdout.match(/::warning::Manifest cache:/g)).toHaveLength(1)
    expect(second.stdout).toContain(`downloading the entry ${key} from the Actions cache did not finish within 20 s`)
    // The lookup was answered: the service is not blamed for not answering.
    expect(second.stdout).not.toContain('did not answer')
    expect(processesMentioning(dirname(paths.GITHUB_WORKSPACE))).toEqual([])
  }, 60_000)
})

describe('one cache per owner and registry (contract 1.2)', () => {
  const image = (name: string, tags: string[], days: number) => multiArchImage({ tags, created_at: daysAgo(days), platforms, salt: `${name}-${tags.join('-') || days}` })
  /** Three packages of one owner, each with releases, PR images and untagged builds (made once: a digest covers the date). */
  const images = Object.fromEntries(
    ['web', 'api', 'worker'].map(name => [
      name,
      [image(name, ['latest'], 1), image(name, ['v1.0'], 90), ...Array.from({ length: 20 }, (_, i) => image(name, [`pr-${i + 1}`], 30 + i)), image(name, [], 3)]
    ])
  )
  const pkg = (name: string, extra: ReturnType<typeof image>[] = []): FakePackageSeed => ({
    owner: 'acme',
    package_type: 'container',
    name,
    visibility: 'public',
    versions: [...images[name], ...extra].flatMap(i => i.versions)
  })
  const NIGHTLY = `version: 1
protect:
  tags: ["latest", "v*"]
rules:
  - name: untagged
    packages: { type: container, names: ["web", "api", "worker"] }
    match: { untagged: true, older-than: 7d }
  - name: stale-pr
    packages: { type: container, names: ["web", "api", "worker"] }
    match: { tags: ["pr-*"], older-than: 30d }
`
  const PR_CLOSE = `version: 1
rules:
  - name: pr-2
    packages: { type: container, names: ["api"] }
    match: { tags: ["pr-2"] }
`
  const packages = (extra: ReturnType<typeof image>[] = []) => [pkg('web'), pkg('api', extra), pkg('worker')]

  test("the PR-close job reuses the nightly job's reads (≤ 5 % of its own), and a save merges both for the next", async () => {
    const fake = await FakeGitHub.start(world(packages()))
    const service = await FakeActionsCache.start()
    const pushed = image('api', ['pr-99'], 0)
    const later = await FakeGitHub.start(world(packages([pushed])))
    try {
      const paths = runnerPaths()
      const dry = { 'dry-run': 'true' }
      const solo = await run(fake, { paths, inputs: { policy: PR_CLOSE, ...dry, 'manifest-cache': 'false' } })
      expect(solo.exitCode).toBe(0)
      const soloReads = manifestDownloads(fake).length
      expect(soloReads).toBeGreaterThanOrEqual(20)

      fake.resetRequests()
      const nightly = await run(fake, { service, runId: '901', paths, inputs: { policy: NIGHTLY, ...dry } })
      expect(nightly.exitCode).toBe(0)

      fake.resetRequests()
      const prClose = await run(fake, { service, runId: '902', paths, inputs: { policy: PR_CLOSE, ...dry } })
      expect(prClose.exitCode).toBe(0)
      expect(decisions(prClose)).toEqual(decisions(solo))
      expect(manifestDownloads(fake).length).toBeLessThanOrEqual(0.05 * soloReads)
      expect(service.entries().map(e => e.key)).toEqual(['package-retention-manifests-v2-acme@127.0.0.1-901-1'])
      expect(cacheLines(prClose)).toEqual(expect.arrayContaining([expect.stringContaining('restored from package-retention-manifests-v2-acme@127.0.0.1-901-1')]))

      // One push later: the PR-close job reads only the new image and saves an entry that still holds
      // the nightly's reads of web and worker, which it did not list: the next nightly reads nothing.
      const prAgain = await run(later, { service, runId: '903', paths, inputs: { policy: PR_CLOSE, ...dry } })
      expect(prAgain.exitCode).toBe(0)
      expect(manifestDownloads(later).sort()).toEqual([pushed.version.name])
      expect(service.entries().map(e => e.key.replace(/.*-(\d+-\d+)$/, '$1'))).toEqual(['901-1', '903-1'])
      later.resetRequests()
      const nextNightly = await run(later, { service, runId: '904', paths, inputs: { policy: NIGHTLY, ...dry } })
      expect(nextNightly.exitCode).toBe(0)
      expect(manifestDownloads(later)).toEqual([])
      expect(cacheLines(nextNightly)).toEqual(expect.arrayContaining([expect.stringContaining('restored from package-retention-manifests-v2-acme@127.0.0.1-903-1')]))
    } finally {
      await fake.stop()
      await later.stop()
      await service.stop()
    }
  }, 120_000)
})
