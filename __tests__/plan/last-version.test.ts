// Step 6: GitHub refuses to delete the last tagged version of a container package and the last
// version of other types; `on-last-version` says whether to keep it or delete the package whole.
import { container, containerOf, days, deletedIds, multiArch, packagePlan, pkg, plan, policy, ref, rule, version, versionPlan } from './builders.js'

const LAST_TAGGED = 'kept: last tagged version (GitHub refuses to delete it)'
const LAST = 'kept: last version (GitHub refuses to delete it)'

describe("on-last-version: keep (containers)", () => {
  it('keeps the newest (by created_at) tagged image that would go, with its dependants', () => {
    const older = multiArch(10, { tags: ['pr-1'], age: 40 })
    const newer = multiArch(20, { tags: ['pr-2'], age: 30, attestation: true })
    // Updated order is the reverse of created order: created_at decides.
    newer.versions[0].updatedAt = older.versions[0].createdAt
    older.versions[0].updatedAt = newer.versions[0].createdAt
    const result = plan(policy([rule('all', { olderThan: days(7) })]), [containerOf('web', older, newer, { versions: [version(5, { age: 50 })], references: [] })])
    expect(deletedIds(result)).toEqual([5, 10, 11, 12])
    expect(versionPlan(result, 20)).toMatchObject({ decision: 'keep', reason: LAST_TAGGED })
    expect(versionPlan(result, 20).rule).toBeUndefined()
    expect(versionPlan(result, 21).reason).toBe('kept: platform linux/amd64 of web:pr-2')
    expect(versionPlan(result, 23).reason).toBe('kept: attestation of web:pr-2')
    expect(packagePlan(result).groups.map((g) => g.imageId)).toEqual([5, 10])
  })

  it('ties on created_at are broken by the larger id', () => {
    const at = '2026-01-01T00:00:00.000Z'
    const result = plan(policy([rule('all', {})]), [container('web', [version(7, { tags: ['a'], created: at }), version(9, { tags: ['b'], created: at }), version(8, { tags: ['c'], created: at })])])
    expect(deletedIds(result)).toEqual([7, 8])
    expect(versionPlan(result, 9).reason).toBe(LAST_TAGGED)
  })

  it('does nothing while some tagged version stays', () => {
    const result = plan(policy([rule('prs', { tags: ['pr-*'] })]), [container('web', [version(1, { tags: ['pr-1'] }), version(2, { tags: ['main'], age: 9 })])])
    expect(deletedIds(result)).toEqual([1])
  })

  it('a kept tagged dependant (a signature) is a tagged version that stays', () => {
    const inventory = container(
      'web',
      [version(1, { tags: ['pr-1'], age: 9 }), version(2, { tags: ['sha256-1.sig'] }), version(3)],
      [ref(2, 3, 'signature')]
    )
    const result = plan(policy([rule('prs', { tags: ['pr-*'] })]), [inventory])
    expect(deletedIds(result)).toEqual([1])
  })

  it('a package without any tagged version can lose every version', () => {
    const result = plan(policy([rule('untagged', { untagged: true })]), [container('web', [version(1), version(2)])])
    expect(deletedIds(result)).toEqual([1, 2])
  })

  it('when only tagged dependants would go, the newest of them is kept', () => {
    const inventory = container(
      'web',
      [version(1, { age: 9 }), version(2, { tags: ['sha256-1.sig'], age: 9 }), version(3, { age: 8 }), version(4, { tags: ['sha256-3.sig'], age: 8 })],
      [ref(2, 1, 'signature'), ref(4, 3, 'signature')]
    )
    const result = plan(policy([rule('untagged', { untagged: true })]), [inventory])
    expect(deletedIds(result)).toEqual([1, 2, 3])
    expect(versionPlan(result, 4).reason).toBe(LAST_TAGGED)
  })
})

describe('on-last-version: keep (other types)', () => {
  it('keeps the newest version when every version would go', () => {
    const result = plan(policy([rule('all', { type: 'npm', names: ['lib'] })]), [
      pkg('npm', 'lib', [version(1, { name: '1.0.0', age: 3 }), version(2, { name: '2.0.0', age: 1 }), version(3, { name: '1.5.0', age: 2 })])
    ])
    expect(deletedIds(result, 'npm/lib')).toEqual([1, 3])
    expect(versionPlan(result, 2, 'npm/lib').reason).toBe(LAST)
  })

  it('does nothing when some version stays', () => {
    const result = plan(policy([rule('old', { type: 'npm', names: ['lib'], olderThan: days(2) })]), [
      pkg('npm', 'lib', [version(1, { name: '1.0.0', age: 3 }), version(2, { name: '2.0.0', age: 1 })])
    ])
    expect(deletedIds(result, 'npm/lib')).toEqual([1])
  })
})

describe('on-last-version: delete-package', () => {
  it('deletes the package whole when every version would go, counting each version', () => {
    const result = plan(policy([rule('all', { olderThan: days(7) })], { onLastVersion: 'delete-package' }), [
      containerOf('web', multiArch(10, { tags: ['a'], age: 40 }), multiArch(20, { tags: ['b'], age: 30 }))
    ])
    const groups = packagePlan(result).groups
    expect(groups).toEqual([
      { packageKey: 'container/web', imageId: 22, createdAt: versionPlan(result, 22).createdAt, versionIds: [10, 11, 12, 20, 21, 22], wholePackage: true }
    ])
    expect(deletedIds(result)).toEqual([10, 11, 12, 20, 21, 22])
    expect(result.scheduled).toEqual(groups)
    // The cap counts each version of the package: 6 do not fit in 5, so the package is taken alone,
    // as any first group larger than the cap is, and the plan says so.
    const capped = plan(policy([rule('all', { olderThan: days(7) })], { onLastVersion: 'delete-package' }), [
      containerOf('web', multiArch(10, { tags: ['a'], age: 40 }), multiArch(20, { tags: ['b'], age: 30 }))
    ], { maxDeletions: 5 })
    expect(capped.scheduled).toEqual(groups)
    expect(capped.oversizedGroup).toEqual({ packageKey: 'container/web', imageId: 22, versions: 6, maxDeletions: 5 })
  })

  it('other types too', () => {
    const result = plan(policy([rule('all', { type: 'nuget', names: ['lib'] })], { onLastVersion: 'delete-package' }), [
      pkg('nuget', 'lib', [version(1, { name: '1.0.0' }), version(2, { name: '2.0.0' })])
    ])
    expect(packagePlan(result, 'nuget/lib').groups).toMatchObject([{ wholePackage: true, versionIds: [1, 2], imageId: 2 }])
  })

  it('falls back to the keep behaviour when not every version would go', () => {
    const result = plan(policy([rule('tagged', { tags: ['*'] })], { onLastVersion: 'delete-package' }), [
      container('web', [version(1, { tags: ['a'], age: 3 }), version(2, { tags: ['b'], age: 2 }), version(3, { age: 1 })])
    ])
    expect(deletedIds(result)).toEqual([1])
    expect(versionPlan(result, 2).reason).toBe(LAST_TAGGED)
    expect(packagePlan(result).groups.some((g) => g.wholePackage)).toBe(false)
  })

  it('an empty package is not deleted', () => {
    const result = plan(policy([rule('all', {})], { onLastVersion: 'delete-package' }), [container('web', [])])
    expect(packagePlan(result).groups).toEqual([])
  })
})
