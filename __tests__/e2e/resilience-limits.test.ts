// End-to-end: GitHub's rate limits and the 404 a token without delete permission meets, with the
// bundled action against the fake GitHub. (engine.test.ts covers the basic cases: a scripted
// secondary-limit answer, a primary budget too small for the plan, the GITHUB_TOKEN on an npm
// package, a read-only PAT; these add the fake's own limits, exhaustion mid-run, whole groups,
// container images and the message naming what the token lacks.)
import { FakeGitHub, type FakePackageSeed } from '../fake/index.js'
import { POLICY, deleteGaps, expectAccounted, goneKeys, keysWhere, planVersions, scenario, type Scenario } from './accounting.js'
import { runAction, type ActionRun } from './run-action.js'
import { ACTIONS_TOKEN, PAT, READ_ONLY_PAT, npmVersion, world } from './world.js'

let fake: FakeGitHub
afterEach(async () => {
  await fake?.stop()
})

async function start(s: Scenario | FakePackageSeed[], extra: Parameters<typeof world>[1] = {}): Promise<FakeGitHub> {
  fake = await FakeGitHub.start(world(Array.isArray(s) ? s : s.packages, extra))
  return fake
}

function run(inputs: Record<string, string> = {}, provokesSecondaryLimits = false): Promise<ActionRun> {
  return runAction({
    apiUrl: fake.url,
    provokesSecondaryLimits,
    inputs: { token: PAT, policy: POLICY, 'dry-run': 'false', 'max-deletes-per-minute': '180', 'registry-url': fake.url, ...inputs }
  })
}

describe('secondary rate limits are waited out, and the run completes without failures', () => {
  test('points per minute: DELETEs refused with retry-after are retried after it', async () => {
    const s = scenario()
    // 25 points a minute per endpoint: a DELETE costs 5, so the 6th DELETE is refused (for 1 s).
    await start(s, { secondary: { pointsPerMinute: 25, retryAfterSeconds: 1 } })
    const result = await run({}, true)
    expectAccounted(result, fake)
    expect(fake.secondaryRefusals).toBeGreaterThan(0)
    expect(fake.requests.some(r => r.method === 'DELETE' && r.status === 403)).toBe(true)
    expect(result.stdout).toMatch(/Secondary rate limit on DELETE .*: waiting 1s as GitHub asks/)
    expect(result.outputs).toMatchObject({ 'deleted-count': String(s.planned.length), 'failed-count': '0', 'deferred-count': '0' })
    expect(goneKeys(fake, s.packages)).toEqual(s.planned)
    for (const gap of deleteGaps(fake)) expect(gap).toBeGreaterThanOrEqual(300)
  })

  test('too many requests in flight: the refused reads are retried after retry-after', async () => {
    // Six packages listed at once, each answer slowed down: more than 2 in flight are refused.
    const packages: FakePackageSeed[] = Array.from({ length: 6 }, (_, i) => ({
      owner: 'acme',
      package_type: 'npm',
      name: `lib-${i}`,
      versions: [npmVersion('1.0.0', 100), npmVersion('1.1.0-SNAPSHOT', 60), npmVersion('1.2.0-SNAPSHOT', 50)]
    }))
    await start(packages, { secondary: { maxConcurrent: 2, retryAfterSeconds: 1 }, faults: { seed: 1, latencyMs: 150 } })
    const policy = `version: 1
rules:
  - name: snapshots
    packages: { type: npm, names: [${packages.map(p => `"${p.name}"`).join(', ')}] }
    match: { versions: ["*-SNAPSHOT"] }
    keep: { latest: 1 }
`
    const result = await run({ policy }, true)
    expectAccounted(result, fake)
    expect(fake.secondaryRefusals).toBeGreaterThan(0)
    expect(result.stdout).toMatch(/Secondary rate limit on GET .*: waiting 1s as GitHub asks/)
    expect(result.outputs).toMatchObject({ 'planned-count': '6', 'deleted-count': '6', 'failed-count': '0' })
  })
})

