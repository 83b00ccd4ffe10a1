// (1.2) The registry's tags list (GET /v2/<name>/tags/list) against the fake registry: the token
// flow, and the OCI distribution spec's pagination (`n`/`last` and a Link header to follow).
import { FakeGitHub, multiArchImage, type FakeTokenSeed } from '../fake/index.js'
import { nextPageUrl, parseTagsList, RegistryClient } from '../../src/registry/client.js'

const READER: FakeTokenSeed = { token: 'ghp_reader', kind: 'pat', login: 'octocat', scopes: ['read:packages'] }

async function start(tags: string[][]): Promise<FakeGitHub> {
  return FakeGitHub.start({
    accounts: [{ login: 'acme', type: 'Organization' }, { login: 'octocat', type: 'User' }],
    tokens: [READER],
    packages: [
      {
        owner: 'acme',
        package_type: 'container',
        name: 'web',
        versions: tags.flatMap((t, i) => multiArchImage({ tags: t, created_at: `2026-05-0${i + 1}T00:00:00Z`, platforms: ['linux/amd64'], salt: String(i) }).versions)
      }
    ]
  })
}

test('every tag, once, with one token request', async () => {
  const fake = await start([['latest', 'v2'], ['v1']])
  try {
    const client = new RegistryClient({ registryUrl: fake.url, githubToken: READER.token, onSecret: () => {} })
    expect((await client.listTags('acme/web')).sort()).toEqual(['latest', 'v1', 'v2'])
    expect(client.stats.tagsListReads).toBe(1)
    expect(fake.registryRequests().filter(r => r.path === '/token')).toHaveLength(1)
  } finally {
    await fake.stop()
  }
})

test('a paginated list is followed through its Link headers', async () => {
  const fake = await start([['a', 'b'], ['c', 'd'], ['e']])
  try {
    // A registry that pages by 2 (as the spec allows whatever the client asks).
    const paging: typeof fetch = (input, init) => {
      const url = new URL(String(input))
      if (url.pathname.endsWith('/tags/list') && !url.searchParams.has('n')) url.searchParams.set('n', '2')
      return fetch(url, init)
    }
    const client = new RegistryClient({ registryUrl: fake.url, githubToken: READER.token, onSecret: () => {}, fetch: paging })
    expect(await client.listTags('acme/web')).toEqual(['a', 'b', 'c', 'd', 'e'])
    expect(client.stats.tagsListReads).toBe(3)
  } finally {
    await fake.stop()
  }
})

test('a lagging list as a test serves it, and another actor acting when it is served', async () => {
  const fake = await start([['latest']])
  try {
    fake.onTagsListServed('acme', 'web', served => {
      served.tags = ['old']
    })
    const client = new RegistryClient({ registryUrl: fake.url, githubToken: READER.token, onSecret: () => {} })
    expect(await client.listTags('acme/web')).toEqual(['old'])
    expect(await client.listTags('acme/web')).toEqual(['latest'])
  } finally {
    await fake.stop()
  }
})

test('parsing: null tags are none; anything else than a list of strings is refused', () => {
  expect(parseTagsList(Buffer.from('{"name":"a/b","tags":null}'), 'x')).toEqual([])
  expect(() => parseTagsList(Buffer.from('{"tags":[1]}'), 'x')).toThrow(/has no list of tags/)
  expect(() => parseTagsList(Buffer.from('<html>'), 'x')).toThrow(/not JSON/)
  expect(nextPageUrl('</v2/a/b/tags/list?n=2&last=b>; rel="next"', 'https://ghcr.io/v2/a/b/tags/list')).toBe('https://ghcr.io/v2/a/b/tags/list?n=2&last=b')
  expect(nextPageUrl(null, 'https://ghcr.io/')).toBeUndefined()
})

test('a tags list over 32 MiB is refused unread (TOO_LARGE), and its package is left untouched', async () => {
  const fake = await start([['latest']])
  try {
    const huge: typeof fetch = async (input, init) => {
      if (!String(input).includes('/tags/list')) return fetch(input, init)
      const answer = await fetch(input, init)
      if (answer.status !== 200) return answer
      return new Response('{"tags":[]}', { status: 200, headers: { 'content-type': 'application/json', 'content-length': String(40 * 1024 * 1024) } })
    }
    const client = new RegistryClient({ registryUrl: fake.url, githubToken: READER.token, onSecret: () => {}, fetch: huge })
    await expect(client.listTags('acme/web')).rejects.toMatchObject({ code: 'TOO_LARGE' })

    const { createOctokit } = await import('../../src/github/client.js')
    const { PackagesApi } = await import('../../src/github/packages-api.js')
    const { RateLimitTracker } = await import('../../src/github/rate-limit.js')
    const { collectInventory } = await import('../../src/inventory/inventory.js')
    const { planRetention } = await import('../../src/plan/planner.js')
    const { policy, rule } = await import('../plan/builders.js')
    const rateLimit = new RateLimitTracker()
    const api = new PackagesApi(createOctokit({ token: READER.token, baseUrl: fake.url, writesPerMinute: 60 }, rateLimit), rateLimit)
    const thePolicy = policy([rule('all', { untagged: true })])
    const inventory = await collectInventory(api, { login: 'acme', kind: 'org' }, thePolicy, undefined, client)
    const plan = planRetention({ policy: thePolicy, inventories: inventory.packages, now: new Date() })
    expect(plan.packages[0].warning).toMatch(/^left untouched: .*container\/web could not be read \(the registry's tags list: .*the limit is 32.0 MiB, so it was not read\); nothing in this package is deleted$/)
    expect(plan.scheduled).toEqual([])
  } finally {
    await fake.stop()
  }
})

test('a list of more than a thousand pages is read whole; a next page that brings no new tag ends it as endless', async () => {
  const fake = await start(Array.from({ length: 9 }, (_, i) => [`t${i}`]))
  try {
    // One tag a page, as a registry may page: 1,200 pages (a large package), then a Link that loops.
    let served = 0
    const paging = (loop: boolean): typeof fetch => async (input, init) => {
      const url = new URL(String(input))
      if (!url.pathname.endsWith('/tags/list')) return fetch(url, init)
      // Ask the fake too, so the token flow runs as usual (its 401 challenge is not a page).
      const answer = await fetch(url, init)
      if (answer.status !== 200) return answer
      const page = served++
      const last = !loop && page === 1199
      const headers: Record<string, string> = { 'content-type': 'application/json' }
      if (!last) headers.link = `<${url.pathname}?n=1&last=t${loop ? 0 : page}>; rel="next"`
      return new Response(JSON.stringify({ name: 'acme/web', tags: [loop ? 't0' : `t${page}`] }), { status: 200, headers })
    }
    const whole = new RegistryClient({ registryUrl: fake.url, githubToken: READER.token, onSecret: () => {}, fetch: paging(false) })
    expect(await whole.listTags('acme/web')).toHaveLength(1200)
    served = 0
    const looping = new RegistryClient({ registryUrl: fake.url, githubToken: READER.token, onSecret: () => {}, fetch: paging(true) })
    await expect(looping.listTags('acme/web')).rejects.toThrow(/names a next page after a page with no new tag/)
  } finally {
    await fake.stop()
  }
}, 60_000)
