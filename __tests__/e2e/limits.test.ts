// End-to-end: contract 1.2's limits (issue 15, observations 7, 8 and 11) through dist/index.js.
// Waits GitHub or the registry asks for are honoured only while they fit (one wait up to 5 min,
// 10 min in all), a cancelled job (SIGINT) reports and exits non-zero within 5 s whatever it was
// doing, an answer too large to read leaves its package untouched in bounded memory, and the
// registry is read with more than 10 connections, fewer when it pushes back.
import { readFileSync } from 'node:fs'
import type { ChildProcess } from 'node:child_process'
import { FakeGitHub, singleImage, type FakePackageSeed, type RecordedRequest, type ScriptedFault } from '../fake/index.js'
import { POLICY, scenario } from './accounting.js'
import { runAction, type ActionRun, type RunOptions } from './run-action.js'
import { daysAgo, PAT, world } from './world.js'

let fake: FakeGitHub | undefined
afterEach(async () => {
  await fake?.stop()
  fake = undefined
})

const SECONDARY = 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.'

function secondaryLimit(fault: Omit<ScriptedFault, 'status'>, retryAfter: number): ScriptedFault {
  return { ...fault, status: 403, message: SECONDARY, headers: { 'retry-after': String(retryAfter) } }
}

async function start(packages: FakePackageSeed[], extra: Parameters<typeof world>[1] = {}): Promise<FakeGitHub> {
  fake = await FakeGitHub.start(world(packages, extra))
  return fake
}

interface TimedRun extends ActionRun {
  /** From spawn to the child's exit. */
  elapsedMs: number
  /** From the signal to the child's exit; undefined when no signal was sent. */
  afterSignalMs?: number
  /** The child's peak resident memory (VmHWM), sampled from /proc. */
  peakRssBytes: number
}

/** Runs the action; with `signalWhen`, sends SIGINT as soon as a request the fake saw satisfies it. */
async function run(inputs: Record<string, string>, options: { signalWhen?: (r: RecordedRequest) => boolean } & Partial<RunOptions> = {}): Promise<TimedRun> {
  let signalledAt: number | undefined
  let peakRssBytes = 0
  const started = Date.now()
  const { signalWhen, ...rest } = options
  const watch = (child: ChildProcess): void => {
    const poll = setInterval(() => {
      try {
        const peak = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))
        if (peak) peakRssBytes = Math.max(peakRssBytes, Number(peak[1]) * 1024)
      } catch {
        // exited
      }
      if (signalWhen && signalledAt === undefined && fake!.requests.some(signalWhen)) {
        signalledAt = Date.now()
        child.kill('SIGINT')
      }
    }, 20)
    child.once('exit', () => clearInterval(poll))
  }
  const result = await runAction({
    apiUrl: fake!.url,
    timeoutMs: 60_000,
    onStart: watch,
    ...rest,
    inputs: { token: PAT, policy: POLICY, 'max-deletes-per-minute': '180', 'registry-url': fake!.url, ...inputs }
  })
  const exitedAt = Date.now()
  return { ...result, elapsedMs: exitedAt - started, peakRssBytes, ...(signalledAt !== undefined ? { afterSignalMs: exitedAt - signalledAt } : {}) }
}

const warnings = (r: ActionRun): string[] => [...r.stdout.matchAll(/^::warning::(.*)$/gm)].map(m => m[1])
const isDelete = (r: RecordedRequest): boolean => r.method === 'DELETE'
const versionsOf = (name: string) => (r: RecordedRequest): boolean => r.method === 'GET' && r.path.endsWith(`/packages/${name}/versions`)

/** A cancelled run: out within 5 s of the signal, failed, with its outputs, summary and plan file. */
function expectCancelledAndReported(result: TimedRun): void {
  expect(result.signal).toBeNull()
  expect(result.afterSignalMs).toBeDefined()
  expect(result.afterSignalMs!).toBeLessThan(5_000)
  expect(result.exitCode).toBe(1)
  expect(result.stdout).toContain('Received SIGINT')
  expect(result.stdout).toMatch(/::error::The run was cancelled: \d+ of \d+ planned deletion\(s\) done/)
  for (const name of ['planned-count', 'deleted-count', 'deferred-count', 'failed-count', 'plan-path']) expect(result.outputs[name]).toBeDefined()
  expect(result.summary).toContain('package-retention')
  expect(result.planFile).toMatchObject({ status: 'stopped', stopKind: 'cancelled', stopReason: 'the run was cancelled (SIGINT)' })
}

/** The fake's version id of a version of container/web, by digest. */
const idOf = (digest: string): number => fake!.versions('acme', 'container', 'web').find(v => v.name === digest)!.id

