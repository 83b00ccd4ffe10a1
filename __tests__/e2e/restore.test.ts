// End-to-end: restore-from. A deleting run, then a restore from its plan file, must give back
// exactly what was there (multi-arch images whole, a package deleted whole restored with one
// restore of the package). Restores GitHub refuses — past its 30 days, or into a package name a
// new package now uses — are reported per version in the summary and the log, with
// failed-count and a failed step; a token without permission stops its package at the first
// refusal. Every restore run writes its own result file (the plan-path output) with the tags each
// version has after the restore, read back from GitHub. A dry run's plan has nothing to restore,
// and a damaged plan file fails before any request.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { FakeGitHub, type FakeOptions, type FakePackageSeed, type FakeVersion } from '../fake/index.js'
import { manifestSeed, multiArchImage, singleImage, type BuiltImage } from '../fake/images.js'
import { runAction, type ActionRun } from './run-action.js'
import { PAT, READ_ONLY_PAT, containerVersion, daysAgo, npmVersion, world } from './world.js'

const POLICY = `version: 1
protect:
  tags: ["latest"]
limits:
  on-last-version: delete-package
rules:
  - name: stale-prs
    packages: { type: container, names: ["web"] }
    match: { tags: ["pr-*"], older-than: 7d }
  - name: untagged
    packages: { type: container, names: ["web"] }
    match: { untagged: true, older-than: 30d }
  - name: retired
    packages: { type: npm, names: ["old"] }
`
const DAY_MS = 24 * 60 * 60 * 1000

interface Scenario {
  latest: BuiltImage
  prOld: BuiltImage
  prOlder: BuiltImage
  untagged: BuiltImage
  packages: FakePackageSeed[]
}

function scenario(): Scenario {
  const platforms = ['linux/amd64', 'linux/arm64']
  const latest = multiArchImage({ tags: ['latest'], created_at: daysAgo(1), platforms, attestations: true })
  const prOld = multiArchImage({ tags: ['pr-1'], created_at: daysAgo(40), platforms, attestations: true })
  const prOlder = multiArchImage({ tags: ['pr-2'], created_at: daysAgo(20), platforms, format: 'docker' })
  const untagged = singleImage({ tags: [], created_at: daysAgo(60), salt: 'old-build' })
  const web: FakePackageSeed = {
    owner: 'acme',
    package_type: 'container',
    name: 'web',
    visibility: 'private',
    versions: [...latest.versions, ...prOld.versions, ...prOlder.versions, ...untagged.versions]
  }
  const old: FakePackageSeed = { owner: 'acme', package_type: 'npm', name: 'old', versions: [npmVersion('0.1.0', 90), npmVersion('0.2.0', 60), npmVersion('0.3.0', 30)] }
  return { latest, prOld, prOlder, untagged, packages: [web, old] }
}

/** Deleted by the policy: pr-1 (index, 2 platforms, 2 attestations), pr-2 (index, 2 platforms), the untagged build, and npm/old whole (3). */
const DELETED = 5 + 3 + 1 + 3

/** One fake GitHub and its clock, per test: the tests run concurrently (most of their time is the pacing of writes). */
class World {
  /** Added to the fake's clock: GitHub's 30-day restore window is judged by it. */
  clockOffsetMs = 0
  fake!: FakeGitHub

  static async start(s: Scenario, extra: Partial<FakeOptions> = {}): Promise<World> {
    const w = new World()
    w.fake = await FakeGitHub.start(world(s.packages, { now: () => new Date(Date.now() + w.clockOffsetMs), ...extra }))
    return w
  }

  /**
   * What the fake holds, as a user would compare it: every package, whether it exists, its active
   * versions (download counts aside: each manifest the action reads counts as a download).
   */
  state(): Record<string, { exists: boolean; versions: Omit<FakeVersion, 'downloads'>[] }> {
    const versions = (type: string, name: string) => this.fake.versions('acme', type, name).map(({ downloads: _downloads, ...v }) => v)
    const of = (type: string, name: string) => ({ exists: this.fake.packageExists('acme', type, name), versions: versions(type, name) })
    return { 'container/web': of('container', 'web'), 'npm/old': of('npm', 'old') }
  }

