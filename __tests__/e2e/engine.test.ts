// End-to-end: the bundled action against the local fake of GitHub, as the runner runs it.
import { FakeGitHub, type FakePackageSeed } from '../fake/index.js'
import { runAction, type ActionRun } from './run-action.js'
import { ACTIONS_TOKEN, PAT, READ_ONLY_PAT, containerVersion, daysAgo, digest, npmVersion, world } from './world.js'

const POLICY = `# yaml-language-server: $schema=../policies/policy.schema.json
version: 1
protect:
  tags: ["latest", "v*"]
rules:
  - name: stale-pr
    packages: { type: container, names: ["web"] }
    match: { tags: ["pr-*"], older-than: 10d }
    keep: { latest: 1 }
  - name: untagged
    packages: { type: container, names: ["web"] }
    match: { untagged: true, older-than: 7d }
  - name: snapshots
    packages: { type: npm, names: ["lib"] }
    match: { versions: ["*-SNAPSHOT"] }
    keep: { latest: 1 }
`
const POLICY_FILE = '.github/package-retention.yml'

function webPackage(): FakePackageSeed {
  return {
    owner: 'acme',
    package_type: 'container',
    name: 'web',
    visibility: 'private',
    versions: [
      containerVersion('latest', ['latest'], 1),
      containerVersion('v1.0', ['v1.0'], 100),
      containerVersion('pr-1', ['pr-1'], 45),
      containerVersion('pr-2', ['pr-2'], 30),
      containerVersion('pr-3', ['pr-3'], 20),
      containerVersion('pr-4', ['pr-4'], 5),
      containerVersion('u1', [], 60),
      containerVersion('u2', [], 35),
      containerVersion('u3', [], 2)
    ]
  }
}

function libPackage(): FakePackageSeed {
  return {
    owner: 'acme',
    package_type: 'npm',
    name: 'lib',
    visibility: 'private',
    versions: [
      npmVersion('1.0.0', 200),
      npmVersion('1.1.0', 100),
      npmVersion('2.0.0-SNAPSHOT', 50),
      npmVersion('2.1.0-SNAPSHOT', 40),
      npmVersion('2.2.0-SNAPSHOT', 3)
    ]
  }
}

const WEB_DELETED = ['pr-1', 'pr-2', 'pr-3', 'u1', 'u2'].map(digest)
const LIB_DELETED = ['2.0.0-SNAPSHOT', '2.1.0-SNAPSHOT']

let fake: FakeGitHub
afterEach(async () => {
  await fake?.stop()
})

async function start(packages: FakePackageSeed[] = [webPackage(), libPackage()], extra = {}): Promise<FakeGitHub> {
  fake = await FakeGitHub.start(world(packages, extra))
  return fake
}

function run(inputs: Record<string, string>, files: Record<string, string> = { [POLICY_FILE]: POLICY }): Promise<ActionRun> {
  return runAction({ apiUrl: fake.url, inputs: { token: PAT, 'max-deletes-per-minute': '180', 'registry-url': fake.url, ...inputs }, files })
}

function activeNames(owner: string, type: string, name: string): string[] {
  return fake
    .versions(owner, type, name)
    .map(v => v.name)
    .sort()
}

function namesExcept(pkg: FakePackageSeed, removed: string[]): string[] {
  return pkg.versions
    .map(v => v.name)
    .filter((n): n is string => n !== undefined && !removed.includes(n))
    .sort()
}

