// Contract 1.2, "Companion tags": with match.with-tags, the tag condition holds when at least one tag
// matches `tags` and every other tag matches `tags` or `with-tags`. Images built by
// docker/metadata-action carry a commit tag (sha-<7>) beside their real one.
import { container, days, deletedIds, packagePlan, plan, policy, rule, version, versionPlan } from './builders.js'

describe('PR close: tags [pr-42] with with-tags [sha-*]', () => {
  const prClose = rule('pr-42', { tags: ['pr-42'], withTags: ['sha-*'] })
  const api = (): ReturnType<typeof container> =>
    container('web', [
      version(1, { tags: ['pr-42', 'sha-8826c28'], age: 3 }),
      version(2, { tags: ['sha-1234567'], age: 2 }),
      version(3, { tags: ['pr-42', 'sha-77aa001', 'latest'], age: 2 }),
      version(4, { tags: ['pr-42'], age: 1 }),
      version(5, { tags: ['main', 'sha-0c0ffee'], age: 1 }),
      version(6, { tags: ['pr-420', 'sha-4200000'], age: 1 })
    ])

  it('selects [pr-42, sha-8826c28] and [pr-42], neither [sha-1234567] nor [pr-42, sha-…, latest]', () => {
    const result = plan(policy([prClose]), [api()])
    expect(deletedIds(result)).toEqual([1, 4])
    expect(versionPlan(result, 1).reason).toBe("delete: tags 'pr-42', 'sha-8826c28' match rule 'pr-42', 3 days old")
    expect(versionPlan(result, 2).reason).toBe('kept: not selected by any rule')
    expect(versionPlan(result, 3).reason).toBe("kept: also tagged latest (rule 'pr-42' takes a version only when every tag matches)")
    expect(versionPlan(result, 5).reason).toBe('kept: not selected by any rule')
    expect(versionPlan(result, 6).reason).toBe('kept: not selected by any rule')
  })

  it('without with-tags, every tag must still match: the commit-tagged build stays, and its reason points at with-tags', () => {
    const result = plan(policy([rule('pr-42', { tags: ['pr-42'] })]), [api()])
    expect(deletedIds(result)).toEqual([4])
    expect(versionPlan(result, 1).reason).toBe(
      'kept: also tagged sha-8826c28 (rule \'pr-42\' takes a version only when every tag matches; to take builds that also carry sha-* tags, such as commit tags, add with-tags: ["sha-*"] to it)'
    )
    // latest shares no prefix with the commit tag: no advice.
    expect(versionPlan(result, 3).reason).toBe("kept: also tagged sha-77aa001, latest (rule 'pr-42' takes a version only when every tag matches)")
  })

  it('listing sha-* among tags (the 1.1 workaround) takes every main build too; with-tags does not', () => {
    const listed = plan(policy([rule('pr-42', { tags: ['pr-42', 'sha-*'] })]), [api()])
    expect(deletedIds(listed)).toEqual([1, 2, 4])
    const companions = plan(policy([prClose]), [api()])
    expect(deletedIds(companions)).toEqual([1, 4])
  })

  it('with with-tags already there, other shared-prefix tags are named for it', () => {
    const result = plan(policy([prClose]), [container('web', [version(1, { tags: ['pr-42', 'sha-8826c28', 'build-17'] }), version(2, { tags: ['keep'] })])])
    expect(versionPlan(result, 1).reason).toBe(
      'kept: also tagged build-17 (rule \'pr-42\' takes a version only when every tag matches; to take builds that also carry build-* tags, such as commit tags, add "build-*" to its with-tags)'
    )
  })
})

