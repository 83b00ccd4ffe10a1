// Behaviour of the fake GitHub that the action's tests rely on.
import http from 'node:http'
import { FakeGitHub, type FakeOptions, type FakePackageSeed } from './index.js'

const PAT = 'ghp_octocat_all'
const PAT_READ_ONLY = 'ghp_hubot_read'
const PAT_NO_SCOPES = 'ghp_monalisa_none'
const ACTIONS = 'ghs_actions'

const day = (n: number) => new Date(Date.UTC(2024, 0, 1) + n * 86_400_000).toISOString()

function options(overrides: Partial<FakeOptions> = {}, packages: FakePackageSeed[] = []): FakeOptions {
  return {
    accounts: [
      { login: 'acme', type: 'Organization' },
      { login: 'octocat', type: 'User' },
      { login: 'hubot', type: 'User' },
      { login: 'monalisa', type: 'User' }
    ],
    tokens: [
      { token: PAT, kind: 'pat', login: 'octocat', scopes: ['read:packages', 'write:packages', 'delete:packages'] },
      { token: PAT_READ_ONLY, kind: 'pat', login: 'hubot', scopes: ['read:packages'] },
      { token: PAT_NO_SCOPES, kind: 'pat', login: 'monalisa', scopes: ['repo', 'workflow'] },
      { token: ACTIONS, kind: 'github-token', owner: 'acme', adminOn: ['acme/container/web'] }
    ],
    packages,
    ...overrides
  }
}

/** A container package with `count` versions, ids 1..count (newest = highest), every 10th tagged. */
function containerPackage(name: string, count: number, extra: Partial<FakePackageSeed> = {}): FakePackageSeed {
  return {
    owner: 'acme',
    package_type: 'container',
    name,
    visibility: 'private',
    versions: Array.from({ length: count }, (_, i) => ({
      id: i + 1,
      tags: (i + 1) % 10 === 0 ? [`v${i + 1}`] : [],
      created_at: day(i)
    })),
    ...extra
  }
}

interface Reply {
  status: number
  headers: Headers
  body: unknown
}

async function call(fake: FakeGitHub, method: string, path: string, token?: string, scheme = 'Bearer'): Promise<Reply> {
  const headers: Record<string, string> = token ? { authorization: `${scheme} ${token}` } : {}
  const res = await fetch(fake.url + path, { method, headers })
  const text = await res.text()
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as unknown) : undefined }
}

const message = (reply: Reply) => (reply.body as { message: string }).message
const ids = (reply: Reply) => (reply.body as Array<{ id: number }>).map((v) => v.id)

function links(reply: Reply): Record<string, string> {
  const header = reply.headers.get('link') ?? ''
  return Object.fromEntries([...header.matchAll(/<([^>]+)>; rel="(\w+)"/g)].map((m) => [m[2], m[1]]))
}

let fake: FakeGitHub | undefined
afterEach(async () => {
  await fake?.stop()
  fake = undefined
})

async function start(o: FakeOptions): Promise<FakeGitHub> {
  fake = await FakeGitHub.start(o)
  return fake
}

