// Steps 1–4 of the contract: series, keep, select, and how rules combine (keep always wins).
import {
  NOW,
  container,
  daysAgo,
  days,
  decisionOf,
  deletedIds,
  digest,
  hours,
  months,
  packagePlan,
  pkg,
  plan,
  policy,
  rule,
  version,
  versionPlan
} from './builders.js'

describe('series (step 1)', () => {
  it('with no conditions, every image is in the series', () => {
    const result = plan(policy([rule('all', { keepLatest: 1 })]), [
      container('web', [version(1, { age: 3, tags: ['a'] }), version(2, { age: 2 }), version(3, { age: 1, tags: ['c'] })])
    ])
    expect(deletedIds(result)).toEqual([1, 2])
    expect(versionPlan(result, 3).reason).toBe("kept: 1st newest of series 'all'")
  })

  it('tags: the version has tags and every tag matches a glob', () => {
    const result = plan(policy([rule('prs', { tags: ['pr-*'] })]), [
      container('web', [
        version(1, { tags: ['pr-7'], age: 5 }),
        version(2, { tags: ['main'], age: 5 }),
        version(3, { age: 5 }),
        version(4, { tags: ['stable'], age: 1 })
      ])
    ])
    expect(deletedIds(result)).toEqual([1])
    expect(versionPlan(result, 1).reason).toBe("delete: tag 'pr-7' matches rule 'prs', 5 days old")
    expect(versionPlan(result, 2).reason).toBe('kept: not selected by any rule')
    expect(versionPlan(result, 2).rule).toBeUndefined()
  })

  it('versions: the name matches a glob (the digest for containers)', () => {
    const result = plan(policy([rule('one-digest', { versions: [digest(2)] })]), [
      container('web', [version(1, { age: 5 }), version(2, { age: 5 }), version(4, { age: 5, tags: ['x'] })])
    ])
    expect(deletedIds(result)).toEqual([2])
    expect(versionPlan(result, 2).reason).toBe("delete: digest sha256:000000000000 matches rule 'one-digest', 5 days old")
  })

  it('untagged: only versions without tags', () => {
    const result = plan(policy([rule('untagged', { untagged: true, olderThan: days(7) })]), [
      container('web', [version(1, { age: 41 }), version(2, { age: 41, tags: ['v1'] }), version(3, { age: 3 })])
    ])
    expect(deletedIds(result)).toEqual([1])
    expect(versionPlan(result, 1).reason).toBe('delete: untagged, 41 days old')
    expect(versionPlan(result, 1).rule).toBe('untagged')
  })

  it('every given condition must hold', () => {
    const result = plan(policy([rule('both', { tags: ['pr-*'], versions: [digest(1), digest(3)] })]), [
      container('web', [
        version(1, { tags: ['pr-1'], age: 5 }),
        version(2, { tags: ['pr-2'], age: 5 }),
        version(3, { tags: ['main'], age: 5 }),
        version(9, { tags: ['keep'], age: 1 })
      ])
    ])
    expect(deletedIds(result)).toEqual([1])
  })

  it('older-than is not part of the series: young members still take keep.latest places', () => {
    const result = plan(policy([rule('nightly', { tags: ['nightly-*'], olderThan: days(10), keepLatest: 2 })]), [
      container('web', [
        version(1, { tags: ['nightly-1'], age: 30 }),
        version(2, { tags: ['nightly-2'], age: 20 }),
        version(3, { tags: ['nightly-3'], age: 2 }),
        version(4, { tags: ['nightly-4'], age: 1 })
      ])
    ])
    // 3 and 4 are the two newest; 1 and 2 are old enough and not kept.
    expect(deletedIds(result)).toEqual([1, 2])
    expect(versionPlan(result, 3).reason).toBe("kept: 2nd newest of series 'nightly'")
  })
})

