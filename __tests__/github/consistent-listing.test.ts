// One consistent listing per package (contract 1.1): GitHub pages by number, so another actor
// deleting, pushing or retagging while the pages are read shifts versions between pages. The
// fake plays that actor between pages; the listing must notice and list again, give up after a
// few tries, and never fire on a listing nothing changed.
import { FakeGitHub, type FakeVersionSeed, type ServedPage } from '../fake/index.js'
import { createOctokit } from '../../src/github/client.js'
import { LISTING_TRIES, PackagesApi } from '../../src/github/packages-api.js'
import { RateLimitTracker } from '../../src/github/rate-limit.js'
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
const countRequests = (fake: FakeGitHub) => fake.requests.filter(r => /\/packages\/[^/]+\/[^/]+$/.test(r.path))
const ids = (versions: { id: number }[]) => versions.map(v => v.id).sort((a, b) => a - b)

describe('a listing nothing changed is taken at once', () => {
  test.each([0, 1, 99, 100, 101, 200, 250])('%i versions: listed once, no check fires', async n => {
    await withFake(npmVersions(n), 'npm', async (fake, api) => {
      const listing = await api.listConsistently(LIB)
      expect(listing?.problem).toBeUndefined()
      expect(listing?.retried).toEqual([])
      expect(ids(listing!.versions)).toEqual(ids(fake.versions('acme', 'npm', 'lib')))
      expect(pageRequests(fake)).toHaveLength(Math.max(1, Math.ceil(n / 100)))
      // The count before the first page, and after the last one when there are several pages.
      expect(countRequests(fake)).toHaveLength(n > 100 ? 2 : 1)
    })
  })

  test("the package listing's version_count serves as the first count: a single page costs one request", async () => {
    await withFake(npmVersions(40), 'npm', async (fake, api) => {
      const listing = await api.listConsistently(LIB, undefined, { name: 'lib', type: 'npm', versionCount: 40 })
      expect(listing?.versions).toHaveLength(40)
      expect(fake.requests).toHaveLength(1)
    })
  })
})

describe('another actor between two pages', () => {
  test('a deletion after page 1 shifts a version onto the page already read: noticed, listed again', async () => {
    await withFake(npmVersions(250), 'npm', async (fake, api) => {
      const newest = fake.versions('acme', 'npm', 'lib')[0].id
      fake.onPageServed('acme', 'npm', 'lib', 1, served => served.deleteVersion(newest))
      const listing = await api.listConsistently(LIB)
      expect(listing?.problem).toBeUndefined()
      expect(listing?.retried).toEqual([expect.stringMatching(/counted 250 versions before the listing and 249 after it/)])
      expect(ids(listing!.versions)).toEqual(ids(fake.versions('acme', 'npm', 'lib')))
      expect(listing!.versions).toHaveLength(249)
    })
  })

  test('a push after page 1 lists a version twice (retagged meanwhile, with other tags): noticed, listed again', async () => {
    const versions = Array.from({ length: 150 }, (_, i) => containerVersion(`v${i}`, [], 200 - i))
    await withFake(versions, 'container', async (fake, api) => {
      const lastOfPage1 = fake.versions('acme', 'container', 'web')[99]
      fake.onPageServed('acme', 'container', 'web', 1, served => {
        served.tag(lastOfPage1.id, ['release'])
        served.pushVersion({ tags: ['new'] })
      })
      const listing = await api.listConsistently(WEB)
      expect(listing?.retried).toEqual([`version ${lastOfPage1.id} was listed twice`])
      expect(listing?.problem).toBeUndefined()
      expect(listing!.versions.filter(v => v.id === lastOfPage1.id)).toEqual([expect.objectContaining({ tags: ['release'] })])
      expect(listing!.versions).toHaveLength(151)
    })
  })

  test('pages announcing different page counts: noticed, listed again', async () => {
    await withFake(npmVersions(250), 'npm', async (_fake, api) => {
      _fake.onPageServed('acme', 'npm', 'lib', 2, served => {
        served.response.headers!.link = served.response.headers!.link.replace('page=3>; rel="last"', 'page=4>; rel="last"')
      })
      const listing = await api.listConsistently(LIB)
      expect(listing?.retried).toEqual(['the pages announced different page counts (3, 4)'])
      expect(listing?.versions).toHaveLength(250)
    })
  })

  test('a Link announcing too few pages is not trusted alone: the count says how many pages to read', async () => {
    await withFake(npmVersions(250), 'npm', async (fake, api) => {
      for (const page of [1, 2]) {
        fake.onPageServed('acme', 'npm', 'lib', page, served => {
          served.response.headers!.link = served.response.headers!.link.replace('page=3>; rel="last"', 'page=2>; rel="last"')
        }, { times: Infinity })
      }
      const listing = await api.listConsistently(LIB)
      expect(listing?.problem).toBeUndefined()
      expect(listing?.retried).toEqual([])
      expect(ids(listing!.versions)).toEqual(ids(fake.versions('acme', 'npm', 'lib')))
    })
  })

  test(`a package that changes during every try is given up after ${LISTING_TRIES}, with the reason`, async () => {
    await withFake(npmVersions(150), 'npm', async (fake, api) => {
      fake.onPageServed('acme', 'npm', 'lib', 1, served => served.deleteVersion(fake.versions('acme', 'npm', 'lib')[0].id), { times: Infinity })
      const listing = await api.listConsistently(LIB)
      expect(listing?.problem).toMatch(/^its versions changed while they were listed, 3 times \(the package counted 150 versions before the listing and 149 after it; .*\)$/)
      expect(pageRequests(fake)).toHaveLength(2 * LISTING_TRIES)
      // Each version once, whatever the last try saw.
      expect(new Set(ids(listing!.versions)).size).toBe(listing!.versions.length)
    })
  })

  test('a single page is one answer: a change after it needs no second listing', async () => {
    await withFake(npmVersions(50), 'npm', async (fake, api) => {
      fake.onPageServed('acme', 'npm', 'lib', 1, (served: ServedPage) => served.deleteVersion(fake.versions('acme', 'npm', 'lib')[0].id))
      const listing = await api.listConsistently(LIB)
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
      await expect(api.listConsistently(LIB)).rejects.toThrow(message)
    })
  })
})
