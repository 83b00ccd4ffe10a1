// The looks that make a package's view (contract 1.2, "A consistent listing"): GitHub pages by
// number, so another actor deleting, pushing or retagging while the pages are read shifts versions
// between pages. The fake plays that actor; the view must notice what can hide a version and look
// again (three passes at most), merge what the looks saw, and never fire on a quiet listing.
import { FakeGitHub, type FakeVersionSeed, type ServedPage } from '../fake/index.js'
import { createOctokit } from '../../src/github/client.js'
import { PackagesApi } from '../../src/github/packages-api.js'
import { RateLimitTracker } from '../../src/github/rate-limit.js'
import { listPackageView, MAX_PASSES } from '../../src/inventory/view-listing.js'
import type { PackageRef } from '../../src/model.js'
import { PAT, containerVersion, npmVersion, world } from '../e2e/world.js'

const LIB: PackageRef = { owner: 'acme', ownerKind: 'org', type: 'npm', name: 'lib' }
const WEB: PackageRef = { owner: 'acme', ownerKind: 'org', type: 'container', name: 'web' }

function npmVersions(n: number): FakeVersionSeed[] {
  return Array.from({ length: n }, (_, i) => npmVersion(`1.0.${i}`, n + 10 - i))
}

async function withFake(versions: FakeVersionSeed[], type: 'npm' | 'container', test: (fake: FakeGitHub, api: PackagesApi) => Promise<void>): Promise<void> {
  const fake = await FakeGitHub.start(world([{ owner: 'acme', package_type: type, name: type === 'npm' ? 'lib' : 'web', versions }]))
  try {
    const rateLimit = new RateLimitTracker()
    await test(fake, new PackagesApi(createOctokit({ token: PAT, baseUrl: fake.url, writesPerMinute: 60 }, rateLimit), rateLimit))
  } finally {
    await fake.stop()
  }
}

const pageRequests = (fake: FakeGitHub) => fake.requests.filter(r => r.path.endsWith('/versions'))
const ids = (versions: { id: number }[]) => versions.map(v => v.id).sort((a, b) => a - b)
const view = (api: PackagesApi, ref = LIB) => listPackageView(api, undefined, ref)

describe('a listing nothing changed is taken at once', () => {
  test.each([0, 1, 99, 100, 101, 200, 250])('%i versions: one pass (and page 1 again when there are several pages), no check fires', async n => {
    await withFake(npmVersions(n), 'npm', async (fake, api) => {
      const listing = await view(api)
      expect(listing?.problem).toBeUndefined()
      expect(listing?.relisted).toEqual([])
      expect(ids(listing!.versions)).toEqual(ids(fake.versions('acme', 'npm', 'lib')))
      const pages = Math.max(1, Math.ceil(n / 100))
      expect(pageRequests(fake)).toHaveLength(pages + (pages > 1 ? 1 : 0))
      expect(listing!.view).toEqual(expect.objectContaining({ gone: [], added: [], retagged: [], servedOnly: [] }))
    })
  })

  test("the package listing's version_count saves the package request: a single page costs one request", async () => {
    await withFake(npmVersions(40), 'npm', async (fake, api) => {
      const listing = await listPackageView(api, undefined, LIB, undefined, { name: 'lib', type: 'npm', versionCount: 40 })
      expect(listing?.versions).toHaveLength(40)
      expect(fake.requests).toHaveLength(1)
    })
  })
})

describe('version_count is a hint', () => {
  test.each([
    ['one more', (n: number) => n + 1],
    ['one less', (n: number) => n - 1],
    ['missing', () => undefined],
    ['inflated', () => 50_000]
  ])('%s: never a problem, at most one pass more, never hundreds of pages', async (_what, count) => {
    await withFake(npmVersions(150), 'npm', async (fake, api) => {
      fake.setVersionCount('acme', 'npm', 'lib', count)
      const listing = await view(api)
      expect(listing?.problem).toBeUndefined()
      expect(listing?.versions).toHaveLength(150)
      expect(pageRequests(fake).length).toBeLessThanOrEqual(2 * 3)
    })
  })

  test('a count above a full last page: pages are followed until one is not full', async () => {
    await withFake(npmVersions(250), 'npm', async (fake, api) => {
      for (const page of [1, 2]) {
        fake.onPageServed('acme', 'npm', 'lib', page, served => {
          served.response.headers!.link = served.response.headers!.link.replace('page=3>; rel="last"', 'page=2>; rel="last"')
        }, { times: Infinity })
      }
      const listing = await view(api)
      expect(listing?.problem).toBeUndefined()
      expect(listing?.relisted).toEqual([])
      expect(listing?.versions).toHaveLength(250)
    })
  })
})

