// End-to-end (contract 1.2, "A consistent listing"): a package's view stays true while other
// actors push, delete, retag and build indexes during the listing (issue 15, observations 1, 2,
// 3, 5 and 6), and a consistent listing costs no extra look whatever version_count says.
import { cosignSignature, FakeGitHub, multiArchImage, type FakePackageSeed, type FakeVersionSeed } from '../fake/index.js'
import { runAction, type ActionRun } from './run-action.js'
import { PAT, containerVersion, daysAgo, digest, world } from './world.js'

const UNTAGGED_POLICY = `version: 1
protect:
  tags: ["latest"]
rules:
  - name: untagged
    packages: { type: container, names: ["web"] }
    match: { untagged: true, older-than: 7d }
`

function run(fake: FakeGitHub, inputs: Record<string, string> = {}): Promise<ActionRun> {
  return runAction({
    apiUrl: fake.url,
    inputs: { token: PAT, policy: UNTAGGED_POLICY, 'dry-run': 'false', 'max-deletes-per-minute': '180', 'registry-url': fake.url, ...inputs }
  })
}

function untagged(label: string, count: number, firstId: number, ageDays: number): FakeVersionSeed[] {
  return Array.from({ length: count }, (_, i) => containerVersion(`${label}-${i}`, [], ageDays, { id: firstId - i }))
}

/** A 3-platform image built `ageDays` ago: its index and platform manifests with these ids. */
function image(tags: string[], indexId: number, childIds: number[], ageDays = 30): { versions: FakeVersionSeed[]; digest: string; children: string[] } {
  const built = multiArchImage({ tags, created_at: daysAgo(ageDays), platforms: ['linux/amd64', 'linux/arm64', 'linux/s390x'], salt: tags.join() })
  const children = built.children.map((child, i) => ({ ...child.version, id: childIds[i] }))
  return { versions: [{ ...built.version, id: indexId }, ...children], digest: built.digest, children: built.children.map(c => c.digest) }
}

const web = (versions: FakeVersionSeed[]): FakePackageSeed => ({ owner: 'acme', package_type: 'container', name: 'web', versions })
const deletes = (fake: FakeGitHub) => fake.mutations().filter(r => r.method === 'DELETE' && r.path.includes('/container/web/'))
const pageRequests = (fake: FakeGitHub) => fake.requests.filter(r => r.method === 'GET' && r.path.endsWith('/container/web/versions'))
const isFirstPage = (path: string, query: Record<string, string>) => path.endsWith('/container/web/versions') && (query.page ?? '1') === '1'