describe('pagination', () => {
  const versionsPath = '/orgs/acme/packages/container/web/versions'

  it('lists newest first, 30 per page by default, at most 100, with Link rels as GitHub writes them', async () => {
    const f = await start(options({}, [containerPackage('web', 250)]))

    const first = await call(f, 'GET', versionsPath, PAT)
    expect(ids(first)).toEqual(Array.from({ length: 30 }, (_, i) => 250 - i))
    expect(first.headers.get('link')).toBe(
      `<${f.url}${versionsPath}?page=2>; rel="next", <${f.url}${versionsPath}?page=9>; rel="last"`
    )

    const big = await call(f, 'GET', `${versionsPath}?per_page=500`, PAT)
    expect(ids(big)).toHaveLength(100)

    const middle = await call(f, 'GET', `${versionsPath}?per_page=100&page=2`, PAT)
    expect(ids(middle)[0]).toBe(150)
    expect(Object.keys(links(middle))).toEqual(['prev', 'next', 'last', 'first'])
    expect(links(middle).next).toBe(`${f.url}${versionsPath}?per_page=100&page=3`)

    const last = await call(f, 'GET', `${versionsPath}?per_page=100&page=3`, PAT)
    expect(ids(last)).toHaveLength(50)
    expect(Object.keys(links(last))).toEqual(['prev', 'first'])

    const beyond = await call(f, 'GET', `${versionsPath}?per_page=100&page=7`, PAT)
    expect(beyond.body).toEqual([])
  })

  it('following rel="next" visits every version once, keeping the other query parameters', async () => {
    const f = await start(options({}, [containerPackage('web', 123)]))
    const seen: number[] = []
    let next: string | undefined = `${f.url}${versionsPath}?per_page=50&state=active`
    while (next) {
      const res = await fetch(next, { headers: { authorization: `token ${PAT}` } })
      seen.push(...((await res.json()) as Array<{ id: number }>).map((v) => v.id))
      next = links({ status: res.status, headers: res.headers, body: undefined }).next
      if (next) expect(next).toContain('state=active')
    }
    expect(seen).toEqual(Array.from({ length: 123 }, (_, i) => 123 - i))
    expect(f.requests).toHaveLength(3)
  })

  it('builds Link URLs from the Host the client used', async () => {
    const f = await start(options({}, [containerPackage('web', 40)]))
    const port = new URL(f.url).port
    const link = await new Promise<string | undefined>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: versionsPath, headers: { host: `localhost:${port}`, authorization: `token ${PAT}` } }, (res) => {
          res.resume()
          resolve(res.headers.link as string | undefined)
        })
        .on('error', reject)
    })
    expect(link).toContain(`<http://localhost:${port}${versionsPath}?page=2>`)
  })

  it('paginates package listings and filters by visibility', async () => {
    const packages = ['a', 'b', 'c'].map((n) => containerPackage(n, 1, { visibility: n === 'b' ? 'public' : 'private' }))
    packages.forEach((p, i) => (p.versions[0]!.id = 10 + i))
    const f = await start(options({}, packages))
    const page = await call(f, 'GET', '/orgs/acme/packages?package_type=container&per_page=2', PAT)
    expect((page.body as Array<{ name: string }>).map((p) => p.name)).toEqual(['a', 'b'])
    expect(links(page).next).toContain('package_type=container')
    const pub = await call(f, 'GET', '/orgs/acme/packages?package_type=container&visibility=public', PAT)
    expect((pub.body as Array<{ name: string }>).map((p) => p.name)).toEqual(['b'])
    expect((await call(f, 'GET', '/orgs/acme/packages', PAT)).status).toBe(400)
    expect((await call(f, 'GET', '/orgs/acme/packages?package_type=gradle', PAT)).status).toBe(400)
  })
})

describe('package and version bodies', () => {
  it('carries container tags in metadata and decodes %2F inside a package name', async () => {
    const f = await start(options({}, [containerPackage('team/web', 10)]))
    const list = await call(f, 'GET', '/orgs/acme/packages/container/team%2Fweb/versions', PAT)
    expect(list.status).toBe(200)
    const newest = (list.body as Array<Record<string, unknown>>)[0]
    expect(newest).toMatchObject({
      id: 10,
      metadata: { package_type: 'container', container: { tags: ['v10'] } },
      url: `${f.url}/orgs/acme/packages/container/team%2Fweb/versions/10`
    })
    // An unencoded slash is a different path, as on GitHub.
    expect((await call(f, 'GET', '/orgs/acme/packages/container/team/web/versions', PAT)).status).toBe(404)
  })

  it('answers 404 "Package not found." for an unknown package', async () => {
    const f = await start(options({}, [containerPackage('web', 2)]))
    const reply = await call(f, 'GET', '/orgs/acme/packages/container/nope/versions', PAT)
    expect(reply.status).toBe(404)
    expect(message(reply)).toBe('Package not found.')
  })
})

