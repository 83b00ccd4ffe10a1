// protect.in-use in the planner: what the workspace references is protected, by tag, by digest, by
// both; a digest of a platform manifest protects that manifest; an unresolved reference protects
// the whole package; dependants follow a protected image; protection beats every rule.
import type { InUseReference } from '../../src/model.js'
import { container, containerOf, deletedIds, digest, multiArch, pkg, plan, policy, ref, rule, version, versionPlan } from './builders.js'

// Every image older than a day goes, unless something keeps it.
const everything = policy([rule('all')])
const at = (file: string, line: number, o: Omit<InUseReference, 'file' | 'line' | 'package'> & { package?: string }): InUseReference => ({
  file,
  line,
  package: o.package ?? 'web',
  ...o
})

describe('protect.in-use in the plan', () => {
  it('without references the plan is what it was', () => {
    const inventory = containerOf('web', multiArch(10, { tags: ['1.0'], age: 30 }), multiArch(20, { tags: ['2.0'], age: 20 }))
    const withEmpty = plan(everything, [inventory], { inUse: [] })
    expect(withEmpty).toEqual(plan(everything, [inventory]))
    // The newest tagged image stays only as the last tagged version (GitHub's rule).
    expect(deletedIds(withEmpty)).toEqual([10, 11, 12])
    expect(versionPlan(withEmpty, 20).reason).toBe('kept: last tagged version (GitHub refuses to delete it)')
  })

  it('keeps a version carrying a referenced tag, with the file and line, and its dependants follow it', () => {
    const old = multiArch(10, { tags: ['1.0', 'stable'], age: 60, attestation: true })
    const newer = multiArch(20, { tags: ['2.0'], age: 30 })
    const newest = multiArch(30, { tags: ['3.0'], age: 10 })
    const result = plan(everything, [containerOf('web', old, newer, newest)], { inUse: [at('deploy/prod.yaml', 12, { tag: 'stable' })] })
    expect(versionPlan(result, 10)).toMatchObject({ decision: 'keep', reason: 'kept: in use, deploy/prod.yaml:12' })
    expect(versionPlan(result, 10).rule).toBeUndefined()
    expect(versionPlan(result, 11)).toMatchObject({ decision: 'keep', reason: 'kept: platform linux/amd64 of web:1.0' })
    expect(versionPlan(result, 13)).toMatchObject({ decision: 'keep', reason: 'kept: attestation of web:1.0' })
    // What the workspace does not reference goes as the rule says.
    expect(deletedIds(result)).toEqual([20, 21, 22, 30, 31, 32])
  })

  it('keeps a version whose digest is referenced', () => {
    const old = multiArch(10, { age: 60 }) // an untagged multi-arch build, pinned by digest
    const result = plan(policy([rule('untagged', { untagged: true })]), [containerOf('web', old, multiArch(20, { age: 50 }))], {
      inUse: [at('k8s/web.yaml', 3, { digest: digest(10) })]
    })
    expect(versionPlan(result, 10)).toMatchObject({ decision: 'keep', reason: 'kept: in use, k8s/web.yaml:3' })
    expect(versionPlan(result, 12)).toMatchObject({ decision: 'keep', reason: 'kept: platform linux/arm64 of web@sha256:000000000000' })
    expect(deletedIds(result)).toEqual([20, 21, 22])
  })

  it('with TAG@sha256:HEX keeps both the tag’s version and the digest’s version', () => {
    const inventory = container('web', [version(1, { tags: ['1.4'], age: 90 }), version(2, { age: 80 }), version(3, { age: 70 }), version(4, { tags: ['5.0'], age: 1 })])
    const result = plan(everything, [inventory], { inUse: [at('compose.yaml', 5, { tag: '1.4', digest: digest(2) })] })
    expect(versionPlan(result, 1).reason).toBe('kept: in use, compose.yaml:5')
    expect(versionPlan(result, 2).reason).toBe('kept: in use, compose.yaml:5')
    expect(deletedIds(result)).toEqual([3, 4])
  })

  it('a digest of a platform manifest protects that platform manifest, not its siblings', () => {
    const pr = multiArch(10, { tags: ['pr-7'], age: 60, attestation: true })
    const result = plan(policy([rule('prs', { tags: ['pr-*'] })]), [containerOf('web', pr, multiArch(30, { tags: ['main'], age: 1 }))], {
      inUse: [at('images-in-use.txt', 2, { digest: digest(12) })]
    })
    expect(versionPlan(result, 12)).toMatchObject({ role: 'dependant', decision: 'keep', reason: 'kept: in use, images-in-use.txt:2' })
    expect(versionPlan(result, 10).decision).toBe('delete')
    expect(deletedIds(result)).toEqual([10, 11, 13])
  })

  it('a protected platform manifest keeps what belongs to it (its own referrer)', () => {
    const inventory = container(
      'web',
      [version(10, { tags: ['pr-1'], age: 60 }), version(11, { age: 60 }), version(12, { age: 60 }), version(20, { tags: ['main'], age: 1 })],
      [ref(11, 10, 'platform', 'linux/amd64'), ref(12, 11, 'subject')]
    )
    const result = plan(policy([rule('prs', { tags: ['pr-*'] })]), [inventory], { inUse: [at('list.txt', 1, { digest: digest(11) })] })
    expect(versionPlan(result, 11).reason).toBe('kept: in use, list.txt:1')
    expect(versionPlan(result, 12).decision).toBe('keep')
    expect(deletedIds(result)).toEqual([10])
  })

  it('an unresolved reference keeps every version of its package, and only of that package', () => {
    const web = containerOf('web', multiArch(10, { tags: ['1.0'], age: 60 }), multiArch(20, { age: 50 }), multiArch(30, { tags: ['2.0'], age: 1 }))
    const api = containerOf('api', multiArch(40, { tags: ['1.0'], age: 60 }), multiArch(50, { tags: ['2.0'], age: 1 }))
    const result = plan(policy([rule('all', { names: ['web', 'api'] })]), [web, api], {
      inUse: [at('charts/web/values.yaml', 7, { unresolved: true })]
    })
    expect(deletedIds(result)).toEqual([])
    for (const id of [10, 11, 20, 21, 22]) expect(versionPlan(result, id).reason).toBe('kept: in use with an unresolved tag, charts/web/values.yaml:7')
    expect(deletedIds(result, 'container/api')).toEqual([40, 41, 42])
  })

  it('a reference to the very version is named before an unresolved one', () => {
    const inventory = container('web', [version(1, { tags: ['1.0'], age: 60 }), version(2, { tags: ['2.0'], age: 1 })])
    const result = plan(everything, [inventory], {
      inUse: [at('b.yaml', 1, { unresolved: true }), at('a.yaml', 9, { tag: '1.0' })]
    })
    expect(versionPlan(result, 1).reason).toBe('kept: in use, a.yaml:9')
    expect(versionPlan(result, 2).reason).toBe('kept: in use with an unresolved tag, b.yaml:1')
  })

  it('names the first reference by file and line, whatever the order given', () => {
    const inventory = container('web', [version(1, { tags: ['1.0'], age: 60 }), version(2, { tags: ['2.0'], age: 1 })])
    const refs = [at('deploy/b.yaml', 3, { tag: '1.0' }), at('deploy/a.yaml', 20, { tag: '1.0' }), at('deploy/a.yaml', 4, { tag: '1.0' })]
    expect(versionPlan(plan(everything, [inventory], { inUse: refs }), 1).reason).toBe('kept: in use, deploy/a.yaml:4')
    expect(versionPlan(plan(everything, [inventory], { inUse: [...refs].reverse() }), 1).reason).toBe('kept: in use, deploy/a.yaml:4')
  })

  it('beats every rule: keep and select alike, and protect.tags', () => {
    const inventory = container('web', [version(1, { tags: ['pr-1', 'v1'], age: 60 }), version(2, { tags: ['pr-2'], age: 60 }), version(3, { tags: ['main'], age: 1 })])
    const strict = policy([rule('prs', { tags: ['pr-*'] })], { protectTags: ['v*'] })
    const result = plan(strict, [inventory], { inUse: [at('deploy/x.yaml', 1, { tag: 'pr-2' }), at('deploy/x.yaml', 2, { tag: 'v1' })] })
    expect(deletedIds(result)).toEqual([])
    expect(versionPlan(result, 2)).toMatchObject({ decision: 'keep', reason: 'kept: in use, deploy/x.yaml:1' })
  })

  it('matches package names without regard to case, tags exactly', () => {
    const inventory = container('team/web', [version(1, { tags: ['RC-1'], age: 60 }), version(2, { tags: ['rc-2'], age: 60 }), version(3, { tags: ['main'], age: 1 })])
    const result = plan(policy([rule('all', { names: ['team/web'] })]), [inventory], {
      inUse: [at('a.txt', 1, { package: 'Team/Web', tag: 'RC-1' }), at('a.txt', 2, { package: 'team/web', tag: 'RC-2' })]
    })
    expect(deletedIds(result, 'container/team/web')).toEqual([2, 3])
  })

  it('protects container versions only: another package type with the same name is not an image', () => {
    const npm = pkg('npm', 'web', [version(1, { name: '1.0.0', age: 60 }), version(2, { name: '2.0.0', age: 1 })])
    const result = plan(policy([rule('npm', { type: 'npm' })]), [npm], { inUse: [at('a.txt', 1, { unresolved: true })] })
    expect(deletedIds(result, 'npm/web')).toEqual([1])
  })
})