describe('keep (step 2)', () => {
  it('keep.latest ties on the timestamp are broken by the larger id', () => {
    const at = daysAgo(3)
    const result = plan(policy([rule('all', { keepLatest: 1 })]), [
      container('web', [version(5, { created: at }), version(7, { created: at, tags: ['a'] }), version(6, { created: at })])
    ])
    expect(deletedIds(result)).toEqual([5, 6])
    expect(versionPlan(result, 7).reason).toBe("kept: 1st newest of series 'all'")
  })

  it('keep.latest ranks by the age-from timestamp (updated by default, or created)', () => {
    const versions = [
      version(1, { created: daysAgo(100), updated: daysAgo(1), tags: ['a'] }),
      version(2, { created: daysAgo(50), updated: daysAgo(50), tags: ['b'] })
    ]
    const byUpdated = plan(policy([rule('r', { keepLatest: 1 })]), [container('web', versions)])
    expect(deletedIds(byUpdated)).toEqual([2])
    const byCreated = plan(policy([rule('r', { keepLatest: 1, ageFrom: 'created' })]), [container('web', versions)])
    expect(deletedIds(byCreated)).toEqual([1])
  })

  it('keep.latest: 0 keeps nothing by rank', () => {
    const result = plan(policy([rule('untagged', { untagged: true, keepLatest: 0 })]), [
      container('web', [version(1), version(2), version(3, { tags: ['v1'] })])
    ])
    expect(deletedIds(result)).toEqual([1, 2])
  })

  it('keep.tags and keep.versions keep matching images even outside the series', () => {
    const result = plan(
      policy([
        rule('keeper', { tags: ['pr-*'], keepTags: ['stable'], keepVersions: [digest(3)] }),
        rule('everything', { olderThan: days(1) })
      ]),
      [
        container('web', [
          version(1, { tags: ['stable'], age: 9 }),
          version(2, { tags: ['other'], age: 9 }),
          version(3, { age: 9 }),
          version(4, { tags: ['pr-4'], age: 9 })
        ])
      ]
    )
    expect(deletedIds(result)).toEqual([2, 4])
    expect(versionPlan(result, 1)).toMatchObject({ decision: 'keep', rule: 'keeper', reason: "kept: tag 'stable' kept by rule 'keeper'" })
    expect(versionPlan(result, 3).reason).toBe("kept: digest sha256:000000000000 kept by rule 'keeper'")
    expect(versionPlan(result, 4).rule).toBe('keeper')
  })

  it('an image kept by keep.tags still takes its place in the keep.latest ranking', () => {
    const result = plan(policy([rule('r', { keepLatest: 1, keepTags: ['stable'] })]), [
      container('web', [version(1, { tags: ['stable'], age: 1 }), version(2, { tags: ['b'], age: 2 }), version(3, { tags: ['c'], age: 3 })])
    ])
    expect(deletedIds(result)).toEqual([2, 3])
  })
})