describe('another actor between two pages', () => {
  test('a deletion after page 1 shifts a version onto the page already read: the closing look sees it gone, the next pass finds the hidden one', async () => {
    await withFake(npmVersions(250), 'npm', async (fake, api) => {
      const newest = fake.versions('acme', 'npm', 'lib')[0].id
      fake.onPageServed('acme', 'npm', 'lib', 1, served => served.deleteVersion(newest))
      const listing = await view(api)
      expect(listing?.problem).toBeUndefined()
      expect(listing?.relisted).toEqual([`version(s) ${newest} no longer listed`])
      // Every version present, and the deleted one kept as gone (it is not deleted again).
      expect(ids(listing!.versions)).toEqual(ids([...fake.versions('acme', 'npm', 'lib'), { id: newest }]))
      expect(listing!.view.gone).toEqual([newest])
    })
  })

  test('a retag and a push after page 1: the version is judged with every tag it was seen with', async () => {
    const versions = Array.from({ length: 150 }, (_, i) => containerVersion(`v${i}`, i === 50 ? ['rc'] : [], 200 - i)) // seed 50 is listed 100th (newest first)
    await withFake(versions, 'container', async (fake, api) => {
      const lastOfPage1 = fake.versions('acme', 'container', 'web')[99]
      fake.onPageServed('acme', 'container', 'web', 1, served => {
        served.tag(lastOfPage1.id, ['release'])
        served.pushVersion({ tags: ['new'] })
      })
      const listing = await view(api, WEB)
      expect(listing?.problem).toBeUndefined()
      expect(listing!.versions.filter(v => v.id === lastOfPage1.id)).toEqual([expect.objectContaining({ tags: ['rc', 'release'] })])
      expect(listing!.versions).toHaveLength(151)
      expect(listing!.view.retagged).toEqual([lastOfPage1.id])
    })
  })

  test('pages announcing different page counts: listed again', async () => {
    await withFake(npmVersions(250), 'npm', async (fake, api) => {
      fake.onPageServed('acme', 'npm', 'lib', 2, served => {
        served.response.headers!.link = served.response.headers!.link.replace('page=3>; rel="last"', 'page=4>; rel="last"')
      })
      const listing = await view(api)
      expect(listing?.relisted).toEqual(['the page count changed (3, 4)'])
      expect(listing?.versions).toHaveLength(250)
    })
  })

  test(`a package whose page 1 loses a version at every look is given up after ${MAX_PASSES} passes, with the reason`, async () => {
    await withFake(npmVersions(150), 'npm', async (fake, api) => {
      fake.onPageServed('acme', 'npm', 'lib', 1, served => served.deleteVersion(fake.versions('acme', 'npm', 'lib')[0].id), { times: Infinity })
      const listing = await view(api)
      expect(listing?.problem).toMatch(/^its versions changed while they were listed, 3 times \(version\(s\) \d+ no longer listed; .*\)$/)
      // Three passes of two pages, each with page 1 again.
      expect(pageRequests(fake)).toHaveLength(3 * MAX_PASSES)
      expect(new Set(ids(listing!.versions)).size).toBe(listing!.versions.length)
    })
  })

  test('a package pushed to at every page is still listed: additions alone never make it untouchable', async () => {
    await withFake(npmVersions(250), 'npm', async (fake, api) => {
      for (const page of [1, 2, 3]) fake.onPageServed('acme', 'npm', 'lib', page, (served: ServedPage) => void served.pushVersion({ name: `2.0.${Math.random()}` }), { times: Infinity })
      const listing = await view(api)
      expect(listing?.problem).toBeUndefined()
      // Every version the package had when the listing began is in the view.
      expect(listing!.versions.length).toBeGreaterThanOrEqual(250)
      expect(pageRequests(fake).length).toBeLessThanOrEqual(MAX_PASSES * 4)
    })
  })

  test('a single page is one answer: a change after it needs no second pass', async () => {
    await withFake(npmVersions(50), 'npm', async (fake, api) => {
      fake.onPageServed('acme', 'npm', 'lib', 1, (served: ServedPage) => served.deleteVersion(fake.versions('acme', 'npm', 'lib')[0].id))
      const listing = await view(api)
      expect(listing?.problem).toBeUndefined()
      expect(listing?.versions).toHaveLength(50)
      expect(pageRequests(fake)).toHaveLength(1)
    })
  })
})

describe('answers that are not a list of versions', () => {
  test.each([
    ['an object', { message: 'Something went wrong' }, /GitHub answered GET \/orgs\/acme\/packages\/npm\/lib\/versions\?.*page=1.* with something that is not a list of versions \(it begins "\{\\"message\\":\\"Something went wrong\\"\}"\)/],
    ['a list of something else', [null, 1], /GitHub answered GET \/orgs\/acme\/packages\/npm\/lib\/versions\?.* with something that is not a list of versions \(it begins "\[null,1\]"\)/],
    ['HTML', '<html>Unicorn!</html>', /GitHub answered GET \/orgs\/acme\/packages\/npm\/lib\/versions\?.* with something that is not JSON \(it begins "<html>Unicorn!<\/html>"\)/]
  ])('%s: says what came', async (_what, body, message) => {
    await withFake(npmVersions(3), 'npm', async (fake, api) => {
      fake.onPageServed('acme', 'npm', 'lib', 1, served => {
        served.response.body = body
      })
      await expect(view(api)).rejects.toThrow(message)
    })
  })
})