describe('deletion refusals (400, GitHub’s messages)', () => {
  it('refuses a public version with more than 5000 downloads, not a private one', async () => {
    const pkg = (name: string, visibility: 'public' | 'private'): FakePackageSeed => ({
      owner: 'acme',
      package_type: 'npm',
      name,
      visibility,
      versions: [
        { id: name === 'pub' ? 1 : 11, name: '1.0.0', created_at: day(1), downloads: 5001 },
        { id: name === 'pub' ? 2 : 12, name: '1.0.1', created_at: day(2) }
      ]
    })
    const f = await start(options({}, [pkg('pub', 'public'), pkg('priv', 'private')]))
    const refused = await call(f, 'DELETE', '/orgs/acme/packages/npm/pub/versions/1', PAT)
    expect(refused.status).toBe(400)
    expect(message(refused)).toBe(
      'Publicly visible package versions with more than 5000 downloads cannot be deleted. Contact GitHub support for further assistance.'
    )
    expect(f.versions('acme', 'npm', 'pub').map((v) => v.id)).toEqual([2, 1])
    expect((await call(f, 'DELETE', '/orgs/acme/packages/npm/priv/versions/11', PAT)).status).toBe(204)
  })

  it('refuses the last tagged container version, but not untagged ones beside it', async () => {
    const f = await start(options({}, [containerPackage('web', 12)])) // tagged: 10 only
    expect((await call(f, 'DELETE', '/orgs/acme/packages/container/web/versions/11', PAT)).status).toBe(204)
    const refused = await call(f, 'DELETE', '/orgs/acme/packages/container/web/versions/10', PAT)
    expect(refused.status).toBe(400)
    expect(message(refused)).toBe('You cannot delete the last tagged version of a package. You must delete the package instead.')
  })

  it('refuses the last version of other package types', async () => {
    const f = await start(
      options({}, [
        {
          owner: 'acme',
          package_type: 'maven',
          name: 'lib',
          versions: [
            { id: 1, name: '1', created_at: day(1) },
            { id: 2, name: '2', created_at: day(2) }
          ]
        }
      ])
    )
    expect((await call(f, 'DELETE', '/orgs/acme/packages/maven/lib/versions/2', PAT)).status).toBe(204)
    const refused = await call(f, 'DELETE', '/orgs/acme/packages/maven/lib/versions/1', PAT)
    expect(refused.status).toBe(400)
    expect(message(refused)).toBe('You cannot delete the last version of a package. You must delete the package instead.')
  })

  it('deletes and restores a whole package', async () => {
    const f = await start(options({}, [containerPackage('web', 3)]))
    expect((await call(f, 'DELETE', '/orgs/acme/packages/container/web', PAT)).status).toBe(204)
    expect(f.packageExists('acme', 'container', 'web')).toBe(false)
    expect((await call(f, 'GET', '/orgs/acme/packages/container/web', PAT)).status).toBe(404)
    expect((await call(f, 'POST', '/orgs/acme/packages/container/web/restore', PAT)).status).toBe(204)
    expect(f.packageExists('acme', 'container', 'web')).toBe(true)
    expect(f.versions('acme', 'container', 'web')).toHaveLength(3)
  })

  it('a name reused by a new package stands for the new one: the old package and its versions cannot be restored', async () => {
    const f = await start(options({}, [containerPackage('web', 3)]))
    expect((await call(f, 'DELETE', '/orgs/acme/packages/container/web', PAT)).status).toBe(204)
    f.publishPackage({ owner: 'acme', package_type: 'container', name: 'web', versions: [{ tags: ['new'], created_at: day(40) }] })
    expect(f.packageExists('acme', 'container', 'web')).toBe(true)
    expect(f.versions('acme', 'container', 'web').map((v) => [v.id, v.tags])).toEqual([[1000, ['new']]])
    expect((await call(f, 'POST', '/orgs/acme/packages/container/web/restore', PAT)).status).toBe(400)
    expect((await call(f, 'POST', '/orgs/acme/packages/container/web/versions/2/restore', PAT)).status).toBe(404)
    expect(f.versions('acme', 'container', 'web').map((v) => v.id)).toEqual([1000])
    expect(() => f.publishPackage({ owner: 'acme', package_type: 'container', name: 'web', versions: [{ created_at: day(41) }] })).toThrow(/duplicate package/)
  })
})