describe('the primary rate limit: do what fits, defer the rest, never wait for the reset', () => {
  test('a budget that cannot cover the plan stops between images, never inside one', async () => {
    const s = scenario(3)
    // Listing spends 5 counted requests (the owner; package and versions of web and lib), leaving 9:
    // two images fit (3 DELETEs each, with a reserve of 2), the third would not (3 left).
    await start(s, { rateLimit: { limit: 5000, remaining: 14 } })
    const started = Date.now()
    const result = await run()
    expect(Date.now() - started).toBeLessThan(30_000)
    expectAccounted(result, fake)
    expect(result.exitCode).toBe(0)
    const deleted = keysWhere(result, v => v.outcome === 'deleted')
    const deferred = keysWhere(result, v => v.outcome === 'deferred')
    expect(deleted.length).toBeGreaterThan(0)
    expect(deferred.length).toBeGreaterThan(0)
    expect(goneKeys(fake, s.packages)).toEqual(deleted)
    for (const image of s.prImages) {
      const members = image.versions.map(v => `container/web#${v.name}`)
      const gone = members.filter(k => deleted.includes(k)).length
      expect(gone === 0 || gone === members.length).toBe(true)
    }
    expect(result.planFile).toMatchObject({ status: 'stopped', stopReason: expect.stringMatching(/primary rate limit has \d+ request/) })
    expect(fake.requests.filter(r => r.status === 403)).toEqual([])
    expect(result.stdout).toMatch(/At start, rate limit \(core\): \d+\/5000 remaining/)
    expect(result.stdout).toMatch(/At end, rate limit \(core\): \d+\/5000 remaining/)
  })

  test('a limit exhausted mid-run (another client spent it) defers the rest at once instead of sleeping until the reset', async () => {
    const s = scenario()
    await start(s)
    // GitHub's answer once the budget is gone: 403 with x-ratelimit-remaining 0, reset in an hour.
    const second = fake.versions('acme', 'container', 'web').find(v => v.name === s.prImages[1].digest)!
    const reset = String(Math.floor(Date.now() / 1000) + 3600)
    fake.failNext({
      method: 'DELETE',
      pathIncludes: `/versions/${second.id}`,
      status: 403,
      message: 'API rate limit exceeded for user ID 9001.',
      headers: { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '0', 'x-ratelimit-used': '5000', 'x-ratelimit-reset': reset, 'x-ratelimit-resource': 'core' }
    })
    const started = Date.now()
    const result = await run()
    expect(Date.now() - started).toBeLessThan(30_000)
    expectAccounted(result, fake)
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toMatch(/::warning::Primary rate limit exhausted on DELETE .* it resets in \d+s\. Remaining work is deferred/)
    // The first image went; the second (refused) and everything after it is deferred, not failed.
    const first = s.prImages[0].versions.map(v => `container/web#${v.name}`).sort()
    expect(keysWhere(result, v => v.outcome === 'deleted')).toEqual(first)
    expect(result.outputs).toMatchObject({ 'deleted-count': '3', 'deferred-count': String(s.planned.length - 3), 'failed-count': '0' })
    expect(result.planFile).toMatchObject({ status: 'stopped', stopReason: 'the primary rate limit is exhausted' })
    expect(fake.mutations().filter(r => r.method === 'DELETE')).toHaveLength(4)
    expect(result.stdout).toMatch(/At start, rate limit/)
    expect(result.stdout).toMatch(/At end, rate limit/)
  })
})

