// Step 5 (dependants follow what they belong to) and step 7 (groups: image first, then dependants).
import {
  container,
  containerOf,
  days,
  deletedIds,
  digest,
  multiArch,
  packagePlan,
  plan,
  policy,
  ref,
  rule,
  version,
  versionPlan
} from './builders.js'

// Rules used throughout: PR images older than 7 days go; a kept "1.4" image stays.
const prPolicy = (o: Parameters<typeof policy>[1] = {}, extra: Parameters<typeof rule>[1] = {}) =>
  policy([rule('prs', { tags: ['pr-*'], olderThan: days(7), ...extra })], o)
const stable = multiArch(100, { tags: ['1.4'], age: 2, attestation: true })

describe('dependants follow their image', () => {
  it('platform manifests and attestations of a deleted index are deleted in its group, image first', () => {
    const pr = multiArch(10, { tags: ['pr-12'], age: 30, attestation: true, platforms: ['linux/amd64', 'linux/arm64'] })
    const result = plan(prPolicy(), [containerOf('web', pr, stable)])
    expect(deletedIds(result)).toEqual([10, 11, 12, 13])
    expect(packagePlan(result).groups).toEqual([
      { packageKey: 'container/web', imageId: 10, createdAt: pr.versions[0].createdAt, versionIds: [10, 11, 12, 13] }
    ])
    expect(versionPlan(result, 11)).toMatchObject({
      role: 'dependant',
      decision: 'delete',
      rule: 'prs',
      reason: 'delete: deleted with web:pr-12 (platform linux/amd64)',
      belongsTo: [10],
      kind: 'platform',
      platform: 'linux/amd64'
    })
    expect(versionPlan(result, 13).reason).toBe('delete: deleted with web:pr-12 (attestation)')
    expect(versionPlan(result, 10).role).toBe('image')
  })

  it('dependants of a kept index are kept, naming it', () => {
    const result = plan(prPolicy(), [containerOf('web', stable)])
    expect(versionPlan(result, 102)).toMatchObject({ decision: 'keep', reason: 'kept: platform linux/arm64 of web:1.4' })
    expect(versionPlan(result, 103).reason).toBe('kept: attestation of web:1.4')
    expect(versionPlan(result, 102).rule).toBeUndefined()
  })

  it('dependants are not judged by rules themselves (an untagged rule does not take platform manifests)', () => {
    const result = plan(policy([rule('untagged', { untagged: true })]), [containerOf('web', stable)])
    expect(deletedIds(result)).toEqual([])
  })

  it('a child shared by a deleted and a kept index is kept', () => {
    const inventory = container(
      'web',
      [version(10, { tags: ['pr-1'], age: 30 }), version(20, { tags: ['1.4'], age: 1 }), version(11, { age: 30 })],
      [ref(11, 10, 'platform', 'linux/amd64'), ref(11, 20, 'platform', 'linux/amd64')]
    )
    const result = plan(prPolicy(), [inventory])
    expect(deletedIds(result)).toEqual([10])
    expect(versionPlan(result, 11)).toMatchObject({ decision: 'keep', reason: 'kept: platform linux/amd64 of web:1.4', belongsTo: [10, 20] })
    expect(packagePlan(result).groups.map((g) => g.versionIds)).toEqual([[10]])
  })

  it('a child shared by two deleted indexes is deleted with the newer one', () => {
    const inventory = container(
      'web',
      [version(10, { tags: ['pr-1'], age: 30 }), version(20, { tags: ['pr-2'], age: 20 }), version(11, { age: 30 }), version(99, { tags: ['main'] })],
      [ref(11, 20, 'platform', 'linux/amd64'), ref(11, 10, 'platform', 'linux/amd64')]
    )
    const result = plan(prPolicy(), [inventory])
    expect(deletedIds(result)).toEqual([10, 11, 20])
    expect(packagePlan(result).groups.map((g) => g.versionIds)).toEqual([[10], [20, 11]])
    expect(versionPlan(result, 11).reason).toBe('delete: deleted with web:pr-2 (platform linux/amd64)')
  })

  it('newer is decided by created_at then id, not by the age-from timestamp', () => {
    const inventory = container(
      'web',
      [
        version(10, { tags: ['pr-1'], created: '2026-01-01T00:00:00Z', updated: '2026-03-01T00:00:00Z' }),
        version(20, { tags: ['pr-2'], created: '2026-02-01T00:00:00Z', updated: '2026-02-01T00:00:00Z' }),
        version(11, { created: '2026-01-01T00:00:00Z' }),
        version(99, { tags: ['main'] })
      ],
      [ref(11, 10), ref(11, 20)]
    )
    const result = plan(prPolicy(), [inventory])
    expect(packagePlan(result).groups.map((g) => g.versionIds)).toEqual([[10], [20, 11]])
  })

  it('cosign signatures follow their image', () => {
    const sig = (id: number, of: number) => version(id, { tags: [`${digest(of).replace(':', '-')}.sig`], age: 30 })
    const inventory = container(
      'web',
      [version(10, { tags: ['pr-1'], age: 30 }), sig(11, 10), version(20, { tags: ['1.4'] }), sig(21, 20)],
      [ref(11, 10, 'signature'), ref(21, 20, 'signature')]
    )
    const result = plan(prPolicy(), [inventory])
    expect(deletedIds(result)).toEqual([10, 11])
    expect(versionPlan(result, 11).reason).toBe('delete: deleted with web:pr-1 (signature)')
    expect(versionPlan(result, 21).reason).toBe('kept: signature of web:1.4')
  })

  it('subject referrers and referrers-tag indexes follow their image', () => {
    const inventory = container(
      'web',
      [version(20, { tags: ['1.4'] }), version(21), version(22, { tags: [digest(20).replace(':', '-')] })],
      [ref(21, 20, 'subject'), ref(22, 20, 'referrers-index')]
    )
    const result = plan(policy([rule('all', {})], {}), [inventory])
    expect(versionPlan(result, 21).reason).toBe('kept: referrer of web:1.4')
    expect(versionPlan(result, 22).reason).toBe('kept: referrers index of web:1.4')
  })

  it('chains: a signature of a platform manifest follows it, and is deleted after it', () => {
    const pr = multiArch(10, { tags: ['pr-1'], age: 30, platforms: ['linux/amd64'] })
    const inventory = containerOf('web', pr, stable, {
      versions: [version(9, { age: 30, tags: ['sha256-11.sig'] }), version(109, { age: 2, tags: ['sha256-101.sig'] })],
      references: [ref(9, 11, 'signature'), ref(109, 101, 'signature')]
    })
    const result = plan(prPolicy(), [inventory])
    expect(packagePlan(result).groups.map((g) => g.versionIds)).toEqual([[10, 11, 9]])
    expect(versionPlan(result, 9).reason).toBe(`delete: deleted with web:pr-1 (signature of web@${digest(11).slice(0, 19)})`)
    expect(versionPlan(result, 109).reason).toBe(`kept: signature of web@${digest(101).slice(0, 19)}`)
  })

  it('an orphan (its parent is not present) is judged as an image', () => {
    const inventory = container('web', [version(11, { age: 30 }), version(20, { tags: ['1.4'] })], [ref(11, 10, 'platform', 'linux/amd64')])
    const result = plan(policy([rule('untagged', { untagged: true, olderThan: days(7) })]), [inventory])
    expect(versionPlan(result, 11)).toMatchObject({ role: 'image', decision: 'delete', reason: 'delete: untagged, 30 days old' })
    expect(versionPlan(result, 11).belongsTo).toBeUndefined()
  })

  it('keep.tags on a dependant keeps it even though its image is deleted (the image still goes)', () => {
    const inventory = container(
      'web',
      [version(10, { tags: ['pr-1'], age: 30 }), version(11, { tags: ['sha256-abc.sig'], age: 30 }), version(20, { tags: ['1.4'] })],
      [ref(11, 10, 'signature')]
    )
    const result = plan(prPolicy({}, { keepTags: ['sha256-*.sig'] }), [inventory])
    expect(deletedIds(result)).toEqual([10])
    expect(versionPlan(result, 11)).toMatchObject({ decision: 'keep', rule: 'prs', reason: "kept: tag 'sha256-abc.sig' kept by rule 'prs'" })
    expect(packagePlan(result).groups.map((g) => g.versionIds)).toEqual([[10]])
  })

  it('keep.versions of any applying rule and protect also hold a dependant back', () => {
    const pr = multiArch(10, { tags: ['pr-1'], age: 30 })
    const result = plan(
      policy(
        [rule('prs', { tags: ['pr-*'], olderThan: days(7) }), rule('pin', { tags: ['none'], keepVersions: [digest(11)] })],
        { protectVersions: [digest(12)] }
      ),
      [containerOf('web', pr, stable)]
    )
    expect(deletedIds(result)).toEqual([10])
    expect(versionPlan(result, 11)).toMatchObject({ rule: 'pin', reason: "kept: digest sha256:000000000000 kept by rule 'pin'" })
    expect(versionPlan(result, 12).reason).toBe('kept: protected by digest sha256:000000000000')
  })

  it('a reference cycle is kept, with what hangs below it', () => {
    const inventory = container(
      'web',
      [version(1, { age: 30 }), version(2, { age: 30 }), version(3, { age: 30 }), version(4, { age: 30 }), version(20, { tags: ['1.4'] })],
      [ref(1, 2), ref(2, 1), ref(3, 2, 'signature'), ref(4, 4)]
    )
    const result = plan(policy([rule('untagged', { untagged: true })]), [inventory])
    // 4 refers only to itself: not a dependant, an ordinary untagged image.
    expect(deletedIds(result)).toEqual([4])
    for (const id of [1, 2, 3]) {
      expect(versionPlan(result, id)).toMatchObject({ role: 'dependant', decision: 'keep' })
      expect(versionPlan(result, id).reason).toMatch(/cycle/)
    }
  })

  it('duplicate references count once, described the same way whatever their order', () => {
    const versions = [version(10, { tags: ['pr-1'], age: 30 }), version(11, { age: 30 }), version(20, { tags: ['1.4'] })]
    const a = plan(prPolicy(), [container('web', versions, [ref(11, 10, 'attestation', 'unknown/unknown'), ref(11, 10, 'platform', 'linux/amd64')])])
    const b = plan(prPolicy(), [container('web', versions, [ref(11, 10, 'platform', 'linux/amd64'), ref(11, 10, 'attestation', 'unknown/unknown')])])
    expect(a).toEqual(b)
    expect(versionPlan(a, 11)).toMatchObject({ belongsTo: [10], kind: 'platform', platform: 'linux/amd64' })
  })

  it('groups are listed oldest image first', () => {
    const result = plan(prPolicy(), [
      containerOf('web', multiArch(30, { tags: ['pr-3'], age: 10 }), multiArch(10, { tags: ['pr-1'], age: 50 }), multiArch(20, { tags: ['pr-2'], age: 20 }), stable)
    ])
    expect(packagePlan(result).groups.map((g) => g.imageId)).toEqual([10, 20, 30])
  })
})