  run(inputs: Record<string, string>, workDir?: string): Promise<ActionRun> {
    return runAction({
      apiUrl: this.fake.url,
      inputs: { token: PAT, policy: POLICY, 'registry-url': this.fake.url, 'max-deletes-per-minute': '180', ...inputs },
      workDir
    })
  }

  async deleteRun(): Promise<ActionRun> {
    const deleting = await this.run({ 'dry-run': 'false' })
    expect(deleting.exitCode).toBe(0)
    expect(deleting.outputs).toMatchObject({ 'deleted-count': String(DELETED), 'failed-count': '0' })
    expect(this.fake.packageExists('acme', 'npm', 'old')).toBe(false)
    return deleting
  }

  /** A restore from `planPath` (default: the plan file of `earlier`), counting requests from here. */
  restore(earlier: ActionRun, inputs: Record<string, string> = {}, planPath = earlier.outputs['plan-path']): Promise<ActionRun> {
    this.fake.resetRequests()
    return this.run({ 'restore-from': planPath, 'dry-run': 'false', ...inputs }, earlier.workDir)
  }
}

async function inWorld(fn: (w: World, s: Scenario) => Promise<void>): Promise<void> {
  const s = scenario()
  const w = await World.start(s)
  try {
    await fn(w, s)
  } finally {
    await w.fake.stop()
  }
}

const unescape = (s: string): string => s.replace(/%0A/g, '\n').replace(/%25/g, '%')
const restoreErrors = (r: ActionRun): string[] => [...r.stdout.matchAll(/^::error title=Restore failed::(.*)$/gm)].map(m => unescape(m[1]))

interface RestoreResultJson {
  format: string
  mode: string
  restoreFrom: string
  totals: Record<string, number>
  items: { packageKey: string; id: number; tags: string[]; outcome: string; tagsAfter?: string[]; movedTags?: { tag: string; versionId?: number }[] }[]
}

/** The restore run's plan-path: a result file of its own under RUNNER_TEMP, not the plan file it read. */
function expectOwnResultFile(restoring: ActionRun, earlier: ActionRun, expected: Partial<RestoreResultJson>): RestoreResultJson {
  const path = restoring.outputs['plan-path']
  expect(path).not.toBe(earlier.outputs['plan-path'])
  expect(path.startsWith(join(restoring.workDir, 'runner-temp', 'package-retention', 'restore-'))).toBe(true)
  const result = JSON.parse(readFileSync(path, 'utf8')) as RestoreResultJson
  expect(result).toMatchObject({ format: 'package-retention/restore-result', restoreFrom: earlier.outputs['plan-path'], ...expected })
  expect(restoring.summary).toContain(`Result file: <code>${path}</code>`)
  return result
}

/** The plan file's version id of a digest. */
function idOf(deleting: ActionRun, digest: string): number {
  return deleting.planFile!.packages.flatMap(p => p.versions).find(v => v.name === digest)!.id
}

