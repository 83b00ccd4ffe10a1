// The fake's container registry, as the action's registry client will meet it, and the image
// builders the tests seed it with.
import { createHash } from 'node:crypto'
import {
  cosignSignature,
  FakeGitHub,
  manifestSeed,
  MEDIA_TYPES,
  multiArchImage,
  nestedIndex,
  referrer,
  referrersTagIndex,
  singleImage,
  type FakeOptions,
  type FakePackageSeed
} from './index.js'

const PAT = 'ghp_octocat_all'
const PAT_NO_SCOPES = 'ghp_monalisa_none'
const ACTIONS = 'ghs_actions'
const ACTIONS_ELSEWHERE = 'ghs_other_owner'
const ACCEPT_ALL = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerList, MEDIA_TYPES.dockerManifest].join(', ')

const day = (n: number) => new Date(Date.UTC(2024, 0, 1) + n * 86_400_000).toISOString()

function options(packages: FakePackageSeed[], overrides: Partial<FakeOptions> = {}): FakeOptions {
  return {
    accounts: [
      { login: 'acme', type: 'Organization' },
      { login: 'other', type: 'Organization' },
      { login: 'octocat', type: 'User' },
      { login: 'monalisa', type: 'User' }
    ],
    tokens: [
      { token: PAT, kind: 'pat', login: 'octocat', scopes: ['read:packages', 'delete:packages', 'write:packages'] },
      { token: PAT_NO_SCOPES, kind: 'pat', login: 'monalisa', scopes: ['repo'] },
      { token: ACTIONS, kind: 'github-token', owner: 'acme', adminOn: ['acme/container/web'] },
      { token: ACTIONS_ELSEWHERE, kind: 'github-token', owner: 'other' }
    ],
    packages,
    ...overrides
  }
}

function container(name: string, versions: FakePackageSeed['versions'], extra: Partial<FakePackageSeed> = {}): FakePackageSeed {
  return { owner: 'acme', package_type: 'container', name, visibility: 'private', versions, ...extra }
}

interface Reply {
  status: number
  headers: Headers
  text: string
  json: () => unknown
}

async function send(f: FakeGitHub, path: string, init: { method?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
  const res = await fetch(f.url + path, { method: init.method ?? 'GET', headers: init.headers })
  const text = await res.text()
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as unknown }
}

const basic = (password: string, user = 'anyone') => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`

/** GET /token for these scopes; password null: anonymous. */
async function tokenFor(f: FakeGitHub, scopes: string[], password: string | null): Promise<Reply> {
  const query = new URLSearchParams([['service', new URL(f.url).host], ...scopes.map((s): [string, string] => ['scope', s])])
  return send(f, `/token?${query.toString()}`, password === null ? {} : { headers: { authorization: basic(password) } })
}

async function bearer(f: FakeGitHub, repositories: string[], password: string | null = PAT): Promise<string> {
  const reply = await tokenFor(f, repositories.map((r) => `repository:${r}:pull`), password)
  expect(reply.status).toBe(200)
  return (reply.json() as { token: string }).token
}

async function getManifest(f: FakeGitHub, repository: string, reference: string, token: string, extra: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  return send(f, `/v2/${repository}/manifests/${reference}`, { method, headers: { authorization: `Bearer ${token}`, accept: ACCEPT_ALL, ...extra } })
}

const errorCode = (reply: Reply) => (reply.json() as { errors: Array<{ code: string }> }).errors[0]?.code
const sha256 = (bytes: string) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`

function challenge(reply: Reply): Record<string, string> {
  const header = reply.headers.get('www-authenticate') ?? ''
  expect(header.startsWith('Bearer ')).toBe(true)
  return Object.fromEntries([...header.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]))
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