describe('a listing the primary rate limit cannot cover', () => {
  test('stops after the first page, before spending the budget, and says what to do', async () => {
    // 450 versions: 5 pages. The owner lookup, the package and the first page spend 3 of 5.
    const versions = Array.from({ length: 450 }, (_, k) => npmVersion(`1.0.${k}`, 400 - k / 2))
    await start([{ owner: 'acme', package_type: 'npm', name: 'big', versions }], { rateLimit: { limit: 1000, remaining: 5 } })
    const result = await runAction({
      apiUrl: fake.url,
      inputs: {
        token: PAT,
        'dry-run': 'false',
        policy: 'version: 1\nrules:\n  - name: old\n    packages: { type: npm, names: [big] }\n    match: { older-than: 30d }\n'
      }
    })
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toMatch(
      /::error::Listing the versions of npm\/big owned by 'acme' needs 4 more request\(s\) \(a page each\), but the token has 2 of its 1000 requests this hour left until \d{4}-.*Run again after the reset, or use a token with a larger hourly limit/
    )
    expect(fake.requests.filter(r => r.path.endsWith('/versions'))).toHaveLength(1)
    expect(fake.mutations()).toEqual([])
    expect(fake.requests.filter(r => r.status === 403 || r.status === 429)).toEqual([])
    expect(result.summary).toContain('needs 4 more request(s)')
  })

  test('a limit spent by another client during the listing is reported as the rate limit, not as a missing scope', async () => {
    const versions = Array.from({ length: 450 }, (_, k) => npmVersion(`1.0.${k}`, 400 - k / 2))
    await start([{ owner: 'acme', package_type: 'npm', name: 'big', versions }])
    const reset = String(Math.floor(Date.now() / 1000) + 3600)
    fake.failNext({
      method: 'GET',
      pathIncludes: '/packages/npm/big/versions',
      status: 403,
      message: 'API rate limit exceeded for user ID 9001.',
      headers: { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '0', 'x-ratelimit-used': '5000', 'x-ratelimit-reset': reset, 'x-ratelimit-resource': 'core' }
    })
    const result = await runAction({
      apiUrl: fake.url,
      inputs: { token: PAT, policy: 'version: 1\nrules:\n  - name: old\n    packages: { type: npm, names: [big] }\n    match: { older-than: 30d }\n' }
    })
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toMatch(/::error::GitHub's primary rate limit ran out while listing the versions of npm\/big owned by 'acme' \(API rate limit exceeded.*\) until \d{4}-.*Run again after the reset/)
    expect(result.stdout).not.toMatch(/This needs a classic personal access token/)
    expect(fake.mutations()).toEqual([])
  })
})

describe('the 404 trap: a token that can read but not delete', () => {
  test('a classic PAT without delete:packages: the container image fails whole, the message names the scope', async () => {
    const s = scenario()
    await start(s)
    const result = await run({ token: READ_ONLY_PAT })
    expectAccounted(result, fake)
    expect(result.exitCode).toBe(1)
    expect(result.outputs).toMatchObject({ 'deleted-count': '0', 'skipped-count': '0', 'failed-count': String(s.planned.length) })
    expect(goneKeys(fake, s.packages)).toEqual([])
    expect(planVersions(result.planFile!).some(v => v.outcome === 'deleted')).toBe(false)
    // One DELETE per package: the 404 is checked (the version is still there), then the package is left alone.
    const deletes = fake.mutations()
    expect(deletes.map(r => r.path.split('/packages/')[1].split('/versions/')[0]).sort()).toEqual(['container/web', 'npm/lib'])
    expect(fake.requests.filter(r => r.method === 'GET' && /\/versions\/\d+$/.test(r.path))).toHaveLength(2)
    expect(result.stdout).toMatch(/::error::.*cannot delete in this package \(container package 'web'\)\. It is a classic personal access token without the delete:packages scope \(it has: read:packages\)/)
    expect(result.stdout).not.toMatch(/Manage Actions access/)
    expect(result.summary).toContain('delete:packages')
  })

  test('a GITHUB_TOKEN whose repository lacks Admin on a container package: failure naming Admin access; the other package goes on', async () => {
    const s = scenario()
    // The token's repository has Admin on `web` only; `api` is another container package of the owner.
    const api: FakePackageSeed = { ...s.packages[0], name: 'api', versions: s.packages[0].versions.map(v => ({ ...v })) }
    await start([s.packages[0], api])
    const policy = POLICY.replace(/names: \["web"\]/g, 'names: ["web", "api"]').replace(/ {2}- name: snapshots[\s\S]*$/, '')
    const result = await run({ token: ACTIONS_TOKEN, policy })
    expectAccounted(result, fake)
    expect(result.exitCode).toBe(1)
    const web = s.planned.filter(k => k.startsWith('container/web#'))
    const apiPlanned = web.map(k => k.replace('container/web#', 'container/api#'))
    expect(keysWhere(result, v => v.outcome === 'deleted')).toEqual(web)
    expect(keysWhere(result, v => v.outcome === 'failed')).toEqual(apiPlanned.sort())
    expect(fake.versions('acme', 'container', 'api')).toHaveLength(api.versions.length)
    expect(fake.mutations().filter(r => r.path.includes('/container/api/'))).toHaveLength(1)
    expect(result.stdout).toMatch(
      /::error::.*DELETE answered 404 but the version is still there: the token cannot delete in this package \(container package 'api'\)\. It is not a classic personal access token.*GITHUB_TOKEN.*permissions: packages: write.*Admin role on the package \(package settings → Manage Actions access\)/
    )
    expect(fake.brokenImages()).toEqual([])
  })
})