describe('issue 15: the view stays true while other actors change the package', () => {
  test.concurrent('obs 1: a push before page 1 and a deletion after it hide the tagged index v1 from every page; it is found and its platforms stay', async () => {
    // Newest first: 99 recent untagged versions, then v1 (position 100, the last of page 1) and its
    // three platform manifests, 30 days old. A push lands before page 1 (v1 moves to page 2), a
    // deletion on page 1 after it was read (v1 moves back to page 1): no page shows v1, every
    // count agrees, no id repeats, Link is unchanged.
    // The version deleted is a cosign signature (of version 2051): nothing reads its manifest.
    const v1 = image(['v1'], 2000, [1999, 1998, 1997])
    const recent = untagged('recent', 99, 2099, 1)
    recent[49] = { ...cosignSignature(digest('recent-48'), 'sig', daysAgo(1)).version, id: 2050 }
    const fake = await FakeGitHub.start(world([web([...recent, ...v1.versions])]))
    try {
      const actor = fake.actor('acme', 'container', 'web')
      fake.beforeRequest(req => isFirstPage(req.path, req.query), () => actor.pushVersion({ tags: [] }))
      fake.onPageServed('acme', 'container', 'web', 1, served => served.deleteVersion(2050))
      const result = await run(fake)
      expect(result.exitCode).toBe(0)
      expect(fake.brokenImages()).toEqual([])
      const present = fake.versions('acme', 'container', 'web').map(v => v.name)
      expect(present).toEqual(expect.arrayContaining([v1.digest, ...v1.children]))
      expect(deletes(fake)).toEqual([])
    } finally {
      await fake.stop()
    }
  })

  test.concurrent('obs 2: `stable` moves from a version on page 2 to one on page 1 after page 1 was read: the version it moved to is kept', async () => {
    // build-* images, 40 days old, selected by the rule unless protected; `stable` is protected.
    const policy = `version: 1
protect:
  tags: ["stable", "latest"]
rules:
  - name: builds
    packages: { type: container, names: ["web"] }
    match: { tags: ["build-*"], older-than: 7d }
`
    const versions = [
      ...Array.from({ length: 99 }, (_, i) => containerVersion(`recent-${i}`, [`r-${i}`], 1, { id: 3099 - i })),
      containerVersion('a', ['build-a'], 40, { id: 3000 }),
      ...Array.from({ length: 20 }, (_, i) => containerVersion(`mid-${i}`, [`m-${i}`], 2, { id: 2999 - i })),
      containerVersion('b', ['build-b', 'stable'], 41, { id: 2900 }),
      containerVersion('keep', ['latest'], 1, { id: 2800 })
    ]
    const fake = await FakeGitHub.start(world([web(versions)]))
    try {
      fake.onPageServed('acme', 'container', 'web', 1, served => served.tag(3000, ['stable']))
      const result = await run(fake, { policy })
      expect(result.exitCode).toBe(0)
      expect(fake.brokenImages()).toEqual([])
      const stable = fake.versions('acme', 'container', 'web').find(v => v.tags.includes('stable'))
      expect(stable?.id).toBe(3000)
      // No version any look showed with `stable` is deleted.
      expect(deletes(fake).map(r => r.path)).not.toContainEqual(expect.stringMatching(/\/versions\/3000$/))
      const planned = result.planFile!.packages[0].versions.find(v => v.id === 3000)
      expect(planned).toEqual(expect.objectContaining({ decision: 'keep', tags: expect.arrayContaining(['build-a', 'stable']) }))
    } finally {
      await fake.stop()
    }
  })

  test.concurrent('a protected tag rolled back onto an older version beyond page 1, after its page was read, keeps the version it names now', async () => {
    // `prod` moves from build-b (page 2) to build-a (page 3) once the pages were read: no page 1
    // look can see it, and the tags list still serves `prod`; only asking the registry where `prod`
    // points now (a HEAD) tells.
    const policy = `version: 1
protect:
  tags: ["prod"]
rules:
  - name: builds
    packages: { type: container, names: ["web"] }
    match: { tags: ["build-*"], older-than: 7d }
`
    const versions = [
      ...Array.from({ length: 100 }, (_, i) => containerVersion(`recent-${i}`, [`r-${i}`], 1, { id: 3199 - i })),
      containerVersion('b', ['build-b', 'prod'], 30, { id: 3050 }),
      ...Array.from({ length: 99 }, (_, i) => containerVersion(`mid-${i}`, [`m-${i}`], 2, { id: 3000 - i })),
      containerVersion('a', ['build-a'], 40, { id: 2000 })
    ]
    const fake = await FakeGitHub.start(world([web(versions)]))
    try {
      fake.onTagsListServed('acme', 'web', () => fake.actor('acme', 'container', 'web').tag(2000, ['prod']))
      const result = await run(fake, { policy })
      expect(result.exitCode).toBe(0)
      expect(fake.versions('acme', 'container', 'web').find(v => v.tags.includes('prod'))?.id).toBe(2000)
      // The version `prod` names now stays; the one it left (seen with it) stays too.
      expect(deletes(fake).map(r => r.path)).not.toContainEqual(expect.stringMatching(/\/versions\/(2000|3050)$/))
      expect(fake.brokenImages()).toEqual([])
    } finally {
      await fake.stop()
    }
  })

  test.concurrent('obs 3: an index built by `imagetools create` over two old untagged manifests while the package is listed protects them', async () => {
    const versions = [...untagged('old', 5, 1999, 30), containerVersion('keep', ['latest'], 1, { id: 2500 })]
    const fake = await FakeGitHub.start(world([web(versions)]))
    try {
      let index = ''
      fake.onPageServed('acme', 'container', 'web', 1, served => (index = served.imagetoolsCreate([1999, 1998], ['release']).name))
      const result = await run(fake)
      expect(result.exitCode).toBe(0)
      expect(fake.brokenImages()).toEqual([])
      const present = fake.versions('acme', 'container', 'web')
      expect(present.map(v => v.id)).toEqual(expect.arrayContaining([1999, 1998]))
      expect(present.map(v => v.name)).toContain(index)
      // The other old untagged versions are still cleaned.
      expect(deletes(fake)).toHaveLength(3)
    } finally {
      await fake.stop()
    }
  })

  test.concurrent('obs 3, over pages: an index built after page 1 is seen by the closing look and protects what it lists', async () => {
    const versions = [...untagged('recent', 120, 2200, 1), ...untagged('old', 5, 1999, 30), containerVersion('keep', ['latest'], 1, { id: 2500 })]
    const fake = await FakeGitHub.start(world([web(versions)]))
    try {
      fake.onPageServed('acme', 'container', 'web', 2, served => served.imagetoolsCreate([1999, 1998], ['release']))
      const result = await run(fake)
      expect(result.exitCode).toBe(0)
      expect(fake.brokenImages()).toEqual([])
      expect(fake.versions('acme', 'container', 'web').map(v => v.id)).toEqual(expect.arrayContaining([1999, 1998]))
      expect(deletes(fake)).toHaveLength(3)
    } finally {
      await fake.stop()
    }
  })

  test.concurrent('obs 6: a package pushed to at every request is still planned and cleaned', async () => {
    const v1 = image(['v1'], 2000, [1999, 1998, 1997])
    const versions = [...untagged('recent', 140, 2200, 1), ...v1.versions, ...untagged('old', 10, 1990, 30), containerVersion('keep', ['latest'], 1, { id: 2500 })]
    const fake = await FakeGitHub.start(world([web(versions)]))
    try {
      const actor = fake.actor('acme', 'container', 'web')
      fake.beforeRequest(req => req.path.includes('/container/web/') || req.path.includes('/acme/web/'), () => actor.pushVersion({ tags: [] }), { times: Infinity })
      const result = await run(fake)
      expect(result.exitCode).toBe(0)
      expect(result.stdout).not.toMatch(/left untouched/)
      expect(fake.brokenImages()).toEqual([])
      expect(fake.versions('acme', 'container', 'web').map(v => v.name)).toEqual(expect.arrayContaining([v1.digest, ...v1.children]))
      expect(deletes(fake)).toHaveLength(10)
    } finally {
      await fake.stop()
    }
  })
})