describe('select (step 3): older-than', () => {
  it('exactly at the cutoff is not older; strictly before is', () => {
    const cutoff = NOW.getTime() - 30 * 86_400_000
    const at = (ms: number) => new Date(ms).toISOString()
    const result = plan(policy([rule('old', { olderThan: days(30) })]), [
      container('web', [
        version(1, { created: at(cutoff) }),
        version(2, { created: at(cutoff - 1) }),
        version(3, { created: at(cutoff + 1) }),
        version(4, { tags: ['keepme'], created: at(cutoff + 5) })
      ])
    ])
    expect(deletedIds(result)).toEqual([2])
    // The rule that would select it once old enough is named (the summary's Rule column).
    expect(versionPlan(result, 1)).toMatchObject({ decision: 'keep', rule: 'old', reason: "kept: newer than 30d (rule 'old')" })
  })

  it('P1M is a calendar month (May has 31 days: 30.5 days old is not older than P1M)', () => {
    const result = plan(policy([rule('month', { olderThan: months(1) })]), [
      container('web', [
        version(1, { created: '2026-05-15T12:00:00.000Z' }),
        version(2, { created: '2026-05-15T11:59:59.999Z' }),
        version(3, { created: '2026-05-15T00:00:00.000Z', tags: ['v'] }),
        version(4, { created: '2026-06-01T00:00:00.000Z', tags: ['new'] })
      ])
    ])
    expect(deletedIds(result)).toEqual([2, 3])
    expect(versionPlan(result, 1).reason).toBe("kept: newer than P1M (rule 'month')")
  })

  it('older-than measures the age-from timestamp', () => {
    const versions = [version(1, { created: daysAgo(100), updated: daysAgo(1) }), version(9, { tags: ['v'] })]
    expect(deletedIds(plan(policy([rule('r', { untagged: true, olderThan: days(30) })]), [container('web', versions)]))).toEqual([])
    expect(
      deletedIds(plan(policy([rule('r', { untagged: true, olderThan: days(30), ageFrom: 'created' })]), [container('web', versions)]))
    ).toEqual([1])
  })

  it('hours', () => {
    const result = plan(policy([rule('r', { untagged: true, olderThan: hours(12) })]), [
      container('web', [version(1, { created: daysAgo(0.75) }), version(2, { created: daysAgo(0.25) }), version(3, { tags: ['t'] })])
    ])
    expect(deletedIds(result)).toEqual([1])
    expect(versionPlan(result, 1).reason).toBe('delete: untagged, 18 hours old')
  })
})

describe('combining rules (step 4)', () => {
  it('keep always wins over another rule selecting', () => {
    const result = plan(policy([rule('sweep', { olderThan: days(1) }), rule('keep-two', { keepLatest: 2 })]), [
      container('web', [version(1, { age: 5 }), version(2, { age: 4 }), version(3, { age: 3, tags: ['v3'] })])
    ])
    expect(deletedIds(result)).toEqual([1])
    expect(versionPlan(result, 2)).toMatchObject({ decision: 'keep', rule: 'keep-two', reason: "kept: 2nd newest of series 'keep-two'" })
  })

  it('when several rules select, the first one (policy order) is recorded', () => {
    const result = plan(policy([rule('a', { untagged: true, olderThan: days(30) }), rule('b', { untagged: true })]), [
      container('web', [version(1, { age: 40 }), version(2, { age: 3 }), version(3, { tags: ['v'], age: 1 })])
    ])
    expect(deletedIds(result)).toEqual([1, 2])
    expect(versionPlan(result, 1).rule).toBe('a')
    expect(versionPlan(result, 2).rule).toBe('b')
  })

  it('rules for another type or another name do not apply', () => {
    const p = policy([
      rule('npm-only', { type: 'npm', names: ['*'] }),
      rule('api-only', { names: ['api-*'] }),
      rule('web-untagged', { untagged: true, olderThan: days(10) })
    ])
    const result = plan(p, [container('web', [version(1, { age: 5 }), version(2, { age: 20 }), version(3, { tags: ['v'], age: 20 })])])
    expect(packagePlan(result).rules).toEqual(['web-untagged'])
    expect(deletedIds(result)).toEqual([2])
  })

  it('a leading "!" excludes a package whatever the order of globs', () => {
    const p = policy([rule('all-but-web', { names: ['!web', '*'] })])
    const result = plan(p, [container('web', [version(1, { age: 5 }), version(2, { tags: ['v'] })]), container('api', [version(11), version(12, { tags: ['v'] })])])
    expect(packagePlan(result).rules).toEqual([])
    expect(versionPlan(result, 1).reason).toBe('kept: no rule applies to this package')
    expect(packagePlan(result, 'container/api').rules).toEqual(['all-but-web'])
    expect(deletedIds(result, 'container/api')).toEqual([11])
  })

  it('names glob: "*" does not cross "/"', () => {
    const p = policy([rule('team', { names: ['team/*'], untagged: true }), rule('top', { names: ['*'], untagged: true })])
    const result = plan(p, [container('team/web', [version(1), version(2, { tags: ['t'] })])])
    expect(packagePlan(result, 'container/team/web').rules).toEqual(['team'])
  })

  it('protect by tag wins over every rule and records no rule', () => {
    const result = plan(policy([rule('sweep', {})], { protectTags: ['latest', 'v*'] }), [
      container('web', [version(1, { tags: ['latest'] }), version(2, { tags: ['x', 'v1.0'] }), version(3, { tags: ['x'] })])
    ])
    expect(deletedIds(result)).toEqual([3])
    expect(versionPlan(result, 1)).toMatchObject({ decision: 'keep', reason: "kept: protected by tag 'latest'" })
    expect(versionPlan(result, 1).rule).toBeUndefined()
    expect(versionPlan(result, 2).reason).toBe("kept: protected by tag 'v1.0'")
  })

  it('protect by version glob', () => {
    const result = plan(policy([rule('all-npm', { type: 'npm', names: ['lib'] })], { protectVersions: ['1.*'] }), [
      pkg('npm', 'lib', [version(1, { name: '1.0.0', age: 9 }), version(2, { name: '2.0.0', age: 8 }), version(3, { name: '3.0.0', age: 1 })])
    ])
    expect(deletedIds(result, 'npm/lib')).toEqual([2, 3])
    expect(versionPlan(result, 1, 'npm/lib').reason).toBe("kept: protected by version '1.0.0'")
  })
})