describe('the token dance', () => {
  it('challenges, issues a Bearer token for Basic auth with a GitHub token, then serves the manifest', async () => {
    const web = singleImage({ tags: ['latest'], created_at: day(1) })
    const f = await start(options([container('web', web.versions)]))
    const host = new URL(f.url).host

    const ping = await send(f, '/v2/')
    expect(ping.status).toBe(401)
    expect(errorCode(ping)).toBe('UNAUTHORIZED')
    // ghcr.io's /v2/ challenge names a placeholder repository, not a real one.
    expect(challenge(ping)).toEqual({ realm: `${f.url}/token`, service: host, scope: 'repository:user/image:pull' })

    const anonymous = await send(f, '/v2/acme/web/manifests/latest', { headers: { accept: ACCEPT_ALL } })
    expect(anonymous.status).toBe(401)
    const c = challenge(anonymous)
    expect(c).toEqual({ realm: `${f.url}/token`, service: host, scope: 'repository:acme/web:pull' })

    const issued = await send(f, `/token?service=${c.service}&scope=${c.scope}`.replace(f.url, ''), {
      headers: { authorization: basic(PAT, 'octocat') }
    })
    expect(issued.status).toBe(200)
    expect(Object.keys(issued.json() as object)).toEqual(['token'])
    const { token } = issued.json() as { token: string }

    const pulled = await getManifest(f, 'acme/web', 'latest', token)
    expect(pulled.status).toBe(200)
    expect(pulled.text).toBe(web.body)
    expect(pulled.headers.get('content-type')).toBe(MEDIA_TYPES.ociManifest)
    expect(pulled.headers.get('docker-content-digest')).toBe(web.digest)
    expect(pulled.headers.get('content-length')).toBe(String(Buffer.byteLength(web.body)))
    expect(sha256(pulled.text)).toBe(web.digest)
    expect((await send(f, '/v2/', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200)

    // Recorded as registry requests, with the GitHub token's label and never a token.
    expect(f.registryRequests().map((r) => [r.method, r.route, r.status, r.token])).toEqual([
      ['GET', '/v2/', 401, undefined],
      ['GET', '/v2/{name+}/manifests/{reference}', 401, undefined],
      ['GET', '/token', 200, 'pat:octocat'],
      ['GET', '/v2/{name+}/manifests/{reference}', 200, 'pat:octocat'],
      ['GET', '/v2/', 200, 'pat:octocat']
    ])
    expect(f.issuedRegistryTokens).toEqual([token])
    expect(JSON.stringify(f.requests)).not.toContain(token)
    expect(JSON.stringify(f.requests)).not.toContain(PAT)
  })

  it('gives a token only the scopes it was issued for', async () => {
    const f = await start(options([container('web', [{ tags: ['a'], created_at: day(1) }]), container('api', [{ tags: ['b'], created_at: day(1) }])]))
    const webOnly = await bearer(f, ['acme/web'])
    expect((await getManifest(f, 'acme/web', 'a', webOnly)).status).toBe(200)
    const other = await getManifest(f, 'acme/api', 'b', webOnly)
    expect(other.status).toBe(401)
    expect(challenge(other)).toMatchObject({ scope: 'repository:acme/api:pull', error: 'insufficient_scope' })

    // Several scopes, as repeated parameters or space-separated.
    const both = await bearer(f, ['acme/web', 'acme/api'])
    expect((await getManifest(f, 'acme/api', 'b', both)).status).toBe(200)
    const spaced = await tokenFor(f, ['repository:acme/web:pull repository:acme/api:pull'], PAT)
    expect((await getManifest(f, 'acme/api', 'b', (spaced.json() as { token: string }).token)).status).toBe(200)

    // Push-only scopes grant nothing to pull; a made-up Bearer is no token at all.
    const pushOnly = await tokenFor(f, ['repository:acme/web:push'], PAT)
    expect((await getManifest(f, 'acme/web', 'a', (pushOnly.json() as { token: string }).token)).status).toBe(401)
    expect((await getManifest(f, 'acme/web', 'a', 'made-up')).status).toBe(401)
    // The GitHub token itself is not a registry token.
    expect((await getManifest(f, 'acme/web', 'a', PAT)).status).toBe(401)
  })

  it('applies GitHub’s read rules at /token: bad credentials, scopes, GITHUB_TOKEN owner, public packages', async () => {
    const f = await start(
      options([
        container('web', [{ tags: ['a'], created_at: day(1) }]),
        container('site', [{ tags: ['b'], created_at: day(1) }], { visibility: 'public' })
      ])
    )
    const scope = ['repository:acme/web:pull']

    const bad = await tokenFor(f, scope, 'ghp_wrong')
    expect([bad.status, errorCode(bad)]).toEqual([403, 'DENIED'])
    expect(f.requests.at(-1)?.token).toBe('unknown')

    const noScope = await tokenFor(f, scope, PAT_NO_SCOPES)
    expect([noScope.status, errorCode(noScope)]).toEqual([403, 'DENIED'])
    const elsewhere = await tokenFor(f, scope, ACTIONS_ELSEWHERE)
    expect([elsewhere.status, errorCode(elsewhere)]).toEqual([403, 'DENIED'])
    expect((await tokenFor(f, scope, ACTIONS)).status).toBe(200)

    // Anonymous: public packages only, as ghcr.io hands out anonymous pull tokens.
    const anonymous = await tokenFor(f, scope, null)
    expect([anonymous.status, errorCode(anonymous)]).toEqual([401, 'UNAUTHORIZED'])
    expect(challenge(anonymous).scope).toBe('repository:acme/web:pull')
    const publicToken = await bearer(f, ['acme/site'], null)
    expect((await getManifest(f, 'acme/site', 'b', publicToken)).status).toBe(200)
    expect(f.requests.at(-1)?.token).toBe('anonymous')
    // A GitHub token sent as Bearer to /token is not Basic auth: anonymous.
    const wrongScheme = await send(f, '/token?scope=repository:acme/web:pull', { headers: { authorization: `Bearer ${PAT}` } })
    expect(wrongScheme.status).toBe(401)
    // Anyone with valid credentials gets a token for a repository that does not exist.
    const ghost = await bearer(f, ['acme/ghost'], PAT_NO_SCOPES)
    const unknown = await getManifest(f, 'acme/ghost', 'latest', ghost)
    expect([unknown.status, errorCode(unknown)]).toEqual([404, 'NAME_UNKNOWN'])
  })

  it('expires tokens after tokenTtlSeconds', async () => {
    const f = await start(options([container('web', [{ tags: ['a'], created_at: day(1) }])], { registry: { tokenTtlSeconds: 0.2 } }))
    const token = await bearer(f, ['acme/web'])
    expect((await getManifest(f, 'acme/web', 'a', token)).status).toBe(200)
    await new Promise((resolve) => setTimeout(resolve, 250))
    const expired = await getManifest(f, 'acme/web', 'a', token)
    expect([expired.status, challenge(expired).scope]).toEqual([401, 'repository:acme/web:pull'])
  })
})

describe('manifests', () => {
  it('serves a buildx multi-arch image with attestations: tagged index, untagged children', async () => {
    const web = multiArchImage({ tags: ['1.4', 'latest'], created_at: day(10), platforms: ['linux/amd64', 'linux/arm64'], attestations: true })
    const f = await start(options([container('web', web.versions)]))
    const token = await bearer(f, ['acme/web'])

    const index = await getManifest(f, 'acme/web', '1.4', token)
    expect(index.status).toBe(200)
    expect(index.headers.get('content-type')).toBe(MEDIA_TYPES.ociIndex)
    expect(index.headers.get('docker-content-digest')).toBe(web.digest)
    const listed = (index.json() as { manifests: Array<{ digest: string; platform: object; annotations?: Record<string, string> }> }).manifests
    const [amd64, arm64] = web.children
    expect(listed.map((m) => [m.digest, m.platform])).toEqual([
      [amd64?.digest, { architecture: 'amd64', os: 'linux' }],
      [arm64?.digest, { architecture: 'arm64', os: 'linux' }],
      [web.attestations[0]?.digest, { architecture: 'unknown', os: 'unknown' }],
      [web.attestations[1]?.digest, { architecture: 'unknown', os: 'unknown' }]
    ])
    expect(listed[3]?.annotations).toEqual({ 'vnd.docker.reference.digest': arm64?.digest, 'vnd.docker.reference.type': 'attestation-manifest' })

    for (const m of [...web.children, ...web.attestations]) {
      const child = await getManifest(f, 'acme/web', m.digest, token)
      expect([child.status, child.headers.get('content-type'), sha256(child.text)]).toEqual([200, MEDIA_TYPES.ociManifest, m.digest])
    }
    const attestation = JSON.parse(web.attestations[0]?.body ?? '') as { layers: Array<{ mediaType: string; annotations: object }> }
    expect(attestation.layers.map((l) => l.mediaType)).toEqual([MEDIA_TYPES.inToto, MEDIA_TYPES.inToto])

    // As GitHub lists them: the index newest and tagged, the children pushed before it, untagged.
    const versions = f.versions('acme', 'container', 'web')
    expect(versions.map((v) => [v.name, v.tags])).toEqual([
      [web.digest, ['1.4', 'latest']],
      ...[...web.attestations].reverse().map((a) => [a.digest, []]),
      ...[...web.children].reverse().map((c) => [c.digest, []])
    ])
    expect(f.brokenImages()).toEqual([])
  })

  it('serves Docker media types, names with "/", lowercase repository paths, and HEAD', async () => {
    const api = multiArchImage({ tags: ['v1'], created_at: day(3), platforms: ['linux/amd64', 'linux/arm/v7'], format: 'docker' })
    const single = singleImage({ tags: ['old'], created_at: day(1), mediaType: 'docker' })
    const f = await start(
      options([
        { owner: 'Acme', package_type: 'container', name: 'team/API', versions: [...single.versions, ...api.versions] }
      ], { accounts: [{ login: 'Acme', type: 'Organization' }, ...options([]).accounts.filter((a) => a.login !== 'acme')] })
    )
    const token = await bearer(f, ['acme/team/api', 'Acme/team/API'])

    const list = await getManifest(f, 'acme/team/api', 'v1', token)
    expect([list.status, list.headers.get('content-type')]).toEqual([200, MEDIA_TYPES.dockerList])
    expect((list.json() as { manifests: Array<{ platform: object }> }).manifests[1]?.platform).toEqual({ architecture: 'arm', os: 'linux', variant: 'v7' })
    const old = await getManifest(f, 'acme/team/api', 'old', token)
    expect([old.headers.get('content-type'), old.text]).toEqual([MEDIA_TYPES.dockerManifest, single.body])
    // Docker pushes three-space indented JSON: the digest is of these bytes, not of a re-serialisation.
    expect(sha256(JSON.stringify(JSON.parse(old.text)))).not.toBe(single.digest)

    const mixedCase = await getManifest(f, 'Acme/team/API', 'v1', token)
    expect([mixedCase.status, errorCode(mixedCase)]).toEqual([404, 'NAME_UNKNOWN'])

    const head = await getManifest(f, 'acme/team/api', 'v1', token, {}, 'HEAD')
    expect([head.status, head.text]).toEqual([200, ''])
    expect(head.headers.get('docker-content-digest')).toBe(api.digest)
    expect(head.headers.get('content-length')).toBe(String(api.size))
    expect(head.headers.get('content-type')).toBe(MEDIA_TYPES.dockerList)
  })

  it('a registry ahead of the listing: an unlisted version is served (GET and HEAD) but not listed through REST', async () => {
    const web = multiArchImage({ tags: ['v1'], created_at: day(5), platforms: ['linux/amd64', 'linux/arm64'] })
    const lagging = web.children[1].digest
    const f = await start(options([container('web', web.versions.map((v) => (v.name === lagging ? { ...v, unlisted: true as const } : v)))]))
    const token = await bearer(f, ['acme/web'])
    expect((await getManifest(f, 'acme/web', lagging, token)).status).toBe(200)
    const head = await getManifest(f, 'acme/web', lagging, token, {}, 'HEAD')
    expect([head.status, head.headers.get('docker-content-digest')]).toEqual([200, lagging])
    const absent = await getManifest(f, 'acme/web', `sha256:${'0'.repeat(64)}`, token, {}, 'HEAD')
    expect([absent.status, absent.text]).toEqual([404, ''])
    const listed = (await send(f, '/orgs/acme/packages/container/web/versions', { headers: { authorization: `token ${PAT}` } })).json() as Array<{ name: string }>
    expect(listed.map((v) => v.name)).toEqual(web.versions.map((v) => v.name).filter((name) => name !== lagging).reverse())
    expect(f.brokenImages()).toEqual([])
  })

  it('answers 404 MANIFEST_UNKNOWN for what is unknown, not accepted, or deleted through REST', async () => {
    const web = multiArchImage({ tags: ['latest'], created_at: day(5), platforms: ['linux/amd64', 'linux/arm64'] })
    const old = singleImage({ tags: ['old'], created_at: day(1) })
    const f = await start(options([container('web', [...old.versions, ...web.versions])]))
    const token = await bearer(f, ['acme/web'])

    expect(errorCode(await getManifest(f, 'acme/web', 'nope', token))).toBe('MANIFEST_UNKNOWN')
    expect(errorCode(await getManifest(f, 'acme/web', `sha256:${'0'.repeat(64)}`, token))).toBe('MANIFEST_UNKNOWN')
    // Accept decides: an index is not served to a client that accepts only single manifests; */* is.
    const picky = await getManifest(f, 'acme/web', 'latest', token, { accept: MEDIA_TYPES.ociManifest })
    expect([picky.status, errorCode(picky)]).toEqual([404, 'MANIFEST_UNKNOWN'])
    expect((await getManifest(f, 'acme/web', 'latest', token, { accept: '*/*' })).status).toBe(200)

    const arm64 = web.children[1]?.digest ?? ''
    const id = f.versions('acme', 'container', 'web').find((v) => v.name === arm64)?.id
    const deleted = await send(f, `/orgs/acme/packages/container/web/versions/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${PAT}` } })
    expect(deleted.status).toBe(204)
    const gone = await getManifest(f, 'acme/web', arm64, token)
    expect([gone.status, errorCode(gone)]).toEqual([404, 'MANIFEST_UNKNOWN'])
    expect(gone.json()).toEqual({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }] })
    // The index is still served, and is now broken for linux/arm64.
    expect((await getManifest(f, 'acme/web', 'latest', token)).status).toBe(200)
    expect(f.brokenImages()).toEqual([{ repository: 'acme/web', digest: web.digest, tags: ['latest'], missing: [arm64] }])

    const oldId = f.versions('acme', 'container', 'web').find((v) => v.name === old.digest)?.id
    await send(f, `/orgs/acme/packages/container/web/versions/${oldId}`, { method: 'DELETE', headers: { authorization: `Bearer ${PAT}` } })
    expect(errorCode(await getManifest(f, 'acme/web', 'old', token))).toBe('MANIFEST_UNKNOWN')

    await send(f, `/orgs/acme/packages/container/web/versions/${id}/restore`, { method: 'POST', headers: { authorization: `Bearer ${PAT}` } })
    expect((await getManifest(f, 'acme/web', arm64, token)).status).toBe(200)
    expect(f.brokenImages()).toEqual([])
  })

  it('refuses manifest DELETE with 405 UNSUPPORTED and has no referrers API', async () => {
    const web = singleImage({ tags: ['latest'], created_at: day(1) })
    const f = await start(options([container('web', [...web.versions, { created_at: day(0) }])]))
    const token = await bearer(f, ['acme/web'])
    const refused = await getManifest(f, 'acme/web', web.digest, token, {}, 'DELETE')
    expect([refused.status, errorCode(refused)]).toEqual([405, 'UNSUPPORTED'])
    expect(f.versions('acme', 'container', 'web')).toHaveLength(2)
    expect(f.mutations().map((r) => [r.method, r.registry])).toEqual([['DELETE', true]])

    const referrers = await send(f, `/v2/acme/web/referrers/${web.digest}`, { headers: { authorization: `Bearer ${token}` } })
    expect([referrers.status, errorCode(referrers)]).toEqual([404, 'NOT_FOUND'])
    const blob = await send(f, `/v2/acme/web/blobs/${web.digest}`, { headers: { authorization: `Bearer ${token}` } })
    expect([blob.status, f.requests.at(-1)?.registry]).toEqual([404, true])
  })

  it('counts GET pulls as downloads (not HEAD), up to GitHub’s 5,000-download refusal', async () => {
    const web = singleImage({ tags: ['latest'], created_at: day(2) })
    web.version.downloads = 5000
    const f = await start(options([container('web', [{ tags: ['old'], created_at: day(1) }, ...web.versions], { visibility: 'public' })]))
    const token = await bearer(f, ['acme/web'], null)
    await getManifest(f, 'acme/web', 'latest', token, {}, 'HEAD')
    expect(f.versions('acme', 'container', 'web')[0]?.downloads).toBe(5000)
    await getManifest(f, 'acme/web', 'latest', token)
    const [pulled] = f.versions('acme', 'container', 'web')
    expect(pulled?.downloads).toBe(5001)
    const refused = await send(f, `/orgs/acme/packages/container/web/versions/${pulled?.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${PAT}` } })
    expect(refused.status).toBe(400)
  })
})

