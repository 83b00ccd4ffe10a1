// The max-deletions cap: groups oldest first across packages, stopping at the first that does not fit.
import { containerOf, days, multiArch, packagePlan, pkg, plan, policy, rule, version } from './builders.js'

const p = (maxDeletions?: number) =>
  policy([rule('prs', { names: ['*'], tags: ['pr-*'], olderThan: days(1) }), rule('npm', { type: 'npm', names: ['*'], versions: ['0.*'] })], { maxDeletions })

const inventories = () => [
  // web: pr-1 (50 days, 3 versions), pr-2 (10 days, 1 version)
  containerOf('web', multiArch(10, { tags: ['pr-1'], age: 50 }), multiArch(20, { tags: ['pr-2'], age: 10, platforms: [] }), multiArch(90, { tags: ['main'] })),
  // api: pr-3 (30 days, 3 versions), pr-4 (5 days, 1 version)
  containerOf('api', multiArch(30, { tags: ['pr-3'], age: 30 }), multiArch(40, { tags: ['pr-4'], age: 5, platforms: [] }), multiArch(91, { tags: ['main'] })),
  // npm lib: 0.1 (40 days), 0.2 (20 days)
  pkg('npm', 'lib', [version(50, { name: '0.1.0', age: 40 }), version(60, { name: '0.2.0', age: 20 }), version(70, { name: '1.0.0' })])
]

describe('max-deletions cap', () => {
  it('without a cap everything is scheduled, oldest first across packages', () => {
    const result = plan(p(), inventories())
    expect(result.scheduled.map((g) => g.imageId)).toEqual([10, 50, 30, 60, 20, 40])
    expect(result.deferredByCap).toEqual([])
    expect(result.scheduled.map((g) => g.packageKey)).toEqual(['container/web', 'npm/lib', 'container/api', 'npm/lib', 'container/web', 'container/api'])
  })

  it('stops at the first group that does not fit, even when later ones would', () => {
    // 3 (pr-1) + 1 (0.1) = 4; pr-3 needs 3 more and only 1 is left: stop there.
    const result = plan(p(), inventories(), { maxDeletions: 5 })
    expect(result.scheduled.map((g) => g.imageId)).toEqual([10, 50])
    expect(result.deferredByCap.map((g) => g.imageId)).toEqual([30, 60, 20, 40])
  })

  it('never splits a group: a first group larger than the cap is taken alone, and the plan says so', () => {
    const result = plan(p(), inventories(), { maxDeletions: 2 })
    expect(result.scheduled.map((g) => g.imageId)).toEqual([10])
    expect(result.scheduled[0].versionIds).toHaveLength(3)
    expect(result.deferredByCap.map((g) => g.imageId)).toEqual([50, 30, 60, 20, 40])
    expect(result.oversizedGroup).toEqual({ packageKey: 'container/web', imageId: 10, versions: 3, maxDeletions: 2 })
    // A later run takes the next group: the backlog drains.
    expect(plan(p(), inventories(), { maxDeletions: 5 }).oversizedGroup).toBeUndefined()
  })

  it('two untagged 7-platform builds under a cap of 10: the older whole (8), the newer deferred whole (8)', () => {
    const seven = ['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/arm/v6', 'linux/386', 'linux/ppc64le', 'linux/s390x']
    const untagged = policy([rule('untagged', { names: ['web'], untagged: true })], { maxDeletions: 10 })
    const result = plan(untagged, [
      containerOf('web', multiArch(100, { age: 20, platforms: seven }), multiArch(200, { age: 10, platforms: seven }), multiArch(300, { tags: ['latest'] }))
    ])
    expect(result.scheduled.map((g) => [g.imageId, g.versionIds.length])).toEqual([[100, 8]])
    expect(result.scheduled[0].versionIds[0]).toBe(100)
    expect(result.deferredByCap.map((g) => [g.imageId, g.versionIds.length])).toEqual([[200, 8]])
    expect(result.oversizedGroup).toBeUndefined()
  })

  it('a dependant shared by two deleted images goes with the newer one', () => {
    const untagged = policy([rule('untagged', { names: ['web'], untagged: true })])
    const older = multiArch(100, { age: 20 })
    const newer = multiArch(200, { age: 10 })
    newer.references.push({ child: older.versions[1].id, parent: 200, kind: 'platform', platform: 'linux/amd64' })
    const result = plan(untagged, [containerOf('web', older, newer, multiArch(300, { tags: ['latest'] }))])
    const groupOf = (id: number) => result.scheduled.find((g) => g.versionIds.includes(id))!.imageId
    expect(groupOf(older.versions[1].id)).toBe(200)
  })

  it('an exact fit is scheduled', () => {
    const result = plan(p(), inventories(), { maxDeletions: 7 })
    expect(result.scheduled.map((g) => g.imageId)).toEqual([10, 50, 30])
  })

  it('falls back to the policy limit; the resolved input wins over it', () => {
    expect(plan(p(4), inventories()).scheduled.map((g) => g.imageId)).toEqual([10, 50])
    expect(plan(p(4), inventories(), { maxDeletions: 100 }).scheduled).toHaveLength(6)
  })

  it('package plans still list every group, before the cap', () => {
    const result = plan(p(), inventories(), { maxDeletions: 1 })
    expect(packagePlan(result).groups.map((g) => g.imageId)).toEqual([10, 20])
    expect(result.scheduled.map((g) => g.imageId)).toEqual([10])
  })

  it('a cap that is not a number defers everything rather than deleting without limit', () => {
    const result = plan(p(), inventories(), { maxDeletions: Number.NaN })
    expect(result.scheduled).toEqual([])
    expect(result.deferredByCap).toHaveLength(6)
  })

  it('ties on created_at are ordered by id', () => {
    const at = '2026-01-01T00:00:00.000Z'
    const result = plan(p(), [
      pkg('npm', 'b', [version(8, { name: '0.1.0', created: at }), version(100, { name: '1.0.0' })]),
      pkg('npm', 'a', [version(9, { name: '0.1.0', created: at }), version(7, { name: '0.2.0', created: at }), version(101, { name: '1.0.0' })])
    ])
    expect(result.scheduled.map((g) => g.imageId)).toEqual([7, 8, 9])
  })
})
