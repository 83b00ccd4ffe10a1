// Restore through a fake client: what a plan file says to restore and in which order, and how
// a refused restore is explained from what GitHub still shows.
import type { PackageRef } from '../../src/model.js'
import { PlanFileError, planStatus, restoreFromPlan, restoreTargets, type ListedVersion, type RestoreApi } from '../../src/execute/restore.js'
import type { PlanFile } from '../../src/report/plan-file.js'
import type { ReportedVersion } from '../../src/report/run-report.js'
import { emptyCounts } from '../../src/report/run-report.js'

const web: PackageRef = { owner: 'acme', ownerKind: 'org', type: 'container', name: 'web' }
const lib: PackageRef = { owner: 'acme', ownerKind: 'org', type: 'npm', name: 'lib' }

function v(id: number, extra: Partial<ReportedVersion> = {}): ReportedVersion {
  return { id, name: `v${id}`, tags: [], createdAt: '2026-10-01T00:00:00Z', updatedAt: '2026-10-01T00:00:00Z', role: 'image', decision: 'delete', reason: 'delete: x', scheduled: true, outcome: 'deleted', ...extra }
}

function planFile(packages: { pkg: PackageRef; versions: ReportedVersion[]; wholePackage?: boolean }[], extra: Partial<PlanFile> = {}): PlanFile {
  return {
    format: 'package-retention/plan',
    formatVersion: 1,
    status: 'finished',
    writtenAt: '2026-11-20T00:00:00Z',
    mode: 'delete',
    owner: { login: 'acme', kind: 'org' },
    policy: 'inline',
    now: '2026-11-20T00:00:00Z',
    packages: packages.map(p => ({ key: `${p.pkg.type}/${p.pkg.name}`, package: p.pkg, rules: [], counts: emptyCounts(), versions: p.versions, wholePackage: p.wholePackage })),
    totals: emptyCounts(),
    missing: [],
    failures: [],
    requests: {},
    ...extra
  }
}

function httpError(status: number, message: string): Error {
  return Object.assign(new Error(message), { status, response: { headers: {}, data: { message } } })
}

/** GitHub as a restore sees it: which versions are active or deleted (restorable), and which package the name stands for. */
class FakeRestoreApi implements RestoreApi {
  readonly calls: string[] = []
  active = new Set<number>()
  deleted = new Set<number>()
  packageExists = true
  /** The error a restore gets for a version id (default: restored when deleted). */
  refusals = new Map<number | 'package', Error>()
  /** Tags GitHub lists for a version now (default none). */
  tags = new Map<number, string[]>()

  async restoreVersion(_pkg: PackageRef, id: number): Promise<void> {
    this.calls.push(`restore ${id}`)
    const refusal = this.refusals.get(id)
    if (refusal) throw refusal
    if (!this.deleted.delete(id)) throw httpError(404, 'Package version not found.')
    this.active.add(id)
  }

  async restorePackage(pkg: PackageRef): Promise<void> {
    this.calls.push(`restore package ${pkg.name}`)
    const refusal = this.refusals.get('package')
    if (refusal) throw refusal
  }

  async versionState(_pkg: PackageRef, id: number): Promise<'active' | 'gone'> {
    this.calls.push(`get ${id}`)
    return this.active.has(id) ? 'active' : 'gone'
  }

  async getPackage(): Promise<object | undefined> {
    this.calls.push('get package')
    return this.packageExists ? {} : undefined
  }

  async listVersions(_pkg: PackageRef, state: 'active' | 'deleted'): Promise<ListedVersion[]> {
    this.calls.push(`list ${state}`)
    return [...(state === 'active' ? this.active : this.deleted)].map(id => ({ id, name: `v${id}`, tags: this.tags.get(id) ?? [] }))
  }
}

const quiet = { dryRun: false, log: () => undefined }