describe('signatures and referrers', () => {
  it('serves cosign tags, OCI referrers with a subject, the referrers tag index and a nested index', async () => {
    const web = multiArchImage({ tags: ['latest'], created_at: day(5), platforms: ['linux/amd64'] })
    const sig = cosignSignature(web, 'sig', day(6))
    const att = cosignSignature(web.digest, 'att', day(6))
    const sbom = referrer(web, { artifactType: 'application/spdx+json', created_at: day(7) })
    const tagIndex = referrersTagIndex(web, [sbom])
    const nested = nestedIndex({ tags: ['nested'], created_at: day(8) })
    const f = await start(options([container('web', [...web.versions, ...sig.versions, ...att.versions, ...sbom.versions, ...tagIndex.versions, ...nested.versions])]))
    const token = await bearer(f, ['acme/web'])
    const hex = web.digest.slice('sha256:'.length)

    expect(sig.version.tags).toEqual([`sha256-${hex}.sig`])
    const served = await getManifest(f, 'acme/web', `sha256-${hex}.sig`, token)
    expect([served.status, served.headers.get('docker-content-digest')]).toEqual([200, sig.digest])
    expect((served.json() as { layers: Array<{ mediaType: string }> }).layers[0]?.mediaType).toBe('application/vnd.dev.cosign.simplesigning.v1+json')
    expect((await getManifest(f, 'acme/web', `sha256-${hex}.att`, token)).headers.get('docker-content-digest')).toBe(att.digest)

    const artifact = (await getManifest(f, 'acme/web', sbom.digest, token)).json() as { artifactType: string; subject: object }
    expect(artifact).toMatchObject({ artifactType: 'application/spdx+json', subject: { mediaType: MEDIA_TYPES.ociIndex, digest: web.digest, size: web.size } })
    expect(sbom.version.tags).toEqual([])

    const fallback = await getManifest(f, 'acme/web', `sha256-${hex}`, token)
    expect([fallback.headers.get('content-type'), fallback.headers.get('docker-content-digest')]).toEqual([MEDIA_TYPES.ociIndex, tagIndex.digest])
    expect((fallback.json() as { manifests: Array<{ digest: string; artifactType: string }> }).manifests).toEqual([
      expect.objectContaining({ digest: sbom.digest, artifactType: 'application/spdx+json' })
    ])
    expect(tagIndex.version.created_at > sbom.version.created_at).toBe(true)

    const outer = (await getManifest(f, 'acme/web', 'nested', token)).json() as { manifests: Array<{ mediaType: string; digest: string }> }
    expect(outer.manifests).toEqual([expect.objectContaining({ mediaType: MEDIA_TYPES.ociIndex, digest: nested.inner.digest })])
    expect((await getManifest(f, 'acme/web', nested.inner.digest, token)).status).toBe(200)
    expect(f.brokenImages()).toEqual([])
  })
})