describe('dry run (the default)', () => {
  test('plans, reports and makes no mutating request at all', async () => {
    await start()
    const result = await run({})
    expect(result.stderr).toBe('')
    expect(result.exitCode).toBe(0)
    expect(fake.mutations()).toEqual([])
    expect(result.outputs).toMatchObject({
      'planned-count': '7',
      'deleted-count': '0',
      'skipped-count': '0',
      'failed-count': '0',
      'deferred-count': '0'
    })

    const plan = result.planFile!
    expect(plan).toMatchObject({ format: 'package-retention/plan', formatVersion: 1, status: 'finished', mode: 'dry-run' })
    const versions = plan.packages.flatMap(p => p.versions)
    expect(versions).toHaveLength(14)
    for (const v of versions) expect(v.reason).toMatch(/^(kept|delete)/)
    expect(versions.filter(v => v.decision === 'delete').map(v => v.name).sort()).toEqual([...WEB_DELETED, ...LIB_DELETED].sort())
    expect(versions.find(v => v.tags.includes('latest'))).toMatchObject({ decision: 'keep', reason: expect.stringContaining('protect') })

    expect(result.summary).toContain('Dry run')
    expect(result.summary).toContain('<code>container/web</code>')
    expect(result.summary).toContain('pr-1')
    expect(result.summary).toContain('<summary>Kept: ')
    expect(result.stdout).toContain('::group::Plan')
  })

  test('lists versions 100 a page and makes no per-version GETs', async () => {
    const many: FakePackageSeed = {
      owner: 'acme',
      package_type: 'npm',
      name: 'lib',
      versions: Array.from({ length: 250 }, (_, i) => npmVersion(`0.0.${i}-SNAPSHOT`, 300 - i))
    }
    await start([many])
    const result = await run({})
    expect(result.exitCode).toBe(0)
    const pages = fake.requests.filter(r => r.path.endsWith('/packages/npm/lib/versions'))
    // One pass, then page 1 again: the closing look (contract 1.2).
    expect(pages.map(r => r.query.per_page)).toEqual(['100', '100', '100', '100'])
    expect(pages.map(r => r.query.page).sort()).toEqual(['1', '1', '2', '3'])
    expect(fake.requests.filter(r => /\/versions\/\d+$/.test(r.path))).toEqual([])
    expect(result.outputs['planned-count']).toBe('249')
  })
})

