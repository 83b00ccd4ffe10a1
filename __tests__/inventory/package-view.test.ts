// (1.2) Merging looks into a package's view (pure).
import type { PackageVersion } from '../../src/model.js'
import { describeChanges, hasChanges, ViewBuilder } from '../../src/inventory/package-view.js'

const v = (id: number, tags: string[] = []): PackageVersion => ({ id, name: `sha256:${String(id).padStart(64, '0')}`, tags, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z' })
/** Newest first, as GitHub lists them: ids from `top` down. */
const range = (top: number, n: number): PackageVersion[] => Array.from({ length: n }, (_, i) => v(top - i))

test('a quiet pass and closing look: no change, nothing added, gone or retagged', () => {
  const builder = new ViewBuilder()
  const versions = range(250, 250)
  expect(hasChanges(builder.addPass({ versions, pages: 3, announcedLastPages: [3] }))).toBe(false)
  expect(hasChanges(builder.addClosingPage({ versions: versions.slice(0, 100), lastPage: 3 }))).toBe(false)
  expect(builder.addServedTags([])).toEqual({ servedOnly: [], notServed: [] })
  const { versions: merged, view } = builder.build()
  expect(merged).toHaveLength(250)
  expect(view).toEqual(expect.objectContaining({ gone: [], added: [], retagged: [], servedOnly: [] }))
})

test('pushes before the closing look are added, and the versions they shift to page 2 are not taken for gone', () => {
  const builder = new ViewBuilder()
  builder.addPass({ versions: range(250, 250), pages: 3, announcedLastPages: [3] })
  const changes = builder.addClosingPage({ versions: [v(252), v(251), ...range(250, 98)], lastPage: 3 })
  expect(changes.gone).toEqual([])
  expect(hasChanges(changes)).toBe(false)
  expect(builder.build().view.added).toEqual([251, 252])
})

test('a version missing from page 1 among versions still shown there is gone', () => {
  const builder = new ViewBuilder()
  builder.addPass({ versions: range(250, 250), pages: 3, announcedLastPages: [3] })
  const page1 = range(250, 101).filter((version) => version.id !== 240)
  const changes = builder.addClosingPage({ versions: page1, lastPage: 3 })
  expect(changes.gone).toEqual([240])
  expect(describeChanges(changes)).toBe('version(s) 240 no longer listed')
  // Kept in the view (gone versions are never deleted, and still protect what they list).
  expect(builder.build().versions.map((version) => version.id)).toContain(240)
})

test('a retag is a change, and the version keeps every tag it was seen with', () => {
  const builder = new ViewBuilder()
  builder.addPass({ versions: [v(3, ['stable']), v(2), v(1)], pages: 1, announcedLastPages: [] })
  const changes = builder.addPass({ versions: [v(3), v(2, ['stable']), v(1)], pages: 1, announcedLastPages: [] })
  expect(changes.retagged).toEqual([3, 2])
  const { versions, view } = builder.build()
  expect(versions.find((version) => version.id === 3)?.tags).toEqual(['stable'])
  expect(versions.find((version) => version.id === 2)?.tags).toEqual(['stable'])
  expect(view.retagged).toEqual([2, 3])
})

test('an id twice in a pass is a change (a push), and counted once', () => {
  const builder = new ViewBuilder()
  const changes = builder.addPass({ versions: [v(3), v(2), v(2), v(1)], pages: 2, announcedLastPages: [2] })
  expect(changes.duplicates).toEqual([2])
  expect(builder.build().versions).toHaveLength(3)
})

test('a later pass not showing a version makes it gone; showing it again makes it present', () => {
  const builder = new ViewBuilder()
  builder.addPass({ versions: [v(3), v(2), v(1)], pages: 1, announcedLastPages: [] })
  expect(builder.addPass({ versions: [v(3), v(1)], pages: 1, announcedLastPages: [] }).gone).toEqual([2])
  builder.addPass({ versions: [v(3), v(2), v(1)], pages: 1, announcedLastPages: [] })
  expect(builder.build().view.gone).toEqual([])
})

test('the page count announced by page 1 again is compared with what the pass announced', () => {
  const builder = new ViewBuilder()
  builder.addPass({ versions: range(150, 150), pages: 2, announcedLastPages: [2] })
  expect(builder.addClosingPage({ versions: range(150, 100), lastPage: 3 }).pageCounts).toEqual([2, 3])
})

test('served tags: those no version carries are left for resolution; tags last seen that are not served are a hint', () => {
  const builder = new ViewBuilder()
  builder.addPass({ versions: [v(3, ['latest']), v(2, ['v2']), v(1)], pages: 1, announcedLastPages: [] })
  expect(builder.addServedTags(['latest', 'v1'])).toEqual({ servedOnly: ['v1'], notServed: ['v2'] })
  expect(builder.build().view.servedOnly).toEqual(['v1'])
})