describe('issue 15 obs 5: version_count is a hint, never a stop', () => {
  const cases: Array<[string, (actual: number) => number | undefined, number]> = [
    ['one more than listed', actual => actual + 1, 1],
    ['one less than listed', actual => actual - 1, 1],
    ['missing', () => undefined, 1],
    ['lagging (a fixed old count)', () => 12, 1],
    ['inflated to 12,000', () => 12_000, 1],
    ['one more, on three pages', actual => actual + 1, 3],
    ['inflated, on three pages', () => 12_000, 3]
  ]
  test.concurrent.each(cases)('a stable package whose count is %s is planned and cleaned at bounded cost', async (_, count, pages) => {
    const recent = pages === 1 ? 20 : 240
    const fake = await FakeGitHub.start(world([web([...untagged('recent', recent, 2300, 1), ...untagged('old', 5, 1999, 30), containerVersion('keep', ['latest'], 1, { id: 2500 })])]))
    try {
      fake.setVersionCount('acme', 'container', 'web', count)
      const result = await run(fake)
      expect(result.exitCode).toBe(0)
      expect(result.stdout).not.toMatch(/left untouched/)
      expect(deletes(fake)).toHaveLength(5)
      // One pass and its closing look, and at most one pass more (a hint is worth one look).
      const quiet = pages + 1
      expect(pageRequests(fake).length).toBeLessThanOrEqual(2 * quiet + 1)
    } finally {
      await fake.stop()
    }
  })
})

describe('a consistent listing fires no check and costs no extra pass', () => {
  test.concurrent.each([0, 1, 99, 100, 101, 250])('%i versions: one pass, one closing look (page 1 and the tags list)', async n => {
    // n versions in all, the newest tagged `latest` (GitHub has no package without a version: 0 is an npm-less edge, an empty package).
    const versions = n === 0 ? [] : [containerVersion('keep', ['latest'], 1, { id: 6000 }), ...untagged('v', n - 1, 5000, 1)]
    const fake = await FakeGitHub.start(world([web(versions)]))
    try {
      const result = await run(fake)
      expect(result.exitCode).toBe(0)
      expect(result.stdout).not.toMatch(/listed again|left untouched/)
      const pages = Math.max(1, Math.ceil(versions.length / 100))
      expect(pageRequests(fake)).toHaveLength(pages + 1)
      expect(fake.requests.filter(r => r.path === '/v2/acme/web/tags/list' && r.status === 200)).toHaveLength(1)
    } finally {
      await fake.stop()
    }
  })
})