describe('bursts and faults', () => {
  it('answers 429 TOOMANYREQUESTS with Retry-After beyond maxRequestsPerSecond, then recovers', async () => {
    const f = await start(options([container('web', [{ tags: ['a'], created_at: day(1) }])], { registry: { maxRequestsPerSecond: 3 } }))
    const token = await bearer(f, ['acme/web']) // the token request counts too
    const burst = await Promise.all(Array.from({ length: 6 }, () => getManifest(f, 'acme/web', 'a', token)))
    expect(burst.filter((r) => r.status === 200)).toHaveLength(2)
    const limited = burst.filter((r) => r.status === 429)
    expect(limited).toHaveLength(4)
    expect(limited.map((r) => [r.headers.get('retry-after'), errorCode(r)])).toEqual(Array(4).fill(['1', 'TOOMANYREQUESTS']))
    await new Promise((resolve) => setTimeout(resolve, 1000))
    expect((await getManifest(f, 'acme/web', 'a', token)).status).toBe(200)
    // The REST API is not the registry: no such limit there.
    expect((await send(f, '/orgs/acme/packages/container/web', { headers: { authorization: `Bearer ${PAT}` } })).status).toBe(200)
  })

  it('answers 429 to too many concurrent requests per token with maxConcurrent', async () => {
    const f = await start(options([container('web', [{ tags: ['a'], created_at: day(1) }])], { registry: { maxConcurrent: 2 }, faults: { seed: 1, latencyMs: 50 } }))
    const token = await bearer(f, ['acme/web'])
    const burst = await Promise.all(Array.from({ length: 5 }, () => getManifest(f, 'acme/web', 'a', token)))
    expect(burst.map((r) => r.status).sort()).toEqual([200, 200, 429, 429, 429])
  })

  it('applies scripted and random faults to registry routes, with registry error bodies', async () => {
    const f = await start(options([container('web', [{ tags: ['a'], created_at: day(1) }])]))
    const token = await bearer(f, ['acme/web'])
    f.failNext({ pathIncludes: '/v2/acme/web/manifests/', status: 429, headers: { 'retry-after': '2' } })
    f.failNext({ pathIncludes: '/v2/', status: 503 })
    const throttled = await getManifest(f, 'acme/web', 'a', token)
    expect([throttled.status, throttled.headers.get('retry-after'), errorCode(throttled)]).toEqual([429, '2', 'TOOMANYREQUESTS'])
    const unavailable = await getManifest(f, 'acme/web', 'a', token)
    expect([unavailable.status, errorCode(unavailable), f.requests.at(-1)?.injected]).toEqual([503, 'UNAVAILABLE', true])
    expect((await getManifest(f, 'acme/web', 'a', token)).status).toBe(200)
    await f.stop()

    const flaky = await start(options([container('web', [{ tags: ['a'], created_at: day(1) }])], { faults: { seed: 7, serverErrorRate: 1 } }))
    const reply = await send(flaky, '/v2/')
    expect([reply.status >= 502, Array.isArray((reply.json() as { errors: unknown[] }).errors)]).toEqual([true, true])
  })
})