describe('restoreTargets', () => {
  test('what was deleted, dependants first: a nested index’s platforms, then it and the attestation, then the image', () => {
    const file = planFile([
      {
        pkg: web,
        versions: [
          v(10, { tags: ['v1'] }),
          v(11, { role: 'dependant', kind: 'platform', belongsTo: [10] }), // a nested index
          v(12, { role: 'dependant', kind: 'platform', platform: 'linux/amd64', belongsTo: [11] }),
          v(13, { role: 'dependant', kind: 'platform', platform: 'linux/arm64', belongsTo: [11] }),
          v(14, { role: 'dependant', kind: 'attestation', belongsTo: [10] }),
          v(20, { tags: ['latest'], decision: 'keep', outcome: undefined, scheduled: undefined }),
          v(30, { outcome: 'skipped' }),
          v(31, { outcome: 'failed' }),
          v(32, { outcome: 'deferred', scheduled: false })
        ]
      }
    ])
    const [target] = restoreTargets(file)
    expect(target.versions.map(x => x.id)).toEqual([12, 13, 11, 14, 10])
    expect(target.whole).toBe(false)
    expect(target.knownIds).toEqual([10, 11, 12, 13, 14, 20, 30, 31, 32])
  })

  test('a dry run’s plan restores nothing; a run killed before recording restores from what it scheduled', () => {
    const versions = [v(1, { outcome: undefined }), v(2, { outcome: undefined, scheduled: false }), v(3, { decision: 'keep', outcome: undefined, scheduled: undefined })]
    expect(planStatus(planFile([{ pkg: lib, versions }], { mode: 'dry-run' }))).toBe('dry-run')
    expect(restoreTargets(planFile([{ pkg: lib, versions }], { mode: 'dry-run' }))).toEqual([])
    const killed = planFile([{ pkg: lib, versions }], { status: 'running' })
    expect(planStatus(killed)).toBe('unrecorded')
    expect(restoreTargets(killed)[0].versions.map(x => x.id)).toEqual([1])
    expect(planStatus(planFile([], { status: 'stopped' }))).toBe('recorded')
  })

  test('a damaged file is refused with the place of the damage', () => {
    const broken = planFile([{ pkg: { ...lib, ownerKind: 'team' as never }, versions: [v(1)] }])
    expect(() => restoreTargets(broken)).toThrow(new PlanFileError('packages[0].package.ownerKind is not one of org, user, self'))
    const noId = planFile([{ pkg: lib, versions: [v(1), { ...v(2), id: -2 }] }])
    expect(() => restoreTargets(noId)).toThrow('packages[0].versions[1].id is not a version id')
    const noVersions = planFile([{ pkg: lib, versions: 'none' as never }])
    expect(() => restoreTargets(noVersions)).toThrow('packages[0].versions is not a list')
  })
})

