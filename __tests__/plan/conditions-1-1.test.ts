// The 1.1 conditions of a rule's series: every tag must match, semver ranges and prereleases,
// keep.per groups, and match.broken (contract "How a version's fate is decided", "Semver (1.1)",
// "Damaged images (1.1)", "A tag condition describes the whole version").
import type { DamagedImage, PackageInventory } from '../../src/model.js'
import { parseSemver, semverOf } from '../../src/plan/semver.js'
import {
  container,
  containerOf,
  daysAgo,
  days,
  deletedIds,
  multiArch,
  packagePlan,
  pkg,
  plan,
  policy,
  rule,
  version,
  versionPlan
} from './builders.js'

describe('match.tags describes the whole version: every tag must match', () => {
  const prRule = rule('pr-123', { tags: ['pr-123', 'pr-123-*'] })

  it('a promoted PR build also tagged latest and main-b001 stays, and says why', () => {
    const result = plan(policy([prRule]), [
      container('web', [
        version(1, { tags: ['pr-123-3'], age: 5 }),
        version(2, { tags: ['pr-123-4', 'latest', 'main-b001'], age: 4 }),
        version(3, { tags: ['pr-123', 'pr-123-5'], age: 3 })
      ])
    ])
    expect(deletedIds(result)).toEqual([1, 3])
    expect(versionPlan(result, 2)).toMatchObject({
      decision: 'keep',
      rule: 'pr-123',
      reason: "kept: also tagged latest, main-b001 (rule 'pr-123' takes a version only when every tag matches)"
    })
    expect(versionPlan(result, 3).reason).toBe("delete: tags 'pr-123', 'pr-123-5' match rule 'pr-123', 3 days old")
  })

  it('a version only partly matching takes no keep.latest place in the series', () => {
    const result = plan(policy([rule('prs', { tags: ['pr-*'], keepLatest: 1 })]), [
      container('web', [version(1, { tags: ['pr-1'], age: 3 }), version(2, { tags: ['pr-2'], age: 2 }), version(3, { tags: ['pr-3', 'latest'], age: 1 })])
    ])
    // 2 is the newest of the series, so it is kept; 3 is not in the series.
    expect(deletedIds(result)).toEqual([1])
    expect(versionPlan(result, 2).reason).toBe("kept: 1st newest of series 'prs'")
    expect(versionPlan(result, 3).reason).toMatch(/^kept: also tagged latest /)
  })

  it('another rule selecting the version still deletes it; keep and protect still win on any tag', () => {
    const versions = [version(1, { tags: ['pr-1', 'old'], age: 9 }), version(2, { tags: ['pr-2', 'stable'], age: 9 }), version(9, { tags: ['main'], age: 1 })]
    const result = plan(policy([rule('prs', { tags: ['pr-*'] }), rule('old', { tags: ['old', 'pr-*'] })]), [container('web', versions)])
    expect(deletedIds(result)).toEqual([1])
    expect(versionPlan(result, 1).rule).toBe('old')

    const kept = plan(policy([rule('all-prs', { tags: ['pr-*', 'old', 'stable'], keepTags: ['stable'] })], { protectTags: ['old'] }), [container('web', versions)])
    expect(deletedIds(kept)).toEqual([])
    expect(versionPlan(kept, 1).reason).toBe("kept: protected by tag 'old'")
    expect(versionPlan(kept, 2).reason).toBe("kept: tag 'stable' kept by rule 'all-prs'")
  })

  it('a version with many other tags lists a few and counts the rest', () => {
    const tags = ['pr-1', 'a', 'b', 'c', 'd', 'e', 'f', 'g']
    const result = plan(policy([rule('prs', { tags: ['pr-*'] })]), [container('web', [version(1, { tags, age: 5 }), version(2, { tags: ['main'] })])])
    expect(versionPlan(result, 1).reason).toMatch(/^kept: also tagged a, b, c, d, e and 2 more \(rule 'prs'/)
  })
})

describe("a version's semver", () => {
  it('is a full semantic version, optionally after one v; 1.2, latest, main-abc and vv1.2.3 are not', () => {
    expect(parseSemver('1.2.3')?.version).toBe('1.2.3')
    expect(parseSemver('v1.2.3')?.version).toBe('1.2.3')
    expect(parseSemver('1.5.0-rc.1+build.7')?.prerelease).toEqual(['rc', 1])
    for (const text of ['1.2', 'latest', 'main-abc', 'vv1.2.3', 'V1.2.3', '01.2.3', '1.2.3-01', '=1.2.3', ' 1.2.3', '1.2.3.4', 'sha256-abc.sig']) {
      expect({ text, parsed: parseSemver(text) }).toEqual({ text, parsed: undefined })
    }
  })

  it('of a container is its highest tag that parses, compared as semver (1.10.0 > 1.9.0)', () => {
    const of = (tags: string[]) => semverOf(version(1, { tags }), true)?.text
    expect(of(['v1.4.2', '1.4', '1', 'latest'])).toBe('v1.4.2')
    expect(of(['1.9.0', '1.10.0', '1.10.0-rc.1'])).toBe('1.10.0')
    expect(of(['latest', 'main-abc'])).toBeUndefined()
    // Other types: the name, never the tags.
    expect(semverOf(version(1, { name: '2.0.0', tags: ['3.0.0'] }), false)?.text).toBe('2.0.0')
    expect(semverOf(version(1, { name: '1.2-SNAPSHOT' }), false)).toBeUndefined()
  })
})

describe('match.semver and match.prerelease', () => {
  const npm = (...named: [number, string, number][]): PackageInventory => pkg('npm', 'lib', named.map(([id, name, age]) => version(id, { name, age })))

  it('npm: prereleases older than 30 days go, the 3 newest prereleases stay, every release stays', () => {
    const lib = npm(
      [1, '1.0.0-rc.1', 90],
      [2, '1.0.0', 85],
      [3, '1.1.0-beta.1', 70],
      [4, '1.1.0-beta.2', 60],
      [5, '1.1.0', 55],
      [6, '2.0.0-alpha.1', 50],
      [7, '2.0.0-rc.1', 40],
      [8, '2.0.0-rc.2', 10],
      [9, '2.0.0', 5]
    )
    const result = plan(policy([rule('prereleases', { type: 'npm', names: ['lib'], prerelease: true, olderThan: days(30), keepLatest: 3 })]), [lib])
    expect(deletedIds(result, 'npm/lib')).toEqual([1, 3, 4])
    expect(versionPlan(result, 6, 'npm/lib').reason).toBe("kept: 3rd newest of series 'prereleases'")
    expect(versionPlan(result, 9, 'npm/lib').reason).toBe('kept: not selected by any rule')
    expect(versionPlan(result, 1, 'npm/lib').reason).toBe("delete: version '1.0.0-rc.1' matches rule 'prereleases', 90 days old")
  })

  it('prereleases at range edges: <2.0.0 takes 2.0.0-rc.1 and 1.5.0-rc.1; 1.x takes 1.5.0-rc.1 but not 2.0.0-rc.1', () => {
    const lib = npm([1, '1.5.0-rc.1', 9], [2, '1.9.9', 9], [3, '2.0.0-rc.1', 9], [4, '2.0.0', 9], [5, '3.0.0', 1])
    const below2 = plan(policy([rule('r', { type: 'npm', names: ['lib'], semver: '<2.0.0' })]), [lib])
    expect(deletedIds(below2, 'npm/lib')).toEqual([1, 2, 3])
    const oneX = plan(policy([rule('r', { type: 'npm', names: ['lib'], semver: '1.x' })]), [lib])
    expect(deletedIds(oneX, 'npm/lib')).toEqual([1, 2])
    const releasesBelow2 = plan(policy([rule('r', { type: 'npm', names: ['lib'], semver: '<2.0.0', prerelease: false })]), [lib])
    expect(deletedIds(releasesBelow2, 'npm/lib')).toEqual([2])
  })

  it('a version without semver satisfies neither semver nor prerelease (true or false)', () => {
    const lib = pkg('maven', 'lib', [version(1, { name: '1.2-SNAPSHOT', age: 9 }), version(2, { name: 'nightly', age: 9 }), version(3, { name: '1.0.0', age: 9 }), version(4, { name: '9.0.0', age: 1 })])
    for (const conditions of [{ semver: '*' }, { prerelease: false }, { prerelease: true, semver: '*' }]) {
      const result = plan(policy([rule('r', { type: 'maven', names: ['lib'], ...conditions })]), [lib])
      expect(deletedIds(result, 'maven/lib').filter((id) => id <= 2)).toEqual([])
    }
  })

  it('containers: v-prefixed tags count, and the highest parsing tag decides', () => {
    const web = container('web', [
      version(1, { tags: ['v1.4.2', '1.4', '1'], age: 9 }),
      version(2, { tags: ['v2.0.0-rc.1'], age: 8 }),
      version(3, { tags: ['0.9.0', '2.1.0', 'latest'], age: 7 }),
      version(4, { tags: ['1.4'], age: 6 }),
      version(5, { age: 6 }),
      version(9, { tags: ['main'], age: 1 })
    ])
    const result = plan(policy([rule('ones', { semver: '^1.0.0' })]), [web])
    expect(deletedIds(result)).toEqual([1])
    expect(versionPlan(result, 1).reason).toBe("delete: tag 'v1.4.2' matches rule 'ones', 9 days old")
    // 3's semver is 2.1.0 (not 0.9.0): <1.0.0 does not take it.
    expect(deletedIds(plan(policy([rule('old', { semver: '<1.0.0' })]), [web]))).toEqual([])
    expect(deletedIds(plan(policy([rule('rc', { prerelease: true })]), [web]))).toEqual([2])
  })

  it('a rule whose series is empty because nothing is semver says so in the plan; one that found semver does not', () => {
    const snapshots = pkg('maven', 'lib', [version(1, { name: '1.2-SNAPSHOT', age: 9 }), version(2, { name: '1.3-SNAPSHOT', age: 1 })])
    const result = plan(policy([rule('old-lines', { type: 'maven', names: ['lib'], semver: '1.x', prerelease: false }), rule('all', { type: 'maven', names: ['lib'], keepLatest: 1 })]), [snapshots])
    expect(packagePlan(result, 'maven/lib').notes).toEqual([
      "rule 'old-lines': no version of maven/lib is a semantic version (such as 1.4.2; '1.2-SNAPSHOT' is not), so its semver condition selects nothing"
    ])
    const some = pkg('maven', 'lib', [version(1, { name: '1.2-SNAPSHOT', age: 9 }), version(2, { name: '2.0.0', age: 1 })])
    expect(packagePlan(plan(policy([rule('old-lines', { type: 'maven', names: ['lib'], semver: '1.x' })]), [some]), 'maven/lib').notes).toBeUndefined()
    const images = container('web', [version(1, { tags: ['main-1'], age: 9 }), version(2, { tags: ['latest'] })])
    expect(packagePlan(plan(policy([rule('releases', { semver: '*' })]), [images])).notes).toEqual([
      "rule 'releases': no image of container/web has a tag that is a semantic version (such as 1.4.2 or v1.4.2), so its semver condition selects nothing"
    ])
  })
})

describe('keep.per: keep.latest within each semver group', () => {
  it('npm or Maven: the 2 newest stable releases of each 1.x minor line; 2.x and prereleases untouched', () => {
    const versions = [
      [1, '1.0.0', 100],
      [2, '1.0.1', 95],
      [3, '1.0.2', 90],
      [4, '1.1.0', 80],
      [5, '1.1.1-rc.1', 78],
      [6, '1.1.1', 75],
      [7, '1.2.0', 60],
      [8, '2.0.0', 50],
      [9, '2.0.1', 40]
    ] as const
    for (const type of ['npm', 'maven'] as const) {
      const lib = pkg(type, 'lib', versions.map(([id, name, age]) => version(id, { name, age })))
      const result = plan(policy([rule('minor-lines', { type, names: ['lib'], semver: '1.x', prerelease: false, keepLatest: 2, per: 'minor' })]), [lib])
      expect(deletedIds(result, `${type}/lib`)).toEqual([1])
      expect(versionPlan(result, 3, `${type}/lib`).reason).toBe("kept: 1st newest of 1.0.x in series 'minor-lines'")
      expect(versionPlan(result, 4, `${type}/lib`).reason).toBe("kept: 2nd newest of 1.1.x in series 'minor-lines'")
      // A group with one version keeps it.
      expect(versionPlan(result, 7, `${type}/lib`).reason).toBe("kept: 1st newest of 1.2.x in series 'minor-lines'")
    }
  })

  it('containers: the newest image of each major line (tags v1.4.2, 1.4, 1, latest on one index)', () => {
    const web = containerOf(
      'web',
      multiArch(10, { tags: ['v1.4.1'], age: 60 }),
      multiArch(20, { tags: ['v1.4.2', '1.4', '1'], age: 50 }),
      multiArch(30, { tags: ['v2.0.0'], age: 40 }),
      multiArch(40, { tags: ['v2.1.0', '2.1', '2', 'latest'], age: 30 }),
      multiArch(50, { tags: ['main-b001'], age: 20 }),
      multiArch(60, { age: 10 })
    )
    const result = plan(policy([rule('majors', { semver: '*', keepLatest: 1, per: 'major' })]), [web])
    expect(deletedIds(result)).toEqual([10, 11, 12, 30, 31, 32])
    expect(versionPlan(result, 20).reason).toBe("kept: 1st newest of 1.x in series 'majors'")
    expect(versionPlan(result, 40).reason).toBe("kept: 1st newest of 2.x in series 'majors'")
    expect(versionPlan(result, 50).reason).toBe('kept: not selected by any rule')

    // Without semver: "*", every image without semver forms one group: all but its newest go.
    const loose = plan(policy([rule('majors', { keepLatest: 1, per: 'major' })]), [web])
    expect(deletedIds(loose)).toEqual([10, 11, 12, 30, 31, 32, 50, 51, 52])
    expect(versionPlan(loose, 60).reason).toBe("kept: 1st newest of versions without semver in series 'majors'")
  })

  it('ties on the timestamp are broken by the larger id within a group', () => {
    const at = daysAgo(5)
    const lib = pkg('npm', 'lib', [version(7, { name: '1.0.1', created: at }), version(8, { name: '1.0.0', created: at }), version(9, { name: '2.0.0', created: at })])
    const result = plan(policy([rule('r', { type: 'npm', names: ['lib'], semver: '*', keepLatest: 1, per: 'major' })]), [lib])
    expect(deletedIds(result, 'npm/lib')).toEqual([7])
  })
})

describe('match.broken: only damaged images', () => {
  const damaged = (id: number, platform: string): DamagedImage => ({ id, missing: [{ digest: `sha256:${'f'.repeat(64)}`, platform }] })

  function world(): PackageInventory {
    // 10: an index whose arm64 manifest was deleted by another tool (only amd64, 11, is left).
    const broken = multiArch(10, { tags: ['v1.0.0'], age: 30, platforms: ['linux/amd64'] })
    const brokenKept = multiArch(20, { tags: ['stable'], age: 30, platforms: ['linux/amd64'] })
    const whole = multiArch(30, { tags: ['v1.1.0'], age: 30 })
    const inventory = containerOf('web', broken, brokenKept, whole, { versions: [version(99, { tags: ['latest'], age: 1 })], references: [] })
    inventory.damaged = [damaged(10, 'linux/arm64'), damaged(20, 'linux/arm64')]
    return inventory
  }

  it('selects the broken images with what is left of them, and nothing else', () => {
    const result = plan(policy([rule('broken', { broken: true })]), [world()])
    expect(deletedIds(result)).toEqual([10, 11, 20, 21])
    expect(versionPlan(result, 10).reason).toBe("delete: broken image (linux/arm64 missing) matches rule 'broken', 30 days old")
    expect(versionPlan(result, 30).reason).toBe('kept: not selected by any rule')
  })

  it('a broken index that is also kept (keep.tags, protect) stays with its platforms', () => {
    const result = plan(policy([rule('broken', { broken: true, keepTags: ['stable'] })], { protectTags: ['v1.*'] }), [world()])
    expect(deletedIds(result)).toEqual([])
    expect(versionPlan(result, 20).reason).toBe("kept: tag 'stable' kept by rule 'broken'")
    expect(versionPlan(result, 11).reason).toBe('kept: platform linux/amd64 of web:v1.0.0')
  })

  it('combines with other conditions, and without damaged images selects nothing', () => {
    const result = plan(policy([rule('broken-releases', { broken: true, semver: '>=1.0.0' })]), [world()])
    expect(deletedIds(result)).toEqual([10, 11])
    const healthy = world()
    delete healthy.damaged
    expect(deletedIds(plan(policy([rule('broken', { broken: true })]), [healthy]))).toEqual([])
  })
})