describe('executing the plan', () => {
  test('deletes exactly the planned versions, paced, and reports them', async () => {
    const web = webPackage()
    const lib = libPackage()
    await start([web, lib])
    const result = await run({ 'dry-run': 'false' })
    expect(result.exitCode).toBe(0)
    expect(activeNames('acme', 'container', 'web')).toEqual(namesExcept(web, WEB_DELETED))
    expect(activeNames('acme', 'npm', 'lib')).toEqual(namesExcept(lib, LIB_DELETED))
    expect(result.outputs).toMatchObject({ 'planned-count': '7', 'deleted-count': '7', 'failed-count': '0', 'deferred-count': '0' })

    const deletes = fake.mutations().filter(r => r.method === 'DELETE')
    expect(deletes).toHaveLength(7)
    // 180 per minute: evenly spaced at ~333 ms, never a burst.
    for (let i = 1; i < deletes.length; i++) expect(deletes[i].at - deletes[i - 1].at).toBeGreaterThanOrEqual(300)

    const outcomes = result.planFile!.packages.flatMap(p => p.versions).filter(v => v.decision === 'delete')
    expect(outcomes.every(v => v.outcome === 'deleted')).toBe(true)
    expect(result.summary).toContain('Executed')
    expect(result.stdout).toMatch(/Deleting: 7\/7 \(100%\), [\d.]+\/min/)
  })

  test('max-deletions takes the oldest groups first and defers the rest', async () => {
    await start()
    const result = await run({ 'dry-run': 'false', 'max-deletions': '3' })
    expect(result.exitCode).toBe(0)
    expect(result.outputs).toMatchObject({ 'planned-count': '3', 'deleted-count': '3', 'deferred-count': '4' })
    const deletedNames = result.planFile!.packages.flatMap(p => p.versions).filter(v => v.outcome === 'deleted').map(v => v.name)
    expect(deletedNames.sort()).toEqual([digest('u1'), '2.0.0-SNAPSHOT', digest('pr-1')].sort())
  })

  test('a public version with more than 5,000 downloads is skipped, not failed', async () => {
    const site: FakePackageSeed = {
      owner: 'acme',
      package_type: 'container',
      name: 'web',
      visibility: 'public',
      versions: [containerVersion('latest', ['latest'], 1), containerVersion('popular', [], 90, { downloads: 9000 }), containerVersion('u', [], 80)]
    }
    await start([site])
    const result = await run({ 'dry-run': 'false' })
    expect(result.exitCode).toBe(0)
    expect(result.outputs).toMatchObject({ 'planned-count': '2', 'deleted-count': '1', 'skipped-count': '1', 'failed-count': '0' })
    expect(activeNames('acme', 'container', 'web')).toEqual([digest('latest'), digest('popular')].sort())
    const skipped = result.planFile!.packages[0].versions.find(v => v.outcome === 'skipped')!
    expect(skipped.outcomeDetail).toContain('5000 downloads')
  })

  test('the dry-run summary marks versions of public packages as possibly refused', async () => {
    const site: FakePackageSeed = { ...webPackage(), visibility: 'public' }
    await start([site])
    const result = await run({})
    expect(result.summary).toContain('would delete (may be refused)')
    expect(result.summary).toContain('more than 5,000 downloads')
  })

  const everythingGoes = `version: 1
limits: { on-last-version: LAST }
rules:
  - name: all
    packages: { type: npm, names: ["old"] }
`
  const oldPackage = (): FakePackageSeed => ({
    owner: 'acme',
    package_type: 'npm',
    name: 'old',
    versions: [npmVersion('0.1.0', 30), npmVersion('0.2.0', 20), npmVersion('0.3.0', 10)]
  })

  test('on-last-version: keep never removes the last version', async () => {
    await start([oldPackage()])
    const result = await run({ 'dry-run': 'false', policy: everythingGoes.replace('LAST', 'keep') })
    expect(result.exitCode).toBe(0)
    expect(activeNames('acme', 'npm', 'old')).toEqual(['0.3.0'])
    const kept = result.planFile!.packages[0].versions.find(v => v.name === '0.3.0')!
    expect(kept).toMatchObject({ decision: 'keep', reason: expect.stringMatching(/last version/) })
    expect(result.outputs['deleted-count']).toBe('2')
  })

  test('on-last-version: delete-package deletes the package whole with one DELETE', async () => {
    await start([oldPackage()])
    const result = await run({ 'dry-run': 'false', policy: everythingGoes.replace('LAST', 'delete-package') })
    expect(result.exitCode).toBe(0)
    expect(fake.packageExists('acme', 'npm', 'old')).toBe(false)
    const deletes = fake.mutations()
    expect(deletes.map(r => `${r.method} ${r.path}`)).toEqual(['DELETE /orgs/acme/packages/npm/old'])
    expect(result.outputs).toMatchObject({ 'planned-count': '3', 'deleted-count': '3' })
    expect(result.planFile!.packages[0].wholePackage).toBe(true)
  })
})