describe('authentication and permissions', () => {
  const path = '/orgs/acme/packages/container/web/versions'

  it('answers 401 without or with unknown credentials; accepts "token" and "Bearer"', async () => {
    const f = await start(options({}, [containerPackage('web', 2)]))
    const none = await call(f, 'GET', path)
    expect([none.status, message(none)]).toEqual([401, 'Requires authentication'])
    const bad = await call(f, 'GET', path, 'ghp_nope')
    expect([bad.status, message(bad)]).toEqual([401, 'Bad credentials'])
    expect((await call(f, 'GET', path, PAT, 'token')).status).toBe(200)
    expect((await call(f, 'GET', path, PAT, 'Bearer')).status).toBe(200)
  })

  it('refuses a PAT without read:packages with 403 naming the scope, and the scope headers', async () => {
    const f = await start(options({}, [containerPackage('web', 2)]))
    const reply = await call(f, 'GET', path, PAT_NO_SCOPES)
    expect(reply.status).toBe(403)
    expect(message(reply)).toBe("You need at least read:packages scope to get a package's versions.")
    expect(reply.headers.get('x-oauth-scopes')).toBe('repo, workflow')
    expect(reply.headers.get('x-accepted-oauth-scopes')).toBe('read:packages')
  })

  it('a GITHUB_TOKEN cannot list packages nor ask who it is', async () => {
    const f = await start(options({}, [containerPackage('web', 2)]))
    for (const p of ['/orgs/acme/packages?package_type=container', '/user', '/user/packages?package_type=container']) {
      const reply = await call(f, 'GET', p, ACTIONS)
      expect([p, reply.status, message(reply)]).toEqual([p, 403, 'Resource not accessible by integration'])
    }
    expect((await call(f, 'GET', path, ACTIONS)).status).toBe(200)
  })

  it('answers 404 to a DELETE without delete permission, while GET of the version still succeeds', async () => {
    const api = containerPackage('api', 0, {
      versions: [
        { id: 50, tags: [], created_at: day(1) },
        { id: 51, tags: ['x'], created_at: day(2) }
      ]
    })
    const f = await start(options({}, [containerPackage('web', 3), api]))
    // A GITHUB_TOKEN without Admin on "api"; a PAT without delete:packages.
    const refusedDeletes = [
      [ACTIONS, '/orgs/acme/packages/container/api/versions/50'],
      [PAT_READ_ONLY, '/orgs/acme/packages/container/web/versions/1']
    ] as const
    for (const [token, version] of refusedDeletes) {
      expect((await call(f, 'DELETE', version, token)).status).toBe(404)
      expect((await call(f, 'GET', version, token)).status).toBe(200)
    }
    expect(f.versions('acme', 'container', 'api')).toHaveLength(2)
    // Admin on "web": allowed. Already gone: 404 on DELETE and on GET.
    expect((await call(f, 'DELETE', '/orgs/acme/packages/container/web/versions/1', ACTIONS)).status).toBe(204)
    expect((await call(f, 'DELETE', '/orgs/acme/packages/container/web/versions/1', ACTIONS)).status).toBe(404)
    expect((await call(f, 'GET', '/orgs/acme/packages/container/web/versions/1', ACTIONS)).status).toBe(404)
  })

  it("serves a user's private packages only through /user, to that user", async () => {
    const f = await start(
      options({}, [
        { owner: 'octocat', package_type: 'npm', name: 'secret', visibility: 'private', versions: [{ id: 1, name: '1.0.0', created_at: day(1) }] }
      ])
    )
    expect((await call(f, 'GET', '/users/octocat/packages/npm/secret', PAT)).status).toBe(404)
    expect((await call(f, 'GET', '/user/packages/npm/secret', PAT)).status).toBe(200)
    expect((await call(f, 'GET', '/user/packages/npm/secret', PAT_READ_ONLY)).status).toBe(404)
    expect(ids(await call(f, 'GET', '/user/packages?package_type=npm', PAT))).toHaveLength(1)
    expect(ids(await call(f, 'GET', '/users/octocat/packages?package_type=npm', PAT))).toHaveLength(0)
  })

  it('tells owners apart with GET /users/{name} and GET /user', async () => {
    const f = await start(options())
    expect((await call(f, 'GET', '/users/ACME')).body).toMatchObject({ login: 'acme', type: 'Organization' })
    expect((await call(f, 'GET', '/user', PAT)).body).toMatchObject({ login: 'octocat', type: 'User' })
    expect(message(await call(f, 'GET', '/users/ghost'))).toBe('Not Found')
    // The organization form needs an organization.
    expect((await call(f, 'GET', '/orgs/octocat/packages?package_type=npm', PAT)).status).toBe(404)
  })

  it('never records a token, only its label', async () => {
    const f = await start(options({}, [containerPackage('web', 2)]))
    await call(f, 'GET', path, PAT)
    await call(f, 'GET', path, 'ghp_unknown_value')
    await call(f, 'GET', path)
    expect(f.requests.map((r) => r.token)).toEqual(['pat:octocat', 'unknown', undefined])
    expect(JSON.stringify(f.requests)).not.toMatch(/ghp_/)
  })
})