// Contract 1.2: a dependant that carries a tag other than `sha256-<hex>[.sig|.att|.sbom]` does not
// follow what it belongs to: it is kept ("kept: also tagged prod"), and judged as an image once
// what it belonged to is gone.
describe('(1.2) a dependant with a tag of its own', () => {
  const digestTag = (id: number, suffix = '.sig'): string => `${digest(id).replace(':', '-')}${suffix}`

  it('an image tagged prod that also carries sha256-<X>.sig is kept when X goes', () => {
    const inventory = containerOf('web', stable, {
      versions: [version(10, { tags: ['pr-1'], age: 30 }), version(11, { tags: [digestTag(10), 'prod'], age: 30 }), version(12, { tags: [digestTag(10, '.att')], age: 30 })],
      references: [ref(11, 10, 'signature'), ref(12, 10, 'signature')]
    })
    const result = plan(prPolicy(), [inventory])
    expect(deletedIds(result)).toEqual([10, 12])
    expect(versionPlan(result, 11)).toMatchObject({ decision: 'keep', role: 'dependant', reason: 'kept: also tagged prod (a tag of its own: it does not go with web:pr-1)' })
    expect(packagePlan(result).groups).toEqual([expect.objectContaining({ imageId: 10, versionIds: [10, 12] })])
  })

  it('a platform manifest tagged v1.0-amd64 stays when its index goes; its own signature stays with it', () => {
    const build = multiArch(10, { tags: ['pr-1'], age: 30, attestation: true })
    build.versions[1] = version(11, { tags: ['v1.0-amd64'], age: 30 })
    build.versions.push(version(14, { tags: [digestTag(11)], age: 30 }))
    build.references.push(ref(14, 11, 'signature'))
    const result = plan(prPolicy(), [containerOf('web', build, stable)])
    expect(deletedIds(result)).toEqual([10, 12, 13])
    expect(versionPlan(result, 11)).toMatchObject({ decision: 'keep', reason: 'kept: also tagged v1.0-amd64 (a tag of its own: it does not go with web:pr-1)' })
    expect(versionPlan(result, 14)).toMatchObject({ decision: 'keep', reason: 'kept: signature of web:v1.0-amd64' })
  })

  it('digest-derived tags alone (.sig, .att, .sbom, a referrers tag) are no tags of their own: they follow', () => {
    const inventory = containerOf('web', stable, {
      versions: [
        version(10, { tags: ['pr-1'], age: 30 }),
        version(11, { tags: [digestTag(10)], age: 30 }),
        version(12, { tags: [digestTag(10, '.att'), digestTag(10, '.sbom')], age: 30 }),
        version(13, { tags: [digestTag(10, '')], age: 30 })
      ],
      references: [ref(11, 10, 'signature'), ref(12, 10, 'signature'), ref(13, 10, 'referrers-index')]
    })
    expect(deletedIds(plan(prPolicy(), [inventory]))).toEqual([10, 11, 12, 13])
  })

  it('while its image stays it is kept with it; once the image is gone it is judged as an image', () => {
    const kept = plan(prPolicy(), [container('web', [version(10, { tags: ['1.4'], age: 30 }), version(11, { tags: [digestTag(10), 'pr-9'], age: 30 })], [ref(11, 10, 'signature')])])
    expect(versionPlan(kept, 11)).toMatchObject({ decision: 'keep', reason: 'kept: signature of web:1.4' })

    // X is gone (an earlier run deleted it): the reference names an absent version, so the image is
    // an orphan and the rules judge it: `pr-*` does not take it (every tag must match)...
    const orphan = (): ReturnType<typeof container> =>
      container('web', [version(11, { tags: [digestTag(10), 'pr-9'], age: 30 }), version(20, { tags: ['latest'], age: 1 })], [ref(11, 10, 'signature')])
    const judged = plan(prPolicy(), [orphan()])
    expect(versionPlan(judged, 11)).toMatchObject({ role: 'image', decision: 'keep' })
    expect(versionPlan(judged, 11).reason).toMatch(/^kept: also tagged sha256-/)
    // ...and a rule that takes both of its tags deletes it.
    const both = plan(policy([rule('prs', { tags: ['pr-*', 'sha256-*.sig'], olderThan: days(7) })]), [orphan()])
    expect(versionPlan(both, 11)).toMatchObject({ role: 'image', decision: 'delete' })
  })
})