describe('tokens and permissions', () => {
  test('a 404 on DELETE from a token that cannot delete is a failure naming the permission, never a deletion', async () => {
    await start()
    const result = await run({ 'dry-run': 'false', token: ACTIONS_TOKEN })
    expect(result.exitCode).toBe(1)
    // web: the token's repository has Admin on it; lib: it does not.
    expect(fake.versions('acme', 'container', 'web')).toHaveLength(4)
    expect(fake.versions('acme', 'npm', 'lib')).toHaveLength(5)
    expect(result.outputs).toMatchObject({ 'deleted-count': '5', 'failed-count': '2' })
    expect(result.stdout).toMatch(/::error::.*cannot delete in this package.*Admin/)
    // The second deletion in the blocked package is not attempted.
    expect(fake.mutations().filter(r => r.path.includes('/npm/lib/'))).toHaveLength(1)
  })

  test('literal names work with the GITHUB_TOKEN; globs explain why they cannot', async () => {
    await start()
    const globbed = POLICY.replace('names: ["web"] }\n    match: { tags', 'names: ["we*"] }\n    match: { tags')
    const result = await run({ token: ACTIONS_TOKEN }, { [POLICY_FILE]: globbed })
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toMatch(/::error::Rule 'stale-pr' selects container packages by glob \(we\*\).*GITHUB_TOKEN cannot list packages.*name the packages literally/)
    expect(fake.mutations()).toEqual([])
  })

  test('a token without read:packages is told which scope it lacks', async () => {
    await start()
    const noScope = 'ghp_noScopes000000000000000000000000000000'
    await fake.stop()
    fake = await FakeGitHub.start(world([webPackage()], { tokens: [{ token: noScope, kind: 'pat', login: 'octo', scopes: ['repo'] }] }))
    const result = await run({ token: noScope })
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toMatch(/::error::.*read:packages/)
  })

  test('a bad token fails with a clear message', async () => {
    await start()
    const result = await run({ token: 'ghp_notAKnownToken' })
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toMatch(/::error::GitHub rejected the token .*Bad credentials/)
    // A run that stops before its report still says why in the job summary.
    expect(result.summary).toMatch(/<strong>The run failed<\/strong>: GitHub rejected the token .*Bad credentials/)
  })

  test('a read-only token cannot delete: failure, nothing counted as deleted', async () => {
    await start()
    const result = await run({ 'dry-run': 'false', token: READ_ONLY_PAT })
    expect(result.exitCode).toBe(1)
    expect(result.outputs['deleted-count']).toBe('0')
    expect(Number(result.outputs['failed-count'])).toBe(7)
    expect(fake.versions('acme', 'container', 'web')).toHaveLength(9)
  })
})

describe('owners and packages', () => {
  test("the token's own account is used for a user's private packages", async () => {
    const mine: FakePackageSeed = { owner: 'octo', package_type: 'npm', name: 'lib', visibility: 'private', versions: libPackage().versions }
    await start([mine])
    const result = await run({ owner: 'octo', 'dry-run': 'false' })
    expect(result.exitCode).toBe(0)
    expect(fake.versions('octo', 'npm', 'lib').map(v => v.name).sort()).toEqual(['1.0.0', '1.1.0', '2.2.0-SNAPSHOT'])
    expect(fake.mutations().every(r => r.path.startsWith('/user/packages/npm/lib/versions/'))).toBe(true)
  })

  test('a missing package is a warning and the other packages go on', async () => {
    await start()
    const policy = POLICY.replace('names: ["lib"]', 'names: ["lib", "ghost"]')
    const result = await run({ 'dry-run': 'false' }, { [POLICY_FILE]: policy })
    expect(result.exitCode).toBe(0)
    expect(result.stdout).toMatch(/::warning::Package npm\/ghost was not found for owner 'acme'/)
    expect(result.outputs['deleted-count']).toBe('7')
  })

  test('an unknown owner fails before anything is listed', async () => {
    await start()
    const result = await run({ owner: 'nobody-here' })
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toMatch(/::error::Owner 'nobody-here' does not exist/)
    expect(fake.requests.some(r => r.path.includes('/packages'))).toBe(false)
  })

  test('a package name containing "/" is percent-encoded in the path', async () => {
    const team: FakePackageSeed = { ...webPackage(), name: 'team/web' }
    await start([team])
    const result = await run({ 'dry-run': 'false' }, { [POLICY_FILE]: POLICY.replace(/names: \["web"\]/g, 'names: ["team/web"]') })
    expect(result.exitCode).toBe(0)
    expect(result.outputs['deleted-count']).toBe('5')
    expect(fake.mutations().every(r => r.path.startsWith('/orgs/acme/packages/container/team%2Fweb/versions/'))).toBe(true)
  })
})