test.concurrent('delete, then restore: the fake holds exactly what it held, images whole, the package restored with one request', () =>
  inWorld(async (w, s) => {
    const before = w.state()
    const deleting = await w.deleteRun()
    expect(w.fake.versions('acme', 'container', 'web')).toHaveLength(s.latest.versions.length)

    // A dry run only says what it would restore: no request at all.
    const preview = await w.restore(deleting, { 'dry-run': 'true' })
    expect(preview.exitCode).toBe(0)
    expect(w.fake.requests).toEqual([])
    expectOwnResultFile(preview, deleting, { mode: 'dry-run', totals: { versions: DELETED, restored: 0, present: 0, failed: 0 } })
    expect(preview.outputs).toMatchObject({ 'planned-count': String(DELETED), 'failed-count': '0' })
    expect(preview.summary).toContain('<strong>Dry run</strong>: nothing was restored')
    expect(preview.summary).toContain(`<tr><td>${DELETED}</td><td>${DELETED}</td><td>0</td><td>0</td></tr>`)

    const restoring = await w.restore(deleting)
    expect(restoring.exitCode).toBe(0)
    expect(restoring.outputs).toMatchObject({ 'planned-count': String(DELETED), 'skipped-count': '0', 'failed-count': '0' })
    const result = expectOwnResultFile(restoring, deleting, { mode: 'restore', totals: { versions: DELETED, restored: DELETED, present: 0, failed: 0 } })
    // Nothing was pushed meanwhile: every version has its old tags back, as GitHub lists them now.
    for (const item of result.items) expect([item.id, item.tagsAfter, item.movedTags]).toEqual([item.id, item.tags, undefined])
    expect(w.state()).toEqual(before)
    expect(w.fake.brokenImages()).toEqual([])

    // One restore of the package for npm/old; one per version for the rest; nothing else mutates.
    const posts = w.fake.mutations().map(r => `${r.method} ${r.path}`)
    expect(posts.filter(p => !p.includes('/versions/'))).toEqual(['POST /orgs/acme/packages/npm/old/restore'])
    expect(posts).toHaveLength(1 + DELETED - 3)
    // Each image's platforms and attestations come back before the index that lists them.
    const order = posts.map(p => Number(/versions\/(\d+)\/restore$/.exec(p)?.[1]))
    for (const image of [s.prOld, s.prOlder]) {
      const indexAt = order.indexOf(idOf(deleting, image.digest))
      expect(indexAt).toBeGreaterThanOrEqual(0)
      for (const child of [...image.children, ...image.attestations]) {
        const childAt = order.indexOf(idOf(deleting, child.digest))
        expect(childAt).toBeGreaterThanOrEqual(0)
        expect(childAt).toBeLessThan(indexAt)
      }
    }
    // Everything came back: the first line says so; one row per image (pr-1 and pr-2 with their platforms).
    expect(restoring.summary.split('\n')[1]).toBe(`<p>✅ <strong>Restore</strong>: all ${DELETED} versions (6 images) came back.</p>`)
    expect(restoring.summary).toContain(`<tr><td>${DELETED}</td><td>${DELETED}</td><td>0</td><td>0</td></tr>`)
    expect(restoring.summary.match(/✅ restored/g)).toHaveLength(6)
    expect(restoring.summary).toMatch(/<code>pr-1<\/code><\/td><td>linux\/amd64, linux\/arm64 \+ 2 attestations<\/td><td>✅ restored<\/td>/)
    expect(restoring.summary).toContain('Change the policy before the next scheduled run')
    expect(restoring.stdout).toMatch(/Restoring: \d+\/\d+ \(100%\)/)

    // Restoring again changes nothing and fails nothing: every version is already there.
    const again = await w.restore(deleting)
    expect(again.exitCode).toBe(0)
    expect(again.outputs).toMatchObject({ 'skipped-count': String(DELETED), 'failed-count': '0' })
    expect(again.summary).toContain(`<tr><td>${DELETED}</td><td>0</td><td>${DELETED}</td><td>0</td></tr>`)
    expect(w.state()).toEqual(before)
  })
)

test.concurrent('a token without write:packages: each package stops at its first refusal, and the failure names the scopes', () =>
  inWorld(async (w, s) => {
    const deleting = await w.deleteRun()
    // A token that may not restore: GitHub still keeps the versions; the failure names the scopes,
    // and each package stops at its first refusal (one POST for web, one for the whole npm/old).
    const refused = await w.restore(deleting, { token: READ_ONLY_PAT })
    expect(refused.exitCode).toBe(1)
    expect(refused.outputs['failed-count']).toBe(String(DELETED))
    expect(w.fake.mutations().map(r => r.method)).toEqual(['POST', 'POST'])
    const errors = restoreErrors(refused)
    expect(errors[0]).toMatch(
      /^9 version\(s\) of container\/web could not be restored: restoring stopped at version \d+, refused for lack of permission; the package's other 8 version\(s\) were not attempted: GitHub still keeps it but refused to restore it: the token may not restore in this package; restoring needs a classic personal access token with read:packages and write:packages/
    )
    expect(errors[1]).toMatch(/^3 version\(s\) of npm\/old could not be restored: GitHub no longer has the deleted package to restore: .*; or the token cannot see it: restoring needs a classic personal access token with read:packages and write:packages, or for a GITHUB_TOKEN the Admin role on the package/)
    expect(w.fake.versions('acme', 'container', 'web')).toHaveLength(s.latest.versions.length)
  })
)