describe('restore', () => {
  it('restores within 30 days by the fake clock, not after; restoring an active version is an error', async () => {
    let now = new Date('2024-06-01T00:00:00Z')
    const f = await start(options({ now: () => now }, [containerPackage('web', 5)]))
    const version = '/orgs/acme/packages/container/web/versions'
    await call(f, 'DELETE', `${version}/1`, PAT)
    await call(f, 'DELETE', `${version}/2`, PAT)
    const deleted = await call(f, 'GET', `${version}?state=deleted`, PAT)
    expect(deleted.body).toMatchObject([{ id: 2, deleted_at: '2024-06-01T00:00:00Z' }, { id: 1 }])

    now = new Date('2024-06-30T00:00:00Z')
    expect((await call(f, 'POST', `${version}/1/restore`, PAT)).status).toBe(204)
    expect(f.versions('acme', 'container', 'web').map((v) => v.id)).toContain(1)

    now = new Date('2024-07-02T00:00:01Z')
    const late = await call(f, 'POST', `${version}/2/restore`, PAT)
    expect(late.status).toBe(404)
    expect(f.versions('acme', 'container', 'web', 'deleted')).toEqual([])

    const active = await call(f, 'POST', `${version}/3/restore`, PAT)
    expect([active.status, message(active)]).toEqual([400, 'Package version is not deleted.'])
    // Restoring needs write:packages; without it the package is hidden.
    await call(f, 'DELETE', `${version}/4`, PAT)
    expect((await call(f, 'POST', `${version}/4/restore`, PAT_READ_ONLY)).status).toBe(404)
  })
})