describe('bad input loses nothing', () => {
  test('an invalid policy file is annotated at its line and column, and no request is made', async () => {
    await start()
    const bad = POLICY.replace('older-than: 10d', 'older-than: 30 days')
    const result = await run({ 'dry-run': 'false' }, { [POLICY_FILE]: bad })
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toMatch(/::error title=Invalid retention policy,file=\.github\/package-retention\.yml,line=8,col=42::rules\[0\]\.match\.older-than: '30 days' is not a duration/)
    expect(fake.requests).toHaveLength(0)
  })

  test('invalid inputs fail before any request', async () => {
    await start()
    const result = await run({ 'dry-run': 'maybe', 'max-deletions': '-3', 'max-deletes-per-minute': '500' })
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toContain("input 'dry-run': 'maybe' is not a boolean")
    expect(result.stdout).toContain("input 'max-deletions': '-3' is not valid")
    expect(result.stdout).toContain("input 'max-deletes-per-minute': '500' is not valid; use an integer from 1 to 180")
    expect(fake.requests).toHaveLength(0)
  })

  test('a missing policy file says where it looked', async () => {
    await start()
    const result = await run({}, {})
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toMatch(/::error.*\.github\/package-retention\.yml.*not found/)
    expect(fake.requests).toHaveLength(0)
  })
})

describe('rate limits', () => {
  test('a secondary rate limit answered with retry-after is waited out without failures', async () => {
    await start()
    fake.failNext({
      method: 'DELETE',
      status: 403,
      message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
      headers: { 'retry-after': '1' },
      times: 2
    })
    const result = await run({ 'dry-run': 'false' })
    expect(result.exitCode).toBe(0)
    expect(result.outputs).toMatchObject({ 'deleted-count': '7', 'failed-count': '0' })
  })

  test('when the primary limit cannot cover the plan, the run does what fits and defers the rest', async () => {
    // Listing costs 1 (owner) + 1 (/user is not needed for orgs) + packages and pages; leave room for 3 deletions.
    await start(undefined, { rateLimit: { limit: 5000, remaining: 12 } })
    const result = await run({ 'dry-run': 'false' })
    expect(result.exitCode).toBe(0)
    const deleted = Number(result.outputs['deleted-count'])
    const deferred = Number(result.outputs['deferred-count'])
    expect(deleted).toBeGreaterThan(0)
    expect(deferred).toBeGreaterThan(0)
    expect(deleted + deferred).toBe(7)
    expect(result.stdout).toMatch(/At start, rate limit \(core\): \d+\/5000 remaining/)
    expect(result.stdout).toMatch(/At end, rate limit/)
    expect(fake.requests.filter(r => r.status === 403)).toEqual([])
  })
})

describe('restore', () => {
  test('restore-from puts back what a run deleted; a dry run only reports it', async () => {
    const web = webPackage()
    const lib = libPackage()
    await start([web, lib])
    const before = { web: activeNames('acme', 'container', 'web'), lib: activeNames('acme', 'npm', 'lib') }
    const deleting = await run({ 'dry-run': 'false' })
    expect(deleting.outputs['deleted-count']).toBe('7')
    const planPath = deleting.outputs['plan-path']

    fake.resetRequests()
    const preview = await runAction({ apiUrl: fake.url, inputs: { token: PAT, 'restore-from': planPath, 'max-deletes-per-minute': '180' }, workDir: deleting.workDir })
    expect(preview.exitCode).toBe(0)
    expect(fake.mutations()).toEqual([])
    expect(preview.summary).toContain('would restore')

    const restoring = await runAction({ apiUrl: fake.url, inputs: { token: PAT, 'restore-from': planPath, 'dry-run': 'false', 'max-deletes-per-minute': '180' }, workDir: deleting.workDir })
    expect(restoring.exitCode).toBe(0)
    expect(fake.mutations().map(r => r.method)).toEqual(Array(7).fill('POST'))
    expect({ web: activeNames('acme', 'container', 'web'), lib: activeNames('acme', 'npm', 'lib') }).toEqual(before)
    expect(restoring.summary).toContain('restored')
  })
})

test('timestamps are relative to the real clock', () => {
  expect(Date.parse(daysAgo(1))).toBeLessThan(Date.now())
})