test.concurrent("past GitHub's 30 days: every restore is refused, and the summary, the log and the exit status say why", () =>
  inWorld(async (w, s) => {
    const deleting = await w.deleteRun()
    w.clockOffsetMs = 31 * DAY_MS
    const restoring = await w.restore(deleting)
    expect(restoring.exitCode).toBe(1)
    expect(restoring.outputs).toMatchObject({ 'planned-count': String(DELETED), 'failed-count': String(DELETED) })
    // Nothing came back.
    expect(w.fake.versions('acme', 'container', 'web')).toHaveLength(s.latest.versions.length)
    expect(w.fake.packageExists('acme', 'npm', 'old')).toBe(false)

    expect(restoreErrors(restoring)).toEqual([
      expect.stringMatching(
        /^9 version\(s\) of container\/web could not be restored: GitHub no longer keeps it: it is not among the package's restorable deleted versions; GitHub keeps deleted versions for 30 days \(GitHub answered HTTP 404: Package version not found\.\)$/
      ),
      expect.stringMatching(
        /^3 version\(s\) of npm\/old could not be restored: GitHub no longer has the deleted package to restore: it keeps deleted packages for 30 days; or the token cannot see it: .*\(GitHub answered HTTP 404: Package not found\.\)$/
      )
    ])
    expect(restoring.stdout).toMatch(/^::error::12 of 12 version\(s\) could not be restored; the summary and the annotations say why for each\.$/m)
    expect(restoring.stdout).toMatch(/^container\/web \d+ pr-1: failed \(GitHub no longer keeps it/m)
    expect(restoring.summary).toContain('<tr><td>12</td><td>0</td><td>0</td><td>12</td></tr>')
    // The first line says how many came back and how many could not; each cause is said once, the rows point at it.
    expect(restoring.summary.split('\n')[1]).toBe('<p>❌ <strong>Restore</strong>: 0 of 12 versions (6 images) came back, <strong>12 could not</strong>; the causes are below.</p>')
    expect(restoring.summary).toContain('❌ Could not be restored:')
    expect(restoring.summary).toContain('<li>(1) 9 version(s) of <code>container/web</code>: GitHub no longer keeps it: it is not among the package&#39;s restorable deleted versions')
    expect(restoring.summary.match(/GitHub no longer keeps it/g)).toHaveLength(1)
    expect(restoring.summary.match(/<td>❌ failed \(cause 1\)<\/td>/g)).toHaveLength(3)
    expect(restoring.summary.match(/<td>❌ failed \(cause 2\)<\/td>/g)).toHaveLength(3)
  })
)

test.concurrent('a package name reused by a new package: its restores fail with that reason, and the new package is untouched', () =>
  inWorld(async w => {
    const deleting = await w.deleteRun()
    // Later, someone deletes what is left of web, and new packages are pushed under both names.
    const response = await fetch(`${w.fake.url}/orgs/acme/packages/container/web`, { method: 'DELETE', headers: { authorization: `Bearer ${PAT}` } })
    expect(response.status).toBe(204)
    const newWeb = singleImage({ tags: ['v2'], created_at: new Date().toISOString(), salt: 'new-web' })
    w.fake.publishPackage({ owner: 'acme', package_type: 'container', name: 'web', versions: newWeb.versions })
    w.fake.publishPackage({ owner: 'acme', package_type: 'npm', name: 'old', versions: [{ name: '9.0.0', created_at: new Date().toISOString() }] })
    const after = w.state()

    const restoring = await w.restore(deleting)
    expect(restoring.exitCode).toBe(1)
    expect(restoring.outputs['failed-count']).toBe(String(DELETED))
    expect(w.state()).toEqual(after)
    const errors = restoreErrors(restoring)
    expect(errors).toHaveLength(2)
    expect(errors[0]).toMatch(
      /^9 version\(s\) of container\/web could not be restored: the name container\/web now belongs to a new package \(none of the versions the plan saw are in it\): GitHub cannot restore into a reused namespace; delete the new package first, then restore again/
    )
    expect(errors[1]).toMatch(/^3 version\(s\) of npm\/old could not be restored: the name npm\/old now belongs to a new package .*reused namespace/)
    expect(restoring.summary).toContain('now belongs to a new package')
    expect(restoring.summary).toContain('<tr><td>12</td><td>0</td><td>0</td><td>12</td></tr>')
  })
)

test.concurrent('a plan file from a run killed before it recorded anything: the versions GitHub lists as deleted are restored', () =>
  inWorld(async w => {
    const before = w.state()
    const deleting = await w.deleteRun()
    // As if the run had been killed outright during its deletions: status 'running', no outcomes.
    const plan = JSON.parse(readFileSync(deleting.outputs['plan-path'], 'utf8')) as { status: string; packages: { versions: Record<string, unknown>[] }[] }
    plan.status = 'running'
    for (const v of plan.packages.flatMap(p => p.versions)) {
      delete v.outcome
      delete v.outcomeDetail
    }
    const killed = join(deleting.workDir, 'killed-plan.json')
    writeFileSync(killed, JSON.stringify(plan))

    const restoring = await w.restore(deleting, {}, killed)
    expect(restoring.exitCode).toBe(0)
    expect(restoring.stdout).toMatch(/::warning::The run that wrote the plan file did not finish \(status 'running'\)/)
    expect(restoring.outputs).toMatchObject({ 'planned-count': String(DELETED), 'failed-count': '0' })
    expect(w.state()).toEqual(before)
    expect(w.fake.brokenImages()).toEqual([])
  })
)

test.concurrent("a dry run's plan file: nothing to restore, and not a single request", () =>
  inWorld(async w => {
    const dryRun = await w.run({})
    expect(dryRun.exitCode).toBe(0)
    const restoring = await w.restore(dryRun)
    expect(restoring.exitCode).toBe(0)
    expect(w.fake.requests).toEqual([])
    expectOwnResultFile(restoring, dryRun, { mode: 'restore', totals: { versions: 0, restored: 0, present: 0, failed: 0 } })
    expect(restoring.stdout).toContain('the plan file is from a dry run, which deleted nothing: nothing to restore')
    expect(restoring.summary.split('\n')[1]).toBe('<p>✅ <strong>Nothing to restore</strong>: the plan file is from a dry run, which deleted nothing.</p>')
    expect(restoring.outputs).toMatchObject({ 'planned-count': '0', 'failed-count': '0' })
  })
)

test.concurrent('a plan file that cannot be used: each refused before any request, with what is wrong and what to pass', () =>
  inWorld(async w => {
    const earlier = await w.run({})
    const planOf = (): Record<string, unknown> => JSON.parse(readFileSync(earlier.outputs['plan-path'], 'utf8')) as Record<string, unknown>
    const cases: [string, string | undefined, RegExp][] = [
      ['not JSON', '{"format": "package-retention/plan", "packages": [', /is not JSON: /],
      ['another format', JSON.stringify({ format: 'terraform-plan', packages: [] }), /is not a package-retention plan file \(format 'terraform-plan'\)/],
      ['a later format version', JSON.stringify({ ...planOf(), formatVersion: 2 }), /has plan file format version 2; this action reads version 1/],
      [
        'a package without its owner kind',
        (() => {
          const plan = planOf() as { packages: { package: Record<string, unknown> }[] }
          delete plan.packages[1].package.ownerKind
          return JSON.stringify(plan)
        })(),
        /is not a usable plan file: packages\[1\]\.package\.ownerKind is not one of org, user, self/
      ],
      [
        'a version without an id',
        (() => {
          const plan = planOf() as { packages: { versions: Record<string, unknown>[] }[] }
          plan.packages[0].versions[2].id = 'twelve'
          return JSON.stringify(plan)
        })(),
        /is not a usable plan file: packages\[0\]\.versions\[2\]\.id is not a version id/
      ],
      ['no such file', undefined, /cannot read the plan file '.*missing-plan\.json'/]
    ]
    const before = w.state()
    for (const [name, text, message] of cases) {
      const path = join(earlier.workDir, text === undefined ? 'missing-plan.json' : `${name.replace(/\W+/g, '-')}.json`)
      if (text !== undefined) writeFileSync(path, text)
      const restoring = await w.restore(earlier, {}, path)
      expect([name, restoring.exitCode]).toEqual([name, 1])
      expect(w.fake.requests).toEqual([])
      const failure = /^::error::(.*)$/m.exec(restoring.stdout)?.[1] ?? ''
      expect(failure).toMatch(/^restore-from: /)
      expect(failure).toMatch(message)
      expect(failure).toMatch(/Pass the plan-path output of the run to undo\.$/)
      expect(restoring.outputs).toEqual({})
    }
    expect(w.state()).toEqual(before)
  })
)

test.concurrent('a tag pushed to another version since the deletion stays there: the restore reports the tags after it, read back from GitHub', async () => {
  const fake = await FakeGitHub.start(
    world([
      {
        owner: 'acme',
        package_type: 'container',
        name: 'site',
        versions: [containerVersion('site-1.0', ['1.0', 'latest'], 20), containerVersion('site-2.0-rc', ['2.0-rc'], 2)]
      }
    ])
  )
  try {
    const run = (inputs: Record<string, string>, workDir?: string): Promise<ActionRun> =>
      runAction({
        apiUrl: fake.url,
        inputs: { token: PAT, 'registry-url': fake.url, 'max-deletes-per-minute': '180', 'dry-run': 'false', ...inputs },
        workDir
      })
    const policy = 'version: 1\nrules:\n  - name: old\n    packages: { type: container, names: ["site"] }\n    match: { older-than: 10d }\n'
    const deleting = await run({ policy })
    expect(deleting.outputs).toMatchObject({ 'deleted-count': '1', 'failed-count': '0' })
    const deleted = fake.versions('acme', 'container', 'site', 'deleted')[0]
    // Meanwhile `latest` is pushed to a new build.
    const pushed = fake.pushVersion('acme', 'container', 'site', { ...manifestSeed('site-2.0'), tags: ['2.0', 'latest'], created_at: new Date().toISOString() })

    const restoring = await run({ policy, 'restore-from': deleting.outputs['plan-path'] }, deleting.workDir)
    expect(restoring.exitCode).toBe(0)
    expect(fake.versions('acme', 'container', 'site').map(v => [v.id, v.tags])).toEqual([
      [pushed.id, ['2.0', 'latest']],
      [expect.any(Number), ['2.0-rc']],
      [deleted.id, ['1.0']]
    ])
    expect(restoring.summary).toContain('Tags (after the restore)')
    expect(restoring.summary).toContain(`<code>1.0</code> (<code>latest</code> is on version ${pushed.id} now)`)
    expect(restoring.stdout).toMatch(
      new RegExp(`^::warning::1 restored version\\(s\\) did not get all their old tags back, because those tags were pushed to other versions since they were deleted .*container/site ${deleted.id}: tags now: 1\\.0; latest is on version ${pushed.id} now`, 'm')
    )
    const result = expectOwnResultFile(restoring, deleting, { mode: 'restore', totals: { versions: 1, restored: 1, present: 0, failed: 0 } })
    expect(result.items).toEqual([
      expect.objectContaining({ id: deleted.id, tags: ['1.0', 'latest'], outcome: 'restored', tagsAfter: ['1.0'], movedTags: [{ tag: 'latest', versionId: pushed.id, versionName: pushed.name }] })
    ])
  } finally {
    await fake.stop()
  }
})