describe('seeding', () => {
  it('names container versions by their manifest digest, generating a manifest when none is given', async () => {
    const f = await start(options([container('web', [{ tags: ['a'], created_at: day(1) }, { id: 77, created_at: day(2) }, { ...manifestSeed('pr-1'), created_at: day(3) }])]))
    const token = await bearer(f, ['acme/web'])
    for (const v of f.versions('acme', 'container', 'web')) {
      const served = await getManifest(f, 'acme/web', v.name, token)
      expect([served.status, sha256(served.text), served.headers.get('content-type')]).toEqual([200, v.name, MEDIA_TYPES.ociManifest])
    }
    expect(f.versions('acme', 'container', 'web')[0]?.name).toBe(manifestSeed('pr-1').name)
    const again = await FakeGitHub.start(options([container('web', [{ tags: ['a'], created_at: day(1) }, { id: 77, created_at: day(2) }])]))
    expect(again.versions('acme', 'container', 'web').map((v) => v.name)).toEqual(f.versions('acme', 'container', 'web').slice(1).map((v) => v.name))
    await again.stop()
  })

  it('refuses seeds the registry could not serve faithfully', async () => {
    const web = singleImage({ tags: ['a'], created_at: day(1) })
    const other = singleImage({ tags: ['b'], created_at: day(1) })
    const refused = async (versions: FakePackageSeed['versions'], pattern: RegExp) =>
      expect(FakeGitHub.start(options([container('web', versions)]))).rejects.toThrow(pattern)
    await refused([{ ...web.version, name: other.digest }], /is named sha256:\w+ but its manifest's digest is sha256:/)
    await refused([{ name: `sha256:${'1'.repeat(64)}`, created_at: day(1) }], /without a manifest: the registry could not serve it/)
    await refused([...web.versions, ...web.versions], /has manifest sha256:\w+ twice/)
    await expect(
      FakeGitHub.start(options([{ owner: 'acme', package_type: 'npm', name: 'lib', versions: [{ created_at: day(1) }] }]))
    ).rejects.toThrow(/needs a name/)
  })
})

describe('image builders', () => {
  it('are deterministic, and children precede their index', () => {
    const build = () => multiArchImage({ tags: ['v1'], created_at: day(1), platforms: ['linux/amd64', 'linux/arm64'], attestations: true })
    const [a, b] = [build(), build()]
    expect(a.versions).toEqual(b.versions)
    expect(a.versions.map((v) => v.created_at)).toEqual([...a.versions.map((v) => v.created_at)].sort())
    expect(new Set(a.versions.map((v) => v.created_at)).size).toBe(5)
    expect(a.version.created_at).toBe(day(1))
    expect(singleImage({ tags: ['x'], created_at: day(1) }).digest).not.toBe(singleImage({ tags: ['x'], created_at: day(1), salt: '2' }).digest)
    expect(() => multiArchImage({ tags: [], created_at: day(1), platforms: ['linux/amd64'], format: 'docker', attestations: true })).toThrow(/oci/)
  })

  it('share a platform manifest between two indexes without seeding it twice', async () => {
    const v1 = multiArchImage({ tags: ['v1'], created_at: day(1), platforms: ['linux/amd64', 'linux/arm64'] })
    const amd64 = v1.children[0]
    const v2 = multiArchImage({ tags: ['v2'], created_at: day(2), platforms: ['linux/amd64', 'linux/arm64'], sharedChildren: amd64 ? [amd64] : [] })
    expect(v2.children[0]).toBe(amd64)
    expect(v2.versions).toHaveLength(2) // its own arm64 child and its index
    expect(() => multiArchImage({ tags: [], created_at: day(3), platforms: ['linux/arm64'], sharedChildren: amd64 ? [amd64] : [] })).toThrow(/platform/)

    const f = await start(options([container('web', [...v1.versions, ...v2.versions])]))
    const v1Id = f.versions('acme', 'container', 'web').find((v) => v.name === v1.digest)?.id
    await send(f, `/orgs/acme/packages/container/web/versions/${v1Id}`, { method: 'DELETE', headers: { authorization: `Bearer ${PAT}` } })
    expect(f.brokenImages()).toEqual([])
    const token = await bearer(f, ['acme/web'])
    const listed = (await getManifest(f, 'acme/web', 'v2', token)).json() as { manifests: Array<{ digest: string }> }
    expect(listed.manifests.map((m) => m.digest)).toEqual([amd64?.digest, v2.children[1]?.digest])
  })
})
