// End-to-end: one request budget for the whole run, within GitHub's secondary limits as the fake
// enforces them by default (900 points a minute per token across the REST API, 100 in flight;
// run-action.ts fails any run the fake refused), and REST requests that never answer.
import { FakeGitHub, peakPointsPerMinute, type FakePackageSeed } from '../fake/index.js'
import { runAction } from './run-action.js'
import { PAT, containerVersion, npmVersion, world } from './world.js'

// The two runs take one and a half minutes each, mostly waiting: they run side by side, each with its own fake.
const fakes: FakeGitHub[] = []
afterAll(async () => {
  await Promise.all(fakes.map(f => f.stop()))
})
const startFake = async (options: Parameters<typeof FakeGitHub.start>[0]): Promise<FakeGitHub> => {
  const fake = await FakeGitHub.start(options)
  fakes.push(fake)
  return fake
}


test.concurrent('200 deletions at max-deletes-per-minute 180, with the listing in the same minute: never over 900 points a minute, DELETEs evenly spaced', async () => {
  const untagged = Array.from({ length: 200 }, (_, k) => containerVersion(`build-${k}`, [], 30 + k / 10))
  const web: FakePackageSeed = { owner: 'acme', package_type: 'container', name: 'web', versions: [containerVersion('latest', ['latest'], 1), ...untagged] }
  const fake = await startFake(world([web]))
  const started = Date.now()
  const result = await runAction({
    apiUrl: fake.url,
    timeoutMs: 150_000,
    inputs: {
      token: PAT,
      'registry-url': fake.url,
      'dry-run': 'false',
      'max-deletes-per-minute': '180',
      policy: 'version: 1\nrules:\n  - name: untagged\n    packages: { type: container, names: [web] }\n    match: { untagged: true }\n'
    }
  })
  const wallMs = Date.now() - started
  expect(result.exitCode).toBe(0)
  expect(result.outputs).toMatchObject({ 'deleted-count': '200', 'failed-count': '0', 'deferred-count': '0' })
  expect(fake.secondaryRefusals).toBe(0)
  expect(peakPointsPerMinute(fake.requests)).toBeLessThan(900)
  // 200 DELETEs of 5 points fit 880 points a minute at 176 a minute: about 68 s, not the 2 minutes a refusal's wait would add.
  expect(wallMs).toBeLessThan(85_000)
  const deletes = fake.requests.filter(r => r.method === 'DELETE').map(r => r.at)
  const gaps = deletes.slice(1).map((at, k) => at - deletes[k])
  // Evenly spaced at what the budget allows (5 × 60 s / 880 = 341 ms): no burst after a wait, no
  // long stall. Arrival times carry the test process's own pauses (one late arrival makes the next
  // seem to follow at once), so bursts are counted in any 2 s: at most 6 DELETEs fit at 341 ms,
  // one more for an arrival the test process delayed.
  const median = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)]
  expect(median).toBeGreaterThanOrEqual(335)
  expect(median).toBeLessThanOrEqual(350)
  expect(gaps.filter(gap => gap > 1_000)).toEqual([])
  const crowded = deletes.filter(at => deletes.filter(other => other >= at && other < at + 2_000).length > 7)
  expect(crowded).toEqual([])
  expect(result.summary).toContain('secondary-limit refusals: 0')
  const [, points, inFlight] = /REST requests: \d+ \(\d+ points\), at most (\d+) points in any 60 s and (\d+) in flight/.exec(result.stdout) ?? []
  expect(Number(points)).toBeLessThanOrEqual(880)
  expect(Number(inFlight)).toBeLessThanOrEqual(20)
}, 160_000)

test.concurrent('a REST API that never answers one page: the run ends within 3 minutes, reporting the timeout, not an HTTP 500', async () => {
  const versions = Array.from({ length: 650 }, (_, k) => npmVersion(`1.0.${k}`, 400 - k / 2))
  const fake = await startFake(world([{ owner: 'acme', package_type: 'npm', name: 'big', versions }]))
  fake.failNext({ method: 'GET', pathIncludes: '/packages/npm/big/versions', query: { page: '7' }, hang: true, times: 100 })
  const started = Date.now()
  const result = await runAction({
    apiUrl: fake.url,
    timeoutMs: 185_000,
    inputs: { token: PAT, policy: 'version: 1\nrules:\n  - name: old\n    packages: { type: npm, names: [big] }\n    match: { older-than: 30d }\n' }
  })
  expect(Date.now() - started).toBeLessThan(180_000)
  expect(result.exitCode).toBe(1)
  expect(result.stdout).toMatch(/::error::.*GitHub did not answer GET \/orgs\/acme\/packages\/npm\/big\/versions\?\S*\bpage=7\b\S* within 30 s, 3 times/)
  expect(result.stdout).not.toMatch(/HTTP 500|Headers Timeout/)
  expect(fake.requests.filter(r => r.hung)).toHaveLength(3)
  expect(fake.mutations()).toEqual([])
}, 200_000)