describe('restoreFromPlan', () => {
  test('restores each deleted version, and a whole package with one request', async () => {
    const api = new FakeRestoreApi()
    api.deleted = new Set([1, 2])
    const file = planFile([
      { pkg: web, versions: [v(1), v(2), v(3, { decision: 'keep', outcome: undefined })] },
      { pkg: lib, versions: [v(5), v(6)], wholePackage: true }
    ])
    const result = await restoreFromPlan(file, api, quiet)
    // Each package's tags are read back once, after its restores.
    expect(api.calls).toEqual(['restore 1', 'restore 2', 'list active', 'restore package lib', 'list active'])
    expect(result).toMatchObject({ restored: 4, present: 0, failed: 0 })
    expect(result.items.map(i => [i.packageKey, i.id, i.outcome])).toEqual([
      ['container/web', 1, 'restored'],
      ['container/web', 2, 'restored'],
      ['npm/lib', 5, 'restored'],
      ['npm/lib', 6, 'restored']
    ])
  })

  test('a dry run makes no request', async () => {
    const api = new FakeRestoreApi()
    const result = await restoreFromPlan(planFile([{ pkg: web, versions: [v(1)] }, { pkg: lib, versions: [v(5)], wholePackage: true }]), api, { ...quiet, dryRun: true })
    expect(api.calls).toEqual([])
    expect(result.items.map(i => i.outcome)).toEqual(['would restore', 'would restore'])
  })

  test('refusals explained from what GitHub shows, each package looked at once', async () => {
    const api = new FakeRestoreApi()
    api.active = new Set([3, 4]) // 3: kept by the plan, 4: restored earlier
    api.deleted = new Set([5]) // 5: still kept by GitHub, but the token may not restore it
    api.refusals.set(5, httpError(404, 'Package not found.'))
    // 1 and 2 are neither active nor deleted: purged after 30 days.
    const file = planFile([{ pkg: web, versions: [v(1), v(2), v(3, { decision: 'keep', outcome: undefined }), v(4), v(5)] }])
    const result = await restoreFromPlan(file, api, { ...quiet, windowNote: ' (the plan file was written 45 days ago)' })
    const outcome = (id: number) => result.items.find(i => i.id === id)!
    expect(outcome(1)).toMatchObject({ outcome: 'failed', detail: expect.stringMatching(/^GitHub no longer keeps it: .* for 30 days \(the plan file was written 45 days ago\) \(GitHub answered HTTP 404: Package version not found\.\)$/) })
    expect(outcome(2).outcome).toBe('failed')
    expect(outcome(4)).toMatchObject({ outcome: 'already present' })
    expect(outcome(5)).toMatchObject({
      outcome: 'failed',
      detail: expect.stringMatching(/^restoring stopped at version 5, refused for lack of permission: GitHub still keeps it but refused to restore it: the token may not restore in this package; restoring needs .*write:packages/)
    })
    expect(result).toMatchObject({ restored: 0, present: 1, failed: 3 })
    // The package looked at once to explain, and listed once more to read back the tags of what is there.
    expect(api.calls.filter(c => c.startsWith('list') || c === 'get package')).toEqual(['get package', 'list active', 'list deleted', 'list active'])
  })

  test('a reused name: none of the versions the plan saw are there', async () => {
    const api = new FakeRestoreApi()
    api.active = new Set([900])
    const result = await restoreFromPlan(planFile([{ pkg: web, versions: [v(1), v(2, { decision: 'keep', outcome: undefined })] }]), api, quiet)
    expect(result.items[0]).toMatchObject({ outcome: 'failed', detail: expect.stringMatching(/^the name container\/web now belongs to a new package/) })

    const whole = new FakeRestoreApi()
    whole.active = new Set([900])
    whole.refusals.set('package', httpError(400, 'Package is not deleted.'))
    const again = await restoreFromPlan(planFile([{ pkg: lib, versions: [v(5), v(6)], wholePackage: true }]), whole, quiet)
    expect(again.items.map(i => i.outcome)).toEqual(['failed', 'failed'])
    expect(again.items[0].detail).toMatch(/^the name npm\/lib now belongs to a new package .*\(GitHub answered HTTP 400: Package is not deleted\.\)$/)
  })

  test('transient and permission errors need no diagnosis', async () => {
    const api = new FakeRestoreApi()
    api.deleted = new Set([1, 2])
    api.refusals.set(1, httpError(503, 'Service Unavailable'))
    api.refusals.set(2, httpError(403, 'Resource not accessible by integration'))
    const result = await restoreFromPlan(planFile([{ pkg: web, versions: [v(1), v(2)] }]), api, quiet)
    expect(result.items.map(i => i.detail)).toEqual([
      'HTTP 503: Service Unavailable; run the restore again later',
      expect.stringMatching(/^restoring stopped at version 2, refused for lack of permission: the token may not restore it: restoring needs .* \(GitHub answered HTTP 403: Resource not accessible by integration\)$/)
    ])
    expect(api.calls).toEqual(['restore 1', 'restore 2'])
  })

  test('a permission refusal stops its package: no further POST there, one cause for all its versions; other packages go on', async () => {
    const api = new FakeRestoreApi()
    api.deleted = new Set([1, 2, 3, 7])
    const refusal = httpError(403, 'Resource not accessible by integration')
    api.refusals.set(1, refusal)
    const other: PackageRef = { ...web, name: 'api' }
    const result = await restoreFromPlan(planFile([{ pkg: web, versions: [v(1), v(2), v(3)] }, { pkg: other, versions: [v(7)] }]), api, quiet)
    expect(api.calls).toEqual(['restore 1', 'restore 7', 'list active'])
    expect(result).toMatchObject({ restored: 1, failed: 3 })
    const details = new Set(result.items.filter(i => i.packageKey === 'container/web').map(i => i.detail))
    expect([...details]).toEqual([
      expect.stringMatching(/^restoring stopped at version 1, refused for lack of permission; the package's other 2 version\(s\) were not attempted: the token may not restore it: .*write:packages/)
    ])
  })

  test('tags are read back after the restore: a tag pushed to another version since stays there, and the item says where', async () => {
    const api = new FakeRestoreApi()
    api.deleted = new Set([1, 2])
    api.active = new Set([9])
    // While 1 was deleted, `latest` was pushed to 9; GitHub gives 1 back with the tags it still owns.
    api.tags.set(1, ['1.0'])
    api.tags.set(2, ['pr-3'])
    api.tags.set(9, ['latest', '2.0'])
    const file = planFile([{ pkg: web, versions: [v(1, { tags: ['1.0', 'latest', 'gone'] }), v(2, { tags: ['pr-3'] })] }])
    const result = await restoreFromPlan(file, api, quiet)
    expect(result.items.map(i => [i.id, i.outcome, i.tagsAfter, i.movedTags])).toEqual([
      [1, 'restored', ['1.0'], [{ tag: 'latest', versionId: 9, versionName: 'v9' }, { tag: 'gone' }]],
      [2, 'restored', ['pr-3'], undefined]
    ])
  })
})