describe('non-container packages', () => {
  it('every version is an untagged image, whatever tags the inventory carries', () => {
    const versions = [
      version(1, { name: '1.0.0-SNAPSHOT', tags: ['pr-1'], age: 40 }),
      version(2, { name: '1.0.0', age: 40 }),
      version(3, { name: '1.1.0-SNAPSHOT', age: 2 }),
      version(4, { name: '1.1.0', age: 1 })
    ]
    const byTags = plan(policy([rule('prs', { type: 'maven', names: ['lib'], tags: ['pr-*'] })]), [pkg('maven', 'lib', versions)])
    expect(deletedIds(byTags, 'maven/lib')).toEqual([])
    const untagged = plan(
      policy([rule('snapshots', { type: 'maven', names: ['lib'], untagged: true, versions: ['*-SNAPSHOT'], olderThan: days(30) })]),
      [pkg('maven', 'lib', versions)]
    )
    expect(deletedIds(untagged, 'maven/lib')).toEqual([1])
    expect(packagePlan(untagged, 'maven/lib').versions.every((v) => v.role === 'image')).toBe(true)
  })

  it('references are ignored for other types', () => {
    const inventory = pkg('npm', 'lib', [version(1, { name: '1.0.0', age: 9 }), version(2, { name: '2.0.0' })])
    inventory.references = [{ child: 1, parent: 2, kind: 'platform' }]
    const result = plan(policy([rule('old', { type: 'npm', names: ['lib'], versions: ['1.*'] })]), [inventory])
    expect(versionPlan(result, 1, 'npm/lib')).toMatchObject({ role: 'image', decision: 'delete', reason: "delete: version '1.0.0' matches rule 'old', 9 days old" })
  })

  it('versions glob on npm names', () => {
    const result = plan(policy([rule('snap', { type: 'npm', names: ['lib'], versions: ['*-rc.*'], keepLatest: 1 })]), [
      pkg('npm', 'lib', [version(1, { name: '1.0.0-rc.1', age: 3 }), version(2, { name: '1.0.0-rc.2', age: 2 }), version(3, { name: '1.0.0', age: 1 })])
    ])
    expect(deletedIds(result, 'npm/lib')).toEqual([1])
    expect(decisionOf(result, 2, 'npm/lib')).toBe('keep')
    expect(versionPlan(result, 1, 'npm/lib').reason).toBe("delete: version '1.0.0-rc.1' matches rule 'snap', 3 days old, beyond the 1 newest")
  })
})