describe('releases: tags ["*.*.*"] with with-tags ["sha-*"]', () => {
  const images = (): ReturnType<typeof container> =>
    container('web', [
      version(1, { tags: ['1.0.0', 'sha-0000001'], age: 50 }),
      version(2, { tags: ['1.1.0', 'sha-0000002'], age: 40 }),
      version(3, { tags: ['1.2.0', 'sha-0000003'], age: 30 }),
      version(4, { tags: ['2.0.0', 'sha-0000004', 'latest'], age: 20 }),
      version(5, { tags: ['sha-0000005'], age: 45 }),
      version(6, { tags: ['main', 'sha-0000006'], age: 10 })
    ])

  it('keeps the 2 newest releases and deletes the older ones; builds with only a commit tag are not releases', () => {
    const releases = rule('old-releases', { tags: ['*.*.*'], withTags: ['sha-*'], keepLatest: 2 })
    const result = plan(policy([releases], { protectTags: ['latest'] }), [images()])
    // 4 is also tagged latest: not in the series; 3 and 2 are the 2 newest of the series.
    expect(deletedIds(result)).toEqual([1])
    expect(versionPlan(result, 2).reason).toBe("kept: 2nd newest of series 'old-releases'")
    expect(versionPlan(result, 5).decision).toBe('keep')
    expect(versionPlan(result, 1).reason).toBe("delete: tags '1.0.0', 'sha-0000001' match rule 'old-releases', 50 days old, beyond the 2 newest")
  })

  it('without with-tags every release is kept (each also carries a commit tag); adding sha-* to tags would take the main builds', () => {
    const without = plan(policy([rule('old-releases', { tags: ['*.*.*'], keepLatest: 1 })]), [images()])
    expect(deletedIds(without)).toEqual([])
    const asTags = plan(policy([rule('old-releases', { tags: ['*.*.*', 'sha-*'], keepLatest: 1 })]), [images()])
    // All but the newest of releases and commit-only builds together: 5 is a main build, not a release.
    expect(deletedIds(asTags)).toEqual([1, 2, 5])
  })
})

describe('keep.per: "beyond the N newest" names the release line', () => {
  it('says of which line an image is beyond the newest', () => {
    const result = plan(policy([rule('lines', { semver: '*', keepLatest: 1, per: 'minor' })]), [
      container('web', [version(1, { tags: ['1.4.0'], age: 30 }), version(2, { tags: ['1.4.1'], age: 20 }), version(3, { tags: ['1.5.0'], age: 10 }), version(4, { tags: ['1.5.1'], age: 5 })])
    ])
    expect(deletedIds(result)).toEqual([1, 3])
    expect(versionPlan(result, 1).reason).toBe("delete: tag '1.4.0' matches rule 'lines', 30 days old, beyond the 1 newest of 1.4.x")
    expect(versionPlan(result, 3).reason).toBe("delete: tag '1.5.0' matches rule 'lines', 10 days old, beyond the 1 newest of 1.5.x")
  })

  it('images without semver form their own line, named so, and the shared reason is not mixed up between lines', () => {
    const result = plan(policy([rule('per-major', { keepLatest: 1, per: 'major' })]), [
      container('web', [
        version(1, { tags: ['main'], age: 9 }),
        version(2, { tags: ['dev'], age: 9 }),
        version(3, { tags: ['nightly'], age: 8 }),
        version(4, { tags: ['1.0.0'], age: 9 }),
        version(5, { tags: ['1.1.0'], age: 8 })
      ])
    ])
    expect(deletedIds(result)).toEqual([1, 2, 4])
    expect(versionPlan(result, 1).reason).toBe("delete: selected by rule 'per-major', 9 days old, beyond the 1 newest of versions without semver")
    expect(versionPlan(result, 4).reason).toBe("delete: selected by rule 'per-major', 9 days old, beyond the 1 newest of 1.x")
  })

  it('without older-than and without per, the reason is unchanged', () => {
    const result = plan(policy([rule('latest-2', { untagged: true, keepLatest: 2 })]), [container('web', [version(1, { age: 3 }), version(2, { age: 2 }), version(3, { age: 1 })])])
    expect(versionPlan(result, 1).reason).toBe('delete: untagged, 3 days old, beyond the 2 newest')
  })

  it('with older-than, no "beyond" part', () => {
    const result = plan(policy([rule('lines', { semver: '*', keepLatest: 1, per: 'minor', olderThan: days(7) })]), [
      container('web', [version(1, { tags: ['1.4.0'], age: 30 }), version(2, { tags: ['1.4.1'], age: 20 })])
    ])
    expect(versionPlan(result, 1).reason).toBe("delete: tag '1.4.0' matches rule 'lines', 30 days old")
    expect(packagePlan(result).accounts?.[0]).toMatchObject({ series: 2, selected: 1, deleted: 1, keptBy: { 'keep.latest': 1 } })
  })
})
