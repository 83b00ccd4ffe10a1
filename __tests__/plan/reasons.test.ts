// Human reasons: ordinals, ages, labels, and the wording of the main cases.
import { formatAge, ordinal, shortDigest, versionLabel } from '../../src/plan/reasons.js'
import { NOW, container, days, digest, multiArch, containerOf, plan, policy, rule, version, versionPlan } from './builders.js'

describe('ordinal', () => {
  it.each([
    [1, '1st'],
    [2, '2nd'],
    [3, '3rd'],
    [4, '4th'],
    [11, '11th'],
    [12, '12th'],
    [13, '13th'],
    [21, '21st'],
    [22, '22nd'],
    [23, '23rd'],
    [101, '101st'],
    [111, '111th'],
    [112, '112th']
  ])('%i → %s', (n, expected) => expect(ordinal(n)).toBe(expected))
})

describe('formatAge', () => {
  const now = NOW.getTime()
  const H = 3_600_000
  it.each([
    [41 * 24 * H + 5 * H, '41 days old'],
    [48 * H, '2 days old'],
    [47 * H + 59 * 60_000, '47 hours old'],
    [36 * H, '36 hours old'],
    [H, '1 hour old'],
    [59 * 60_000, '59 minutes old'],
    [60_000, '1 minute old'],
    [-5 * H, '0 minutes old']
  ])('%i ms → %s', (ms, expected) => expect(formatAge(now - ms, now)).toBe(expected))
  it('an unreadable timestamp', () => expect(formatAge(Number.POSITIVE_INFINITY, now)).toBe('of unknown age'))
})

describe('labels', () => {
  it('first tag, else the short digest', () => {
    expect(versionLabel('web', version(1, { tags: ['1.4', 'latest'] }))).toBe('web:1.4')
    expect(versionLabel('web', version(1))).toBe('web@sha256:000000000000')
    expect(shortDigest(digest(0xabcdef))).toBe('sha256:000000000000')
    expect(shortDigest('sha256:0123456789abcdef')).toBe('sha256:0123456789ab')
    expect(shortDigest('1.0.0')).toBe('1.0.0')
  })
})

describe('reason wording', () => {
  it('covers the common cases', () => {
    const result = plan(
      policy(
        [
          rule('nightly', { tags: ['nightly-*'], keepLatest: 3, olderThan: days(30) }),
          rule('stale-prs', { tags: ['pr-*'], olderThan: days(30), keepTags: ['stable'] }),
          rule('untagged', { untagged: true, olderThan: days(14) })
        ],
        { protectTags: ['latest'] }
      ),
      [
        containerOf(
          'web',
          { versions: [1, 2, 3, 4].map((n) => version(n, { tags: [`nightly-${n}`], age: 60 - n })), references: [] },
          multiArch(10, { tags: ['pr-12'], age: 41 }),
          multiArch(20, { tags: ['latest'], age: 50, attestation: true }),
          { versions: [version(30, { tags: ['pr-9', 'stable'], age: 99 }), version(31, { age: 41 }), version(32, { age: 2 }), version(33, { tags: ['other'] })], references: [] }
        )
      ]
    )
    const reason = (id: number) => versionPlan(result, id).reason
    expect(reason(4)).toBe("kept: 1st newest of series 'nightly'")
    expect(reason(2)).toBe("kept: 3rd newest of series 'nightly'")
    expect(reason(1)).toBe("delete: tag 'nightly-1' matches rule 'nightly', 59 days old")
    expect(reason(10)).toBe("delete: tag 'pr-12' matches rule 'stale-prs', 41 days old")
    expect(reason(11)).toBe('delete: deleted with web:pr-12 (platform linux/amd64)')
    expect(reason(20)).toBe("kept: protected by tag 'latest'")
    expect(reason(22)).toBe('kept: platform linux/arm64 of web:latest')
    expect(reason(23)).toBe('kept: attestation of web:latest')
    expect(reason(30)).toBe("kept: tag 'stable' kept by rule 'stale-prs'")
    expect(reason(31)).toBe('delete: untagged, 41 days old')
    expect(reason(32)).toBe("kept: newer than 14d (rule 'untagged')")
    expect(reason(33)).toBe('kept: not selected by any rule')
  })

  it('every version carries a reason starting with its decision', () => {
    const result = plan(policy([rule('all', { olderThan: days(1) })]), [container('web', [version(1, { age: 3 }), version(2, { tags: ['x'] })])])
    for (const v of result.packages[0].versions) expect(v.reason.startsWith(v.decision === 'delete' ? 'delete: ' : 'kept: ')).toBe(true)
  })
})