describe('bounded waits (obs 7): a wait over 5 min is not taken; the run ends its deletions there', () => {
  test('retry-after 86400 on a DELETE: the rest is deferred (not failed), with when GitHub allows requests again', async () => {
    const s = scenario()
    await start(s.packages)
    // The first image goes; the index of the second is refused for a day.
    fake!.failNext(secondaryLimit({ method: 'DELETE', pathIncludes: `/versions/${idOf(s.prImages[1].digest)}` }, 86_400))
    const result = await run({ 'dry-run': 'false' }, { timeoutMs: 30_000 })
    expect(result.elapsedMs).toBeLessThan(25_000)
    expect(result.exitCode).toBe(0)
    expect(result.outputs).toMatchObject({ 'deleted-count': '3', 'failed-count': '0', 'deferred-count': String(s.planned.length - 3) })
    // Nothing after the refusal: the refused DELETE was the last request to GitHub.
    const last = fake!.requests.filter(r => !r.registry).at(-1)!
    expect(last).toMatchObject({ method: 'DELETE', status: 403 })
    const resumeAt = Date.parse(String(result.planFile!.resumeAt))
    expect(Math.abs(resumeAt - (Date.now() + 86_400_000))).toBeLessThan(60_000)
    expect(result.planFile).toMatchObject({ status: 'stopped', stopKind: 'wait', stopReason: expect.stringMatching(/asked to wait 24 h, longer than the 5 min a run waits; requests are allowed again from \d{4}-/) })
    expect(result.stdout).toMatch(/::warning::The run stopped before the end of the plan .*GitHub allows requests again from \d{4}-\d\d-\d\dT/)
    expect(result.summary).toMatch(/requests are allowed again from \d{4}-\d\d-\d\dT/)
  })

  test('retry-after 86400 on a page: that package is left untouched (warning), nothing is deleted, the run says when to run again', async () => {
    const s = scenario()
    await start(s.packages)
    fake!.failNext(secondaryLimit({ method: 'GET', pathIncludes: '/packages/container/web/versions' }, 86_400))
    const result = await run({ 'dry-run': 'false' }, { timeoutMs: 30_000 })
    expect(result.elapsedMs).toBeLessThan(25_000)
    expect(warnings(result).some(w => /^left untouched: container\/web was not completely listed before the run stopped \(GitHub's secondary rate limit .* asked to wait 24 h/.test(w))).toBe(true)
    expect(fake!.mutations()).toEqual([])
    expect(result.outputs).toMatchObject({ 'deleted-count': '0', 'failed-count': '0' })
    expect(result.outputs['deferred-count']).toBe(result.outputs['planned-count'])
    expect(result.planFile).toMatchObject({ status: 'stopped', stopKind: 'wait', resumeAt: expect.stringMatching(/^\d{4}-/) })
  })

  test('a registry 429 asking for 10 minutes ends the run there: the package being read stays untouched, the rest deferred', async () => {
    const s = scenario()
    await start(s.packages)
    fake!.failNext({ pathIncludes: '/v2/acme/web/manifests/', status: 429, headers: { 'retry-after': '600' } })
    const result = await run({ 'dry-run': 'false' }, { timeoutMs: 30_000 })
    expect(result.elapsedMs).toBeLessThan(25_000)
    // The read may be a prefetch while the package is still being listed (its closing look not yet made): either way it stays untouched.
    expect(warnings(result).some(w => /^left untouched: .*container\/web (could not be read|was not completely listed).*the registry 127\.0\.0\.1:\d+ \(GET \/v2\/acme\/web\/manifests\/\S+\) asked to wait 10 min/.test(w))).toBe(true)
    expect(fake!.mutations()).toEqual([])
    expect(result.outputs).toMatchObject({ 'deleted-count': '0', 'failed-count': '0' })
    expect(result.outputs['deferred-count']).toBe(result.outputs['planned-count'])
    expect(result.planFile).toMatchObject({ status: 'stopped', stopKind: 'wait', resumeAt: expect.stringMatching(/^\d{4}-/) })
  })
})

describe('cancellation (obs 7): SIGINT at any phase → no new request, report written, non-zero exit within 5 s', () => {
  test('during a 60 s retry-after wait on a DELETE', async () => {
    const s = scenario()
    await start(s.packages)
    fake!.failNext(secondaryLimit({ method: 'DELETE' }, 60))
    const result = await run({ 'dry-run': 'false' }, { signalWhen: r => isDelete(r) && r.status === 403 })
    expectCancelledAndReported(result)
    expect(fake!.mutations().filter(r => r.status !== 403)).toEqual([])
    expect(result.outputs).toMatchObject({ 'deleted-count': '0', 'deferred-count': String(s.planned.length) })
  })

  test('during a long (240 s) retry-after wait on a page, while listing', async () => {
    const s = scenario()
    await start(s.packages)
    fake!.failNext(secondaryLimit({ method: 'GET', pathIncludes: '/packages/container/web/versions' }, 240))
    const result = await run({ 'dry-run': 'false' }, { signalWhen: r => versionsOf('container/web')(r) && r.status === 403 })
    expectCancelledAndReported(result)
    expect(fake!.mutations()).toEqual([])
    expect(result.planFile!.packages.find(p => p.key === 'container/web')!.warning).toMatch(/not completely listed before the run stopped \(the run was cancelled \(SIGINT\)\)/)
  })

  test('while a page is being served (listing)', async () => {
    const s = scenario()
    await start(s.packages)
    fake!.failNext({ method: 'GET', pathIncludes: '/packages/container/web/versions', hang: true })
    const result = await run({ 'dry-run': 'true' }, { signalWhen: r => versionsOf('container/web')(r) })
    expectCancelledAndReported(result)
    expect(fake!.requests.filter(r => versionsOf('container/web')(r))).toHaveLength(1)
  })

  test('while manifests are read', async () => {
    const s = scenario()
    await start(s.packages)
    fake!.failNext({ pathIncludes: '/v2/acme/web/manifests/', hang: true, times: 100 })
    const result = await run({ 'dry-run': 'false' }, { signalWhen: r => r.registry === true && r.path.includes('/manifests/') })
    expectCancelledAndReported(result)
    expect(fake!.mutations()).toEqual([])
    expect(result.planFile!.packages.find(p => p.key === 'container/web')!.warning).toMatch(/(could not be read|was not completely listed).*the run was cancelled \(SIGINT\)/)
  })

  test('while a DELETE is in flight: it is awaited 3 s, then marked "outcome unknown" in the plan file', async () => {
    const s = scenario()
    await start(s.packages)
    fake!.failNext({ method: 'DELETE', hang: true })
    const result = await run({ 'dry-run': 'false' }, { signalWhen: isDelete })
    expectCancelledAndReported(result)
    expect(result.afterSignalMs!).toBeGreaterThanOrEqual(2_900)
    expect(fake!.mutations()).toHaveLength(1)
    const versions = result.planFile!.packages.flatMap(p => p.versions)
    const unknown = versions.filter(v => /^outcome unknown/.test(v.outcomeDetail ?? ''))
    expect(unknown).toHaveLength(1)
    expect(unknown[0].outcome).toBe('deferred')
    expect(result.outputs).toMatchObject({ 'deleted-count': '0', 'deferred-count': String(s.planned.length) })
  })
})

describe('big answers (obs 8)', () => {
  test('a 600 MB page leaves its package untouched with a warning naming the request, in bounded memory; the other package goes on', async () => {
    const s = scenario()
    await start(s.packages)
    fake!.failNext({ method: 'GET', pathIncludes: '/packages/container/web/versions', hugeBody: { bytes: 600_000_000, announce: false, contentType: 'application/json; charset=utf-8' } })
    const result = await run({ 'dry-run': 'false' })
    expect(result.exitCode).toBe(0)
    expect(result.elapsedMs).toBeLessThan(30_000)
    expect(warnings(result).some(w => /^left untouched: container\/web: GitHub answered GET \/orgs\/acme\/packages\/container\/web\/versions\?\S*page=1\S* with more than 32\.0 MiB; the limit is 32\.0 MiB/.test(w))).toBe(true)
    expect(fake!.mutations().filter(r => r.path.includes('/container/web/'))).toEqual([])
    const lib = s.planned.filter(k => k.startsWith('npm/lib#'))
    expect(result.outputs['deleted-count']).toBe(String(lib.length))
    // A string of it, or the whole body, would be over 600 MB.
    expect(result.peakRssBytes).toBeGreaterThan(0)
    expect(result.peakRssBytes).toBeLessThan(300 * 1024 * 1024)
  })
})

describe('registry concurrency (obs 11): more than 10 reads at once, fewer when the registry pushes back', () => {
  const tagged = (n: number): FakePackageSeed => ({
    owner: 'acme',
    package_type: 'container',
    name: 'web',
    visibility: 'private',
    versions: Array.from({ length: n }, (_, k) => singleImage({ tags: [`build-${k}`], created_at: daysAgo(1 + k / 1000), salt: `c-${k}` }).versions).flat()
  })
  const policy = 'version: 1\nrules:\n  - name: untagged\n    packages: { type: container, names: ["web"] }\n    match: { untagged: true }\n'
  const registryPeak = (): number => Math.max(...fake!.requests.filter(r => r.registry && r.path.includes('/manifests/')).map(r => r.inFlight ?? 0))

  test('a registry that answers well is read with more than 10 connections', async () => {
    await start([tagged(400)], { faults: { seed: 1, latencyMs: 40 } })
    const result = await run({ policy })
    expect(result.exitCode).toBe(0)
    expect(fake!.requests.filter(r => r.registry && r.path.includes('/manifests/') && r.status === 200)).toHaveLength(400)
    expect(registryPeak()).toBeGreaterThan(10)
    expect(registryPeak()).toBeLessThanOrEqual(64)
  })

  test('a registry answering 429 to more than 12 at once: concurrency is lowered, its retry-after honoured, every read succeeds', async () => {
    await start([tagged(400)], { faults: { seed: 1, latencyMs: 40 }, registry: { maxConcurrent: 12 } })
    const result = await run({ policy })
    expect(result.exitCode).toBe(0)
    expect(warnings(result)).toEqual([])
    expect(fake!.requests.filter(r => r.registry && r.status === 429).length).toBeGreaterThan(0)
    expect(result.stdout).toMatch(/Registry: \d+ manifest request\(s\), up to \d+ at once \(\d+ at the end\), [1-9]\d* answered 429/)
    expect(result.planFile!.packages[0].warning).toBeUndefined()
  })
})
