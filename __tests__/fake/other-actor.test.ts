// The fake playing another actor between two pages of a listing (onPageServed): what a test
// scripts there applies at once, as GitHub's state would change under a paginating client.
import { FakeGitHub } from './index.js'

const PAT = 'ghp_octocat_all'

async function start(count: number): Promise<FakeGitHub> {
  return FakeGitHub.start({
    accounts: [{ login: 'acme', type: 'Organization' }, { login: 'octocat', type: 'User' }],
    tokens: [{ token: PAT, kind: 'pat', login: 'octocat', scopes: ['read:packages', 'delete:packages'] }],
    packages: [
      {
        owner: 'acme',
        package_type: 'container',
        name: 'web',
        versions: Array.from({ length: count }, (_, i) => ({ id: i + 1, tags: i === 0 ? ['latest'] : [], created_at: new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString() }))
      }
    ]
  })
}

async function page(fake: FakeGitHub, n: number): Promise<{ ids: number[]; link: string | null }> {
  const response = await fetch(`${fake.url}/orgs/acme/packages/container/web/versions?per_page=100&page=${n}`, { headers: { authorization: `token ${PAT}` } })
  const body = (await response.json()) as Array<{ id: number }>
  return { ids: body.map(v => v.id), link: response.headers.get('link') }
}

test('a deletion after page 1 shifts the next version onto page 1, which was already served', async () => {
  const fake = await start(150)
  try {
    fake.onPageServed('acme', 'container', 'web', 1, served => served.deleteVersion(150))
    const first = await page(fake, 1)
    const second = await page(fake, 2)
    expect(first.ids[0]).toBe(150)
    expect(first.ids.at(-1)).toBe(51)
    // 50 is now on page 1: this paginating client never sees it.
    expect(second.ids[0]).toBe(49)
    expect(fake.versions('acme', 'container', 'web')).toHaveLength(149)
  } finally {
    await fake.stop()
  }
})

test('a push and a retag: the pushed version gets a larger id than any, a tag moves, and the hook runs the given number of times', async () => {
  const fake = await start(3)
  try {
    let runs = 0
    let pushedId = 0
    fake.onPageServed('acme', 'container', 'web', 1, served => {
      runs++
      if (runs > 1) return
      pushedId = served.pushVersion({ tags: ['latest'] }).id
      served.tag(2, ['stable'])
    }, { times: 2 })
    await page(fake, 1)
    await page(fake, 1)
    await page(fake, 1)
    expect(runs).toBe(2)
    const versions = fake.versions('acme', 'container', 'web')
    expect(pushedId).toBeGreaterThan(3)
    expect(versions.map(v => [v.id, v.tags])).toEqual([[pushedId, ['latest']], [3, []], [2, ['stable']], [1, []]])
  } finally {
    await fake.stop()
  }
})

test('the hook may change the answer itself (odd data, a wrong Link)', async () => {
  const fake = await start(3)
  try {
    fake.onPageServed('acme', 'container', 'web', 1, served => {
      served.response.body = { not: 'a list' }
      served.response.headers = { ...served.response.headers, link: '<x?page=9>; rel="last"' }
    })
    const response = await fetch(`${fake.url}/orgs/acme/packages/container/web/versions`, { headers: { authorization: `token ${PAT}` } })
    expect(await response.json()).toEqual({ not: 'a list' })
    expect(response.headers.get('link')).toBe('<x?page=9>; rel="last"')
  } finally {
    await fake.stop()
  }
})

test('imagetools create: a new tagged index over existing manifests, which the registry then serves', async () => {
  const fake = await start(3)
  try {
    const index = fake.actor('acme', 'container', 'web').imagetoolsCreate([2, 3], ['release'])
    expect(fake.versions('acme', 'container', 'web')[0]).toEqual(expect.objectContaining({ id: index.id, tags: ['release'] }))
    const listed = fake.indexes('acme', 'web').find(i => i.id === index.id)!.children
    const names = fake.versions('acme', 'container', 'web').map(v => v.name)
    expect(listed).toEqual([names[2], names[1]])
    expect(fake.brokenImages()).toEqual([])
  } finally {
    await fake.stop()
  }
})

test('version_count as a test wants it: wrong, or missing', async () => {
  const fake = await start(3)
  try {
    const get = async () => (await (await fetch(`${fake.url}/orgs/acme/packages/container/web`, { headers: { authorization: `token ${PAT}` } })).json()) as { version_count?: number }
    fake.setVersionCount('acme', 'container', 'web', n => n + 1)
    expect((await get()).version_count).toBe(4)
    fake.setVersionCount('acme', 'container', 'web', () => undefined)
    expect('version_count' in (await get())).toBe(false)
  } finally {
    await fake.stop()
  }
})

test('beforeRequest: another actor acts before the matching request is handled', async () => {
  const fake = await start(3)
  try {
    fake.beforeRequest(req => req.path.endsWith('/versions'), () => fake.actor('acme', 'container', 'web').deleteVersion(3))
    expect((await page(fake, 1)).ids).toEqual([2, 1])
  } finally {
    await fake.stop()
  }
})