describe('primary rate limit', () => {
  const path = '/orgs/acme/packages/container/web/versions'

  it('sends x-ratelimit-* on every response, per token; /rate_limit does not count', async () => {
    const f = await start(options({}, [containerPackage('web', 2)]))
    const a = await call(f, 'GET', path, PAT)
    const b = await call(f, 'GET', '/nope', PAT)
    const c = await call(f, 'GET', path, ACTIONS)
    expect([a, b].map((r) => r.headers.get('x-ratelimit-remaining'))).toEqual(['4999', '4998'])
    expect(b.headers.get('x-ratelimit-used')).toBe('2')
    expect(a.headers.get('x-ratelimit-resource')).toBe('core')
    expect(Number(a.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000)
    expect([c.headers.get('x-ratelimit-limit'), c.headers.get('x-ratelimit-remaining')]).toEqual(['1000', '999'])
    const status = await call(f, 'GET', '/rate_limit', PAT)
    expect(status.body).toMatchObject({ resources: { core: { limit: 5000, remaining: 4998, used: 2 } } })
    expect((await call(f, 'GET', '/rate_limit', PAT)).headers.get('x-ratelimit-remaining')).toBe('4998')
  })

  it('answers 403 with remaining 0 once exhausted, until the reset', async () => {
    const reset = Math.floor(Date.now() / 1000) + 600
    const f = await start(options({ rateLimit: { limit: 100, remaining: 2, resetEpochSeconds: reset } }, [containerPackage('web', 2)]))
    expect((await call(f, 'GET', path, PAT)).status).toBe(200)
    const lastOne = await call(f, 'GET', path, PAT)
    expect([lastOne.status, lastOne.headers.get('x-ratelimit-remaining')]).toEqual([200, '0'])
    const refused = await call(f, 'GET', path, PAT)
    expect(refused.status).toBe(403)
    expect(message(refused)).toMatch(/^API rate limit exceeded for user ID \d+\./)
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0')
    expect(refused.headers.get('x-ratelimit-reset')).toBe(String(reset))
    // Another token has its own budget.
    expect((await call(f, 'GET', path, ACTIONS)).status).toBe(200)
  })

  it('starts a fresh window once the reset time has passed', async () => {
    const rateLimit = { limit: 10, remaining: 0, resetEpochSeconds: Math.floor(Date.now() / 1000) - 1 }
    const f = await start(options({ rateLimit }, [containerPackage('web', 2)]))
    const reply = await call(f, 'GET', path, PAT)
    expect([reply.status, reply.headers.get('x-ratelimit-remaining')]).toEqual([200, '9'])
  })
})

describe('secondary rate limit', () => {
  it('refuses past the points per minute of the token across the REST API with retry-after, and lets the retry through', async () => {
    const f = await start(options({ secondary: { pointsPerMinute: 12, retryAfterSeconds: 1 } }, [containerPackage('web', 20)]))
    const del = (id: number) => call(f, 'DELETE', `/orgs/acme/packages/container/web/versions/${id}`, PAT)
    expect((await del(1)).status).toBe(204)
    expect((await del(2)).status).toBe(204)
    const refused = await del(3) // 15 points > 12
    expect(refused.status).toBe(403)
    expect(message(refused)).toMatch(/^You have exceeded a secondary rate limit\. Please wait a few minutes before you try again/)
    expect(refused.headers.get('retry-after')).toBe('1')
    expect(f.secondaryRefusals).toBe(1)
    expect(f.versions('acme', 'container', 'web').map((v) => v.id)).toContain(3)
    // One budget, as GitHub counts it: another endpoint is refused too while the token is limited.
    expect((await call(f, 'GET', '/orgs/acme/packages/container/web/versions', PAT)).status).toBe(403)
    expect(f.secondaryRefusals).toBe(2)
    await new Promise((resolve) => setTimeout(resolve, 1100))
    expect((await del(3)).status).toBe(204)
  })

  it('is on by default: 900 points a minute, a GET costing 1', async () => {
    const f = await start(options({}, [containerPackage('web', 3)]))
    const get = () => call(f, 'GET', '/orgs/acme/packages/container/web', PAT)
    for (let k = 0; k < 900; k += 100) {
      const replies = await Promise.all(Array.from({ length: 100 }, get))
      expect(replies.every((r) => r.status === 200)).toBe(true)
    }
    const refused = await get()
    expect(refused.status).toBe(403)
    expect(refused.headers.get('retry-after')).toBe('60')
    expect(f.secondaryRefusals).toBe(1)
  })

  it('can be turned off', async () => {
    const f = await start(options({ secondary: false }, [containerPackage('web', 3)]))
    const replies = await Promise.all(Array.from({ length: 150 }, () => call(f, 'GET', '/orgs/acme/packages/container/web', PAT)))
    expect(replies.every((r) => r.status === 200)).toBe(true)
    expect(f.secondaryRefusals).toBe(0)
  })

  it('refuses requests beyond the concurrency limit', async () => {
    const f = await start(options({ secondary: { maxConcurrent: 2 }, faults: { seed: 1, latencyMs: 150 } }, [containerPackage('web', 3)]))
    const replies = await Promise.all(Array.from({ length: 5 }, () => call(f, 'GET', '/orgs/acme/packages/container/web/versions', PAT)))
    // All five arrive within the latency, so the first two are served and the rest refused.
    expect(replies.map((r) => r.status).sort()).toEqual([200, 200, 403, 403, 403])
    expect(f.secondaryRefusals).toBe(3)
    for (const r of replies.filter((x) => x.status === 403)) expect(r.headers.get('retry-after')).toBe('60')
  })
})

describe('faults', () => {
  const path = '/orgs/acme/packages/container/web/versions'

  async function outcomes(seed: number): Promise<string[]> {
    const f = await FakeGitHub.start(options({ faults: { seed, serverErrorRate: 0.3, dropBeforeRate: 0.1 } }, [containerPackage('web', 2)]))
    try {
      const result: string[] = []
      for (let i = 0; i < 40; i++) {
        result.push(await call(f, 'GET', path, PAT).then((r) => String(r.status), () => 'dropped'))
      }
      expect(f.requests.map((r) => (r.dropped ? 'dropped' : String(r.status)))).toEqual(result)
      return result
    } finally {
      await f.stop()
    }
  }

  it('repeats the same sequence for the same seed', async () => {
    const first = await outcomes(42)
    expect(await outcomes(42)).toEqual(first)
    expect(await outcomes(7)).not.toEqual(first)
    expect(first).toContain('200')
    expect(first.some((s) => s === '502' || s === '503')).toBe(true)
    expect(first).toContain('dropped')
  })

  it('a drop after the request still applies it; a drop before does not', async () => {
    const f = await start(options({}, [containerPackage('web', 5)]))
    f.failNext({ method: 'DELETE', pathIncludes: '/versions/1', drop: 'after' })
    f.failNext({ method: 'DELETE', pathIncludes: '/versions/2', drop: 'before' })
    await expect(call(f, 'DELETE', `${path}/1`, PAT)).rejects.toThrow()
    await expect(call(f, 'DELETE', `${path}/2`, PAT)).rejects.toThrow()
    expect(f.versions('acme', 'container', 'web').map((v) => v.id)).toEqual([5, 4, 3, 2])
    expect(f.mutations().map((r) => [r.dropped, r.status])).toEqual([
      ['after', 204],
      ['before', 0]
    ])
  })

  it('a hang never answers the matching request (page 2 here) until the client gives up', async () => {
    const f = await start(options({}, [containerPackage('web', 5)]))
    f.failNext({ method: 'GET', pathIncludes: '/versions', query: { page: '2' }, hang: true })
    const page = (n: number) => fetch(`${f.url}${path}?per_page=2&page=${n}`, { headers: { authorization: `Bearer ${PAT}` }, signal: AbortSignal.timeout(300) })
    await expect(page(1)).resolves.toMatchObject({ status: 200 })
    await expect(page(2)).rejects.toThrow(/aborted due to timeout/)
    await expect(page(2)).resolves.toMatchObject({ status: 200 })
    expect(f.requests.map((r) => [r.query.page, r.hung ?? false])).toEqual([
      ['1', false],
      ['2', true],
      ['2', false]
    ])
  })

  it('random drops after apply the request too', async () => {
    const f = await start(options({ faults: { seed: 3, dropAfterRate: 1 } }, [containerPackage('web', 5)]))
    await expect(call(f, 'DELETE', `${path}/1`, PAT)).rejects.toThrow()
    expect(f.versions('acme', 'container', 'web')).toHaveLength(4)
  })

  it('scripted statuses apply the given number of times, without applying the request', async () => {
    const f = await start(options({}, [containerPackage('web', 5)]))
    f.failNext({ method: 'DELETE', pathIncludes: '/versions/1', status: 500, times: 2 })
    const statuses = []
    for (let i = 0; i < 3; i++) statuses.push((await call(f, 'DELETE', `${path}/1`, PAT)).status)
    expect(statuses).toEqual([500, 500, 204])
    expect(f.requests.map((r) => r.injected ?? false)).toEqual([true, true, false])
  })

  it('delays responses by latencyMs', async () => {
    const f = await start(options({ faults: { seed: 1, latencyMs: 120 } }, [containerPackage('web', 2)]))
    const started = Date.now()
    await call(f, 'GET', path, PAT)
    expect(Date.now() - started).toBeGreaterThanOrEqual(110)
  })
})

describe('recording and lifecycle', () => {
  it('records method, path, query, status, route and token label; mutations() and resetRequests()', async () => {
    const f = await start(options({}, [containerPackage('web', 3)]))
    await call(f, 'GET', '/orgs/acme/packages/container/web/versions?per_page=2', PAT)
    await call(f, 'DELETE', '/orgs/acme/packages/container/web/versions/1', PAT)
    expect(f.requests[0]).toMatchObject({
      method: 'GET',
      path: '/orgs/acme/packages/container/web/versions',
      query: { per_page: '2' },
      status: 200,
      token: 'pat:octocat',
      route: '/orgs/{org}/packages/{package_type}/{package_name}/versions'
    })
    expect(f.mutations()).toHaveLength(1)
    expect(f.mutations()[0]).toMatchObject({ method: 'DELETE', status: 204 })
    f.resetRequests()
    expect(f.requests).toHaveLength(0)
  })

  it('serves GET /_fake/requests without faults and without recording it', async () => {
    const f = await start(options({ faults: { seed: 1, dropBeforeRate: 1 } }, [containerPackage('web', 2)]))
    await expect(call(f, 'GET', '/users/acme')).rejects.toThrow()
    const seen = await call(f, 'GET', '/_fake/requests')
    expect(seen.body).toEqual([expect.objectContaining({ path: '/users/acme', dropped: 'before' })])
    expect(f.requests).toHaveLength(1)
  })

  it('stop() closes keep-alive connections and frees the port at once', async () => {
    const f = await FakeGitHub.start(options({}, [containerPackage('web', 2)]))
    const port = Number(new URL(f.url).port)
    const agent = new http.Agent({ keepAlive: true })
    await new Promise<void>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/users/acme', agent }, (res) => {
        res.resume()
        res.on('end', () => resolve())
      }).on('error', reject)
    })
    const started = Date.now()
    await f.stop()
    expect(Date.now() - started).toBeLessThan(500)
    const again = http.createServer()
    await new Promise<void>((resolve, reject) => again.once('error', reject).listen(port, '127.0.0.1', () => resolve()))
    await new Promise<void>((resolve) => again.close(() => resolve()))
    agent.destroy()
  })
})
