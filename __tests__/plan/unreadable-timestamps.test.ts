// Contract 1.1, "Unreadable timestamps": a version whose created_at or updated_at is missing or not
// an ISO 8601 date-time is never deleted, whatever the rules say, and the rest is planned as usual.
import { container, containerOf, deletedIds, multiArch, packagePlan, pkg, plan, policy, rule, version, versionPlan, days } from './builders.js'

const UNREADABLE = 'kept: its timestamp cannot be read'

describe('unreadable timestamps', () => {
  it.each([
    ['a missing created_at', { created: '' }],
    ['"12" (Date.parse: 2001)', { created: '12', updated: '12' }],
    ['a date without a time', { created: '2020-01-01', updated: '2020-01-01' }],
    ['an unreadable updated_at only', { created: '2020-01-01T00:00:00Z', updated: 'yesterday' }]
  ])('%s: kept, whatever the rules select', (_what, times) => {
    const web = container('web', [version(1, { age: 40 }), version(2, times), version(3, { tags: ['v1'], age: 1 })])
    const result = plan(policy([rule('untagged', { untagged: true })]), [web])
    expect(versionPlan(result, 2)).toMatchObject({ decision: 'keep', reason: UNREADABLE })
    expect(deletedIds(result)).toEqual([1])
  })

  it('never takes the place of a readable version among the keep.latest newest', () => {
    const lib = pkg('npm', 'lib', [version(1, { name: '1.0.0', age: 30 }), version(2, { name: '1.1.0', age: 20 }), version(3, { name: '0.0.1', created: 'soon', updated: 'soon' })])
    const result = plan(policy([rule('keep-one', { type: 'npm', names: ['lib'], keepLatest: 1 })]), [lib])
    expect(versionPlan(result, 2, 'npm/lib')).toMatchObject({ decision: 'keep', reason: "kept: 1st newest of series 'keep-one'" })
    expect(versionPlan(result, 3, 'npm/lib')).toMatchObject({ decision: 'keep', reason: UNREADABLE })
    expect(deletedIds(result, 'npm/lib')).toEqual([1])
  })

  it('an image kept so keeps its platform manifests; a platform manifest kept so does not hold back its index', () => {
    const kept = multiArch(10, { age: 40 })
    kept.versions[0] = { ...kept.versions[0], createdAt: '12', updatedAt: '12' }
    const gone = multiArch(20, { age: 40 })
    gone.versions[1] = { ...gone.versions[1], createdAt: '', updatedAt: '' }
    const result = plan(policy([rule('untagged', { untagged: true, olderThan: days(7) })]), [containerOf('web', kept, gone)])
    expect(versionPlan(result, 10)).toMatchObject({ decision: 'keep', reason: UNREADABLE })
    expect(versionPlan(result, 11)).toMatchObject({ decision: 'keep', reason: expect.stringMatching(/^kept: platform .* of web@/) })
    expect(versionPlan(result, 21)).toMatchObject({ decision: 'keep', reason: UNREADABLE })
    // The index goes first; the platform manifest kept stays as an orphan a later run judges.
    expect(deletedIds(result)).toEqual([20, 22])
    expect(packagePlan(result).warning).toBeUndefined()
  })

  it('stays kept when the last-version rule judges the dependants again', () => {
    const older = multiArch(10, { tags: ['pr-1'], age: 40 })
    older.versions[2] = { ...older.versions[2], createdAt: 'never', updatedAt: 'never' }
    const newer = multiArch(20, { tags: ['pr-2'], age: 30 })
    const result = plan(policy([rule('prs', { tags: ['pr-*'] })]), [containerOf('web', older, newer)])
    // GitHub refuses to delete the last tagged version: pr-2 stays, with its platforms.
    expect(versionPlan(result, 20)).toMatchObject({ decision: 'keep', reason: 'kept: last tagged version (GitHub refuses to delete it)' })
    expect(versionPlan(result, 12)).toMatchObject({ decision: 'keep', reason: UNREADABLE })
    expect(deletedIds(result)).toEqual([10, 11])
  })
})
