// Contract 1.2, "An account per rule": for each rule that applies to a package, the images of its
// series, how many it selects, how many the plan deletes, what kept the others, and a plain
// sentence when it selects nothing and why (PackagePlan.accounts).
import type { PackagePlan, Plan, RuleAccount } from '../../src/model.js'
import { container, containerOf, days, digest, multiArch, packagePlan, pkg, plan, policy, rule, version } from './builders.js'

function account(result: Plan, ruleName: string, key = 'container/web'): RuleAccount {
  const found = packagePlan(result, key).accounts?.find((a) => a.rule === ruleName)
  if (!found) throw new Error(`no account for ${ruleName} in ${key}`)
  return found
}

/** Every image of a series is counted once. */
function expectBalanced(p: PackagePlan): void {
  for (const a of p.accounts ?? []) {
    const kept = Object.values(a.keptBy).reduce((sum, n) => sum + n, 0)
    expect(a.deleted + (a.deletedByAnotherRule ?? 0) + kept).toBe(a.series)
    expect(a.deleted).toBeLessThanOrEqual(a.selected)
  }
}

describe('a rule that selects nothing says why', () => {
  it('no image has a tag matching the rule', () => {
    const result = plan(policy([rule('pr-42', { names: ['api'], tags: ['pr-42'] })]), [container('api', [version(1, { tags: ['main'] }), version(2)])])
    expect(account(result, 'pr-42', 'container/api')).toEqual({
      rule: 'pr-42',
      series: 0,
      selected: 0,
      deleted: 0,
      keptBy: {},
      whyNothing: 'no image of api has a tag matching pr-42'
    })
  })

  it('every image with the PR tag also carries a commit tag: see with-tags', () => {
    const result = plan(policy([rule('pr-42', { names: ['api'], tags: ['pr-42'] })]), [
      container('api', [version(1, { tags: ['pr-42', 'sha-8826c28'] }), version(2, { tags: ['pr-42', 'sha-1111111'] }), version(3, { tags: ['sha-2222222'] })])
    ])
    expect(account(result, 'pr-42', 'container/api')).toMatchObject({
      series: 0,
      selected: 0,
      alsoTagged: 2,
      whyNothing: 'every image of api with a tag matching pr-42 also carries a sha-* tag: see with-tags (with-tags: ["sha-*"])'
    })
  })

  it('other tags without a common prefix: the every-tag rule is named', () => {
    const result = plan(policy([rule('pr-42', { tags: ['pr-42'] })]), [container('web', [version(1, { tags: ['pr-42', 'latest'] }), version(2, { tags: ['pr-42', 'sha-1'] })])])
    expect(account(result, 'pr-42').whyNothing).toBe(
      'every image of web with a tag matching pr-42 also carries other tags, and the rule takes an image only when every tag matches (see the "kept: also tagged" reasons)'
    )
  })

  it('keep.latest holds the whole series', () => {
    const result = plan(policy([rule('nightly', { tags: ['nightly-*'], keepLatest: 5 })]), [
      container('web', [version(1, { tags: ['nightly-1'] }), version(2, { tags: ['nightly-2'] }), version(3, { tags: ['nightly-3'] })])
    ])
    expect(account(result, 'nightly')).toMatchObject({ series: 3, selected: 0, deleted: 0, keptBy: { 'keep.latest': 3 }, whyNothing: 'keep.latest 5 keeps all 3 images of the series' })
  })

  it('nothing is older than older-than', () => {
    const result = plan(policy([rule('untagged', { untagged: true, olderThan: days(30) })]), [container('web', [version(1, { age: 3 }), version(2, { age: 10 }), version(3, { age: 29 })])])
    expect(account(result, 'untagged')).toMatchObject({ series: 3, selected: 0, keptBy: { 'too young': 3 }, whyNothing: 'none of the 3 images of the series is older than 30d' })
  })

  it('keep.latest, keep.tags and older-than together', () => {
    const result = plan(policy([rule('builds', { tags: ['b-*'], keepLatest: 1, keepTags: ['b-pinned'], olderThan: days(30) })]), [
      container('web', [version(1, { tags: ['b-1'], age: 1 }), version(2, { tags: ['b-pinned'], age: 90 }), version(3, { tags: ['b-3'], age: 5 }), version(4, { tags: ['b-4'], age: 6 })])
    ])
    expect(account(result, 'builds').whyNothing).toBe('of the 4 images of the series, keep.latest 1 keeps 1, keep.tags/versions keep 1 and 2 are not older than 30d')
  })

  it('no version is a semantic version', () => {
    const result = plan(policy([rule('lines', { type: 'maven', names: ['lib'], semver: '1.x' })]), [pkg('maven', 'lib', [version(1, { name: '1.2-SNAPSHOT' })])])
    expect(account(result, 'lines', 'maven/lib').whyNothing).toBe(
      "no version of lib that meets the rule's other conditions is a semantic version (such as 1.4.2; '1.2-SNAPSHOT' is not)"
    )
  })

  it('semver versions, none in the range', () => {
    const result = plan(policy([rule('old', { type: 'npm', names: ['sdk'], semver: '<1.0.0', prerelease: false })]), [pkg('npm', 'sdk', [version(1, { name: '1.0.0' }), version(2, { name: '2.0.0' })])])
    expect(account(result, 'old', 'npm/sdk').whyNothing).toBe('no version of sdk has a semver in the range "<1.0.0" that is a release')
  })

  it('no image is untagged; no image is broken; an empty package', () => {
    const tagged = plan(policy([rule('untagged', { untagged: true })]), [container('web', [version(1, { tags: ['a'] })])])
    expect(account(tagged, 'untagged').whyNothing).toBe('no image of web is untagged')
    const whole = plan(policy([rule('broken', { broken: true })]), [container('web', [version(1, { tags: ['a'] })])])
    expect(account(whole, 'broken').whyNothing).toBe("no image of web that meets the rule's other conditions is broken")
    const empty = plan(policy([rule('any', { untagged: true })]), [container('web', [])])
    expect(account(empty, 'any').whyNothing).toBe('web has no images')
  })

  it('a digest glob that matches nothing', () => {
    const result = plan(policy([rule('digest', { versions: ['sha256:ffff*'] })]), [container('web', [version(1, { tags: ['a'] }), version(2)])])
    expect(account(result, 'digest').whyNothing).toBe('no image of web has a digest matching sha256:ffff*')
  })

  it('a package left untouched says so for every rule', () => {
    const web = container('web', [version(1, { age: 40 }), version(2, { age: 1 })])
    web.unreadable = [{ digest: digest(9), reason: 'HTTP 500 after 3 attempts' }]
    const result = plan(policy([rule('untagged', { untagged: true })]), [web])
    const a = account(result, 'untagged')
    expect(a).toMatchObject({ series: 2, selected: 2, deleted: 0, keptBy: { 'left untouched': 2 } })
    expect(a.whyNothing).toMatch(/^left untouched: manifest sha256:0+9 of container\/web could not be read/)
  })

  it('a rule that selects something has no sentence', () => {
    const result = plan(policy([rule('untagged', { untagged: true })]), [container('web', [version(1, { age: 40 })])])
    expect(account(result, 'untagged').whyNothing).toBeUndefined()
  })
})

