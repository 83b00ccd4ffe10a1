// The Octokit factory against the fake GitHub: every REST attempt goes through the budget and
// has a timeout; a request GitHub never answers is tried a bounded number of times and then
// reported as a timeout, not as an HTTP 500. (Short timeouts here; the e2e test uses the real 30 s.)
import { afterEach, expect, test } from '@jest/globals'
import { FakeGitHub, type FakeVersionSeed } from '../fake/index.js'
import { budgetedFetch, createOctokit } from '../../src/github/client.js'
import { RunControl } from '../../src/run-control.js'
import { RequestBudget, RestTimeoutError } from '../../src/github/request-budget.js'
import { describeError, classifyError } from '../../src/github/errors.js'
import { PackagesApi } from '../../src/github/packages-api.js'
import { RateLimitTracker } from '../../src/github/rate-limit.js'
import type { PackageRef } from '../../src/model.js'
import { PAT, npmVersion, world } from '../e2e/world.js'

const lib: PackageRef = { owner: 'acme', ownerKind: 'org', type: 'npm', name: 'lib' }
let fake: FakeGitHub
afterEach(async () => {
  await fake?.stop()
})

async function start(count = 250): Promise<PackagesApi> {
  const versions: FakeVersionSeed[] = Array.from({ length: count }, (_, k) => npmVersion(`1.0.${k}`, 300 - k))
  fake = await FakeGitHub.start(world([{ owner: 'acme', package_type: 'npm', name: 'lib', versions }]))
  const rateLimit = new RateLimitTracker()
  return new PackagesApi(createOctokit({ token: PAT, baseUrl: fake.url, writesPerMinute: 180, timeoutMs: 300 }, rateLimit), rateLimit)
}

test('a page that never answers is tried 3 times, then reported as a timeout naming the request', async () => {
  const api = await start()
  fake.failNext({ method: 'GET', pathIncludes: '/versions', query: { page: '3' }, hang: true, times: 10 })
  const error = await api.listVersions(lib).catch((e: unknown) => e)
  expect(error).toBeInstanceOf(RestTimeoutError)
  expect(describeError(error)).toMatch(/^GitHub did not answer GET \/orgs\/acme\/packages\/npm\/lib\/versions\?\S*\bpage=3\b\S* within 0\.3 s, 3 times$/)
  expect(describeError(error)).not.toMatch(/HTTP 500/)
  // No answer is a server-side failure to the executor (a DELETE may have been applied).
  expect(classifyError(error)).toBe('server')
  expect(fake.requests.filter(r => r.hung)).toHaveLength(3)
  expect(fake.requests.filter(r => r.query.page === '3')).toHaveLength(3)
})

test('a page that hangs once is answered on the next attempt', async () => {
  const api = await start()
  fake.failNext({ method: 'GET', pathIncludes: '/versions', query: { page: '2' }, hang: true })
  await expect(api.listVersions(lib)).resolves.toHaveLength(250)
  expect(fake.requests.filter(r => r.query.page === '2').map(r => r.hung ?? false)).toEqual([true, false])
})

test('a DELETE without an answer is attempted once: the executor decides, as it may have been applied', async () => {
  const api = await start(3)
  const [version] = fake.versions('acme', 'npm', 'lib')
  fake.failNext({ method: 'DELETE', hang: true, times: 5 })
  await expect(api.deleteVersion(lib, version.id)).rejects.toThrow(`GitHub did not answer DELETE /orgs/acme/packages/npm/lib/versions/${version.id} within 0.3 s, once`)
  expect(fake.mutations()).toHaveLength(1)
})

test('a request holds its place in flight until its body is read, as GitHub counts it', async () => {
  await start(3)
  const budget = new RequestBudget({ writesPerMinute: 60, maxInFlight: 1 })
  const budgeted = budgetedFetch(fetch, budget, { baseUrl: fake.url, timeoutMs: 5_000, attempts: 1 })
  const url = `${fake.url}/orgs/acme/packages/npm/lib/versions`
  const headers = { authorization: `token ${PAT}` }
  // The first answer's body comes a byte every millisecond: the second request waits for all of it.
  fake.failNext({ method: 'GET', pathIncludes: '/versions', trickleMs: 1 })
  let sentWhenFirstRead = -1
  const first = budgeted(url, { headers }).then(response => {
    sentWhenFirstRead = fake.requests.length
    return response
  })
  const second = budgeted(url, { headers })
  expect(await (await first).json()).toHaveLength(3)
  expect(sentWhenFirstRead).toBe(1)
  expect(await (await second).json()).toHaveLength(3)
  expect(budget.stats).toMatchObject({ requests: 2, peakInFlight: 1 })
})

test('an answer over the size limit is refused as it streams, naming the request, without reading the rest', async () => {
  await start(3)
  const budget = new RequestBudget({ writesPerMinute: 60 })
  const budgeted = budgetedFetch(fetch, budget, { baseUrl: fake.url, timeoutMs: 20_000, attempts: 1, maxBodyBytes: 1024 * 1024 })
  const headers = { authorization: `token ${PAT}` }
  fake.failNext({ method: 'GET', pathIncludes: '/versions', hugeBody: { bytes: 2_000_000_000, announce: false, contentType: 'application/json' } })
  await expect(budgeted(`${fake.url}/orgs/acme/packages/npm/lib/versions?page=2`, { headers })).rejects.toThrow(
    /^GitHub answered GET \/orgs\/acme\/packages\/npm\/lib\/versions\?page=2 with more than 1\.0 MiB; the limit is 1\.0 MiB, so the answer was not read$/
  )
  fake.failNext({ method: 'GET', pathIncludes: '/versions', hugeBody: { bytes: 5_000_000, announce: true, contentType: 'application/json' } })
  await expect(budgeted(`${fake.url}/orgs/acme/packages/npm/lib/versions`, { headers })).rejects.toThrow(/with a body of 4\.8 MiB \(its Content-Length\)/)
  expect(budget.stats.requests).toBe(2)
})

test('a stopped run sends nothing more: waiting requests leave the queue, a read in flight is abandoned', async () => {
  await start(3)
  const control = new RunControl()
  const budget = new RequestBudget({ writesPerMinute: 60, maxInFlight: 1 })
  const budgeted = budgetedFetch(fetch, budget, { baseUrl: fake.url, timeoutMs: 20_000, attempts: 1, control })
  const headers = { authorization: `token ${PAT}` }
  fake.failNext({ method: 'GET', pathIncludes: '/versions', hang: true })
  const url = `${fake.url}/orgs/acme/packages/npm/lib/versions`
  const inFlight = budgeted(url, { headers })
  const queued = budgeted(url, { headers })
  await new Promise(resolve => setTimeout(resolve, 100))
  const stoppedAt = Date.now()
  control.cancel('SIGINT')
  await expect(inFlight).rejects.toThrow('the run was cancelled (SIGINT); no further request is sent')
  await expect(queued).rejects.toThrow('the run was cancelled (SIGINT); no further request is sent')
  await expect(budgeted(url, { headers })).rejects.toThrow(/cancelled/)
  expect(Date.now() - stoppedAt).toBeLessThan(500)
  expect(fake.requests).toHaveLength(1)
})
