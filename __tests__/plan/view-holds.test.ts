// (1.2) What a package's view holds back whatever the rules say: versions a later look no longer
// listed, and digests a tag the registry serves names (and what that manifest lists).
import type { PackageInventory, PackageView } from '../../src/model.js'
import { container, days, decisionOf, deletedIds, digest, multiArch, plan, policy, rule, version, versionPlan } from './builders.js'

const view = (o: Partial<PackageView>): PackageView => ({ looks: [], gone: [], added: [], retagged: [], servedOnly: [], kept: [], ...o })
const untaggedOld = policy([rule('old', { untagged: true, olderThan: days(7) })])

function withView(inventory: PackageInventory, o: Partial<PackageView>): PackageInventory {
  return { ...inventory, view: view(o) }
}

test('a version gone in a later look is never deleted, and what it lists follows it', () => {
  const image = multiArch(10, { age: 30 })
  const inventory = withView(container('web', [...image.versions, version(20, { age: 30 })], image.references), { gone: [10] })
  const result = plan(untaggedOld, [inventory])
  expect(deletedIds(result)).toEqual([20])
  expect(versionPlan(result, 10).reason).toMatch(/^kept: a later look no longer listed it/)
  expect(versionPlan(result, 11).reason).toBe('kept: platform linux/amd64 of web@sha256:000000000000')
})

test('a digest a served tag names is kept; what its manifest lists is kept even when the index was never listed', () => {
  // Platform manifests 31 and 32 of an index the listing never showed (tag v1 resolved to sha256:…99).
  const inventory = withView(container('web', [version(31, { age: 30 }), version(32, { age: 30 }), version(33, { age: 30 }), version(40, { age: 30 })]), {
    kept: [
      { digest: digest(31), tag: 'v1', listedBy: digest(99) },
      { digest: digest(32), tag: 'v1', listedBy: digest(99) },
      { digest: digest(40), tag: 'edge' }
    ]
  })
  const result = plan(untaggedOld, [inventory])
  expect(deletedIds(result)).toEqual([33])
  expect(versionPlan(result, 31).reason).toBe("kept: listed by sha256:000000000000, which the registry serves as tag 'v1'")
  expect(versionPlan(result, 40).reason).toBe("kept: the registry serves tag 'edge' for it")
})

test('a dependant the view holds stays even when its parent goes', () => {
  const image = multiArch(10, { age: 30 })
  const inventory = withView(container('web', image.versions, image.references), { kept: [{ digest: digest(12), tag: 'other', listedBy: digest(77) }] })
  const result = plan(untaggedOld, [inventory])
  expect(decisionOf(result, 10)).toBe('delete')
  expect(decisionOf(result, 11)).toBe('delete')
  expect(decisionOf(result, 12)).toBe('keep')
})

test('without a view nothing changes', () => {
  const inventory = container('web', [version(1, { age: 30 }), version(2, { age: 30 })])
  expect(deletedIds(plan(untaggedOld, [inventory]))).toEqual([1, 2])
})