describe('what kept the images of a series', () => {
  it('counts keep.latest, protect, in use, another rule, too young and the deletions, every image once', () => {
    const result = plan(
      policy(
        [
          rule('old-builds', { tags: ['build-*'], keepLatest: 1, olderThan: days(10) }),
          rule('pinned', { tags: ['none'], keepTags: ['build-pinned'] })
        ],
        { protectTags: ['build-prod'] }
      ),
      [
        container('web', [
          version(1, { tags: ['build-1'], age: 1 }), // keep.latest
          version(2, { tags: ['build-2'], age: 5 }), // too young
          version(3, { tags: ['build-prod'], age: 20 }), // protect
          version(4, { tags: ['build-pinned'], age: 30 }), // another rule keeps it
          version(5, { tags: ['build-5'], age: 40 }), // in use
          version(6, { tags: ['build-6'], age: 50 }), // deleted
          version(7, { tags: ['build-7'], age: 60 }), // deleted
          version(8, { tags: ['build-8', 'latest'], age: 70 }) // also tagged
        ])
      ],
      { inUse: [{ file: 'deploy/prod.yaml', line: 3, package: 'web', tag: 'build-5' }] }
    )
    expect(account(result, 'old-builds')).toEqual({
      rule: 'old-builds',
      series: 7,
      selected: 5,
      deleted: 2,
      keptBy: { 'keep.latest': 1, 'too young': 1, protect: 1, 'another rule': 1, 'in use': 1 },
      alsoTagged: 1
    })
    expect(account(result, 'pinned')).toMatchObject({ series: 0, selected: 0, whyNothing: 'no image of web has a tag matching none' })
    expectBalanced(packagePlan(result))
  })

  it("a rule's own keep comes before another rule's; an image too young for one rule, deleted by another, is counted so", () => {
    const result = plan(
      policy([rule('first', { tags: ['x-*'], keepTags: ['x-1'] }), rule('second', { tags: ['x-*'], keepTags: ['x-1'], olderThan: days(100) })]),
      [container('web', [version(1, { tags: ['x-1'], age: 5 }), version(2, { tags: ['x-2'], age: 6 })])]
    )
    expect(account(result, 'second')).toMatchObject({ series: 2, selected: 0, deleted: 0, deletedByAnotherRule: 1, keptBy: { 'keep.tags/versions': 1 } })
    expect(account(result, 'first')).toMatchObject({ series: 2, selected: 1, deleted: 1, keptBy: { 'keep.tags/versions': 1 } })
    expectBalanced(packagePlan(result))
  })

  it("GitHub's last-version rule and unreadable timestamps", () => {
    const web = container('web', [version(1, { tags: ['a'], age: 10 }), version(2, { tags: ['b'], age: 20 }), version(3, { age: 30 })])
    web.versions[2] = { ...web.versions[2], createdAt: 'yesterday', updatedAt: 'yesterday' }
    const result = plan(policy([rule('all', {})]), [web])
    expect(account(result, 'all')).toMatchObject({ series: 3, selected: 3, deleted: 1, keptBy: { 'last version': 1, 'unreadable timestamp': 1 } })
    expectBalanced(packagePlan(result))
  })

  it('counts images only: platforms and attestations follow their image', () => {
    const result = plan(policy([rule('untagged', { untagged: true })]), [containerOf('web', multiArch(1, { age: 40, attestation: true }), multiArch(10, { tags: ['v1'], age: 1 }))])
    expect(account(result, 'untagged')).toMatchObject({ series: 1, selected: 1, deleted: 1, keptBy: {} })
  })

  it('with with-tags, the PR close selects the PR builds and counts the promoted one as also tagged', () => {
    const result = plan(policy([rule('pr-42', { tags: ['pr-42'], withTags: ['sha-*'] })]), [
      container('web', [version(1, { tags: ['pr-42', 'sha-1'] }), version(2, { tags: ['pr-42', 'sha-2', 'latest'] }), version(3, { tags: ['sha-3'] })])
    ])
    expect(account(result, 'pr-42')).toEqual({ rule: 'pr-42', series: 1, selected: 1, deleted: 1, keptBy: {}, alsoTagged: 1 })
  })

  it('one account per applying rule, in policy order; none for rules of other packages', () => {
    const result = plan(policy([rule('b', { untagged: true }), rule('other', { names: ['api'] }), rule('a', { tags: ['x'] })]), [container('web', [version(1)])])
    expect(packagePlan(result).accounts?.map((a) => a.rule)).toEqual(['b', 'a'])
  })
})
