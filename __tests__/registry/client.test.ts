// The registry client against the fake's OCI registry (ghcr.io's behaviour): the challenge, token
// and bearer flow, token masking and caching, retries, typed errors and digest verification.
import { FakeGitHub, multiArchImage, singleImage, sha256Digest, type FakeTokenSeed } from '../fake/index.js'
import { RegistryClient, registryRepository, type RegistryClientOptions } from '../../src/registry/client.js'
import { RunControl, RunStoppedError } from '../../src/run-control.js'
import { RegistryError } from '../../src/registry/errors.js'
import { MEDIA_TYPES } from '../../src/registry/manifests.js'

const READER: FakeTokenSeed = { token: 'ghp_reader', kind: 'pat', login: 'octocat', scopes: ['read:packages'] }
const NO_SCOPES: FakeTokenSeed = { token: 'ghp_noscopes', kind: 'pat', login: 'octocat', scopes: [] }

const web = multiArchImage({ tags: ['1.4', 'latest'], created_at: '2026-05-01T00:00:00Z', platforms: ['linux/amd64', 'linux/arm64'], attestations: true })
const api = singleImage({ tags: ['v1'], created_at: '2026-05-02T00:00:00Z', mediaType: 'docker' })
const BULK = 30

let fake: FakeGitHub

async function start(registry?: { tokenTtlSeconds?: number; maxConcurrent?: number }): Promise<FakeGitHub> {
  return FakeGitHub.start({
    accounts: [
      { login: 'Acme', type: 'Organization' },
      { login: 'octocat', type: 'User' }
    ],
    tokens: [READER, NO_SCOPES],
    packages: [
      { owner: 'Acme', package_type: 'container', name: 'web', visibility: 'private', versions: web.versions },
      { owner: 'Acme', package_type: 'container', name: 'team/api', visibility: 'public', versions: api.versions },
      {
        owner: 'Acme',
        package_type: 'container',
        name: 'bulk',
        visibility: 'private',
        versions: Array.from({ length: BULK }, (_, i) => ({ tags: [], created_at: `2026-04-01T00:00:${String(i).padStart(2, '0')}Z` }))
      }
    ],
    registry
  })
}

interface Harness {
  client: RegistryClient
  secrets: string[]
  sleeps: number[]
}

function connect(options: Partial<RegistryClientOptions> = {}): Harness {
  const secrets: string[] = []
  const sleeps: number[] = []
  const client = new RegistryClient({
    registryUrl: fake.url,
    githubToken: READER.token,
    onSecret: (secret) => secrets.push(secret),
    retryBaseMs: 1,
    sleep: async (ms) => {
      sleeps.push(ms)
    },
    ...options
  })
  return { client, secrets, sleeps }
}

const paths = (): string[] => fake.registryRequests().map((r) => `${r.method} ${r.path} ${r.status}`)

async function failure(promise: Promise<unknown>): Promise<RegistryError> {
  try {
    await promise
  } catch (error) {
    if (error instanceof RegistryError) return error
    throw error
  }
  throw new Error('expected a RegistryError')
}

describe('RegistryClient against the fake registry', () => {
  beforeAll(async () => {
    fake = await start()
  })
  afterAll(() => fake.stop())
  beforeEach(() => fake.resetRequests())

  it('answers the challenge with a token from the realm (Basic auth, service and scope) and reads by digest', async () => {
    const { client, secrets } = connect()
    const manifest = await client.getManifest('acme/web', web.digest)

    expect(manifest.digest).toBe(web.digest)
    expect(manifest.mediaType).toBe(MEDIA_TYPES.ociIndex)
    expect(manifest.body).toEqual(JSON.parse(web.body))
    expect(paths()).toEqual([`GET /v2/acme/web/manifests/${web.digest} 401`, 'GET /token 200', `GET /v2/acme/web/manifests/${web.digest} 200`])
    const tokenRequest = fake.registryRequests()[1]
    expect(tokenRequest.query).toEqual({ service: new URL(fake.url).host, scope: 'repository:acme/web:pull' })
    expect(tokenRequest.token).toBe('pat:octocat')
    // Every token received is registered as a secret before use.
    expect(secrets).toEqual([...fake.issuedRegistryTokens.slice(-1)])
    expect(client.stats).toEqual({ manifestReads: 1, manifestRequests: 2, tokenRequests: 1, tagsListReads: 0, retries: 0, tooManyRequests: 0 })
  })

  it('caches the token per scope, and a first read of a repository goes alone', async () => {
    const { client, secrets } = connect()
    await client.getManifest('acme/web', web.digest)
    await Promise.all([...web.children, ...web.attestations].map((child) => client.getManifest('acme/web', child.digest)))
    expect(client.stats).toEqual({ manifestReads: 5, manifestRequests: 6, tokenRequests: 1, tagsListReads: 0, retries: 0, tooManyRequests: 0 })

    // Another repository, another scope: ten concurrent first reads draw one challenge and one token.
    fake.resetRequests()
    const bulk = fake.versions('Acme', 'container', 'bulk').slice(0, 10)
    await Promise.all(bulk.map((v) => client.getManifest('acme/bulk', v.name)))
    expect(paths().filter((p) => p.endsWith(' 401'))).toHaveLength(1)
    expect(fake.registryRequests().filter((r) => r.path === '/token').map((r) => r.query.scope)).toEqual(['repository:acme/bulk:pull'])
    expect(secrets).toHaveLength(2)
    expect(new Set(secrets).size).toBe(2)
  })

  it('lowercases the repository and keeps the slashes of a package name; reads by tag', async () => {
    const { client } = connect()
    expect(registryRepository('Acme', 'Team/API')).toBe('acme/team/api')
    const manifest = await client.getManifest(registryRepository('Acme', 'Team/API'), 'v1')
    expect(manifest.digest).toBe(api.digest)
    expect(manifest.mediaType).toBe(MEDIA_TYPES.dockerManifest)
    expect(paths()).toContain('GET /v2/acme/team/api/manifests/v1 200')
  })

  it('reads a public package anonymously when no GitHub token is given', async () => {
    const { client } = connect({ githubToken: '' })
    await expect(client.getManifest('acme/team/api', api.digest)).resolves.toMatchObject({ digest: api.digest })
    expect(fake.registryRequests().find((r) => r.path === '/token')?.token).toBeUndefined()
  })

  it('waits as Retry-After asks on 429, then succeeds', async () => {
    const { client, sleeps } = connect()
    fake.failNext({ pathIncludes: '/v2/acme/web/manifests/', status: 429, headers: { 'retry-after': '2' } })
    await client.getManifest('acme/web', web.digest)
    expect(sleeps).toEqual([2000])
    expect(client.stats.retries).toBe(1)
    expect(paths()[0]).toBe(`GET /v2/acme/web/manifests/${web.digest} 429`)
  })

  it('backs off and retries 5xx and dropped connections', async () => {
    const { client, sleeps } = connect()
    fake.failNext({ pathIncludes: '/v2/acme/web/manifests/', status: 503, times: 2 })
    fake.failNext({ pathIncludes: '/token', drop: 'before' })
    await client.getManifest('acme/web', web.digest)
    expect(client.stats.retries).toBe(3)
    expect(sleeps).toHaveLength(3)
    expect(client.stats.manifestReads).toBe(1)
  })

  it('gives up after the retries with a typed error that says so', async () => {
    const { client } = connect({ retries: 2 })
    fake.failNext({ pathIncludes: '/v2/acme/team/api/manifests/', status: 502, times: 3 })
    const error = await failure(client.getManifest('acme/team/api', api.digest))
    expect(error).toMatchObject({ code: 'UNAVAILABLE', status: 502 })
    expect(error.message).toBe(`${new URL(fake.url).host} answered HTTP 502 after 3 attempts`)
  })

  it('does not wait longer than it may: a long Retry-After fails the read at once', async () => {
    const { client, sleeps } = connect({ maxRetryDelayMs: 10_000 })
    fake.failNext({ pathIncludes: '/v2/acme/team/api/manifests/', status: 429, headers: { 'retry-after': '3600' } })
    const error = await failure(client.getManifest('acme/team/api', api.digest))
    expect(error.code).toBe('TOOMANYREQUESTS')
    expect(error.message).toMatch(/429 Too Many Requests \(it asks to wait 3600s\)/)
    expect(sleeps).toEqual([])
  })

  it("under a run's control (1.2), a Retry-After within 5 minutes is honoured even past the read's own minute", async () => {
    const control = new RunControl()
    const { client, sleeps } = connect({ control })
    fake.failNext({ pathIncludes: '/v2/acme/web/manifests/', status: 429, headers: { 'retry-after': '120' } })
    await client.getManifest('acme/web', web.digest)
    expect(sleeps).toEqual([120_000])
    expect(control.stop).toBeUndefined()
    expect(client.stats.tooManyRequests).toBe(1)
  })

  it("under a run's control (1.2), a Retry-After over 5 minutes stops the run, and no further read is sent", async () => {
    const control = new RunControl()
    const { client, sleeps } = connect({ control })
    fake.failNext({ pathIncludes: '/v2/acme/team/api/manifests/', status: 429, headers: { 'retry-after': '3600' } })
    await expect(client.getManifest('acme/team/api', api.digest)).rejects.toBeInstanceOf(RunStoppedError)
    expect(sleeps).toEqual([])
    expect(control.stop).toMatchObject({ kind: 'wait', reason: expect.stringMatching(/^the registry 127\.0\.0\.1:\d+ \(GET \/v2\/acme\/team\/api\/manifests\/\S+\) asked to wait 60 min/) })
    const sent = fake.registryRequests().length
    await expect(client.getManifest('acme/web', web.digest)).rejects.toBeInstanceOf(RunStoppedError)
    expect(fake.registryRequests()).toHaveLength(sent)
  })

  it('types MANIFEST_UNKNOWN and NAME_UNKNOWN (404)', async () => {
    const { client } = connect()
    const unknown = sha256Digest('nothing')
    await expect(failure(client.getManifest('acme/web', unknown))).resolves.toMatchObject({ code: 'MANIFEST_UNKNOWN', status: 404 })
    await expect(failure(client.getManifest('acme/nope', unknown))).resolves.toMatchObject({ code: 'NAME_UNKNOWN', status: 404 })
    // Not retried: a 404 is an answer.
    expect(client.stats.retries).toBe(0)
  })

  it('refuses bytes that do not hash to the requested digest', async () => {
    const tampering: typeof fetch = async (input, init) => {
      const response = await fetch(input, init)
      if (!String(input).includes('/manifests/') || response.status !== 200) return response
      const body = (await response.text()).replace('linux', 'LINUX')
      return new Response(body, { status: 200, headers: response.headers })
    }
    const { client } = connect({ fetch: tampering })
    const error = await failure(client.getManifest('acme/web', web.digest))
    expect(error.code).toBe('DIGEST_MISMATCH')
    expect(error.message).toMatch(`not the requested ${web.digest}`)
  })

  it('explains a token that cannot pull (403 from the token service)', async () => {
    for (const githubToken of [NO_SCOPES.token, 'ghp_unknown']) {
      const { client, secrets } = connect({ githubToken })
      const error = await failure(client.getManifest('acme/web', web.digest))
      expect(error).toMatchObject({ code: 'DENIED', status: 403 })
      expect(error.message).toMatch(`the token cannot pull acme/web from ${new URL(fake.url).host}: its token service answered 403 DENIED`)
      expect(error.message).toMatch('read:packages')
      expect(secrets).toEqual([])
      // The refusal is remembered: further reads fail at once, without asking the token service again.
      fake.resetRequests()
      await expect(failure(client.getManifest('acme/web', web.children[0].digest))).resolves.toBe(error)
      expect(fake.registryRequests()).toEqual([])
    }
  })

  it('refuses to send the GitHub token to a realm on another host', async () => {
    const seen: string[] = []
    const spoofing: typeof fetch = async (input, init) => {
      seen.push(String(input))
      const response = await fetch(input, init)
      if (response.status !== 401) return response
      const headers = new Headers(response.headers)
      headers.set('www-authenticate', 'Bearer realm="https://collector.example/token",service="ghcr.io",scope="repository:acme/web:pull"')
      return new Response(await response.text(), { status: 401, headers })
    }
    const { client } = connect({ fetch: spoofing })
    const error = await failure(client.getManifest('acme/web', web.digest))
    expect(error.code).toBe('TOKEN_INVALID')
    expect(error.message).toMatch('refusing to send the GitHub token to the token realm https://collector.example')
    expect(seen.every((url) => url.startsWith(fake.url))).toBe(true)
  })

  it('refuses malformed repositories and references before any request', async () => {
    const { client } = connect()
    await expect(failure(client.getManifest('acme//web', 'latest'))).resolves.toMatchObject({ code: 'NAME_INVALID' })
    await expect(failure(client.getManifest('acme/web', 'bad tag'))).resolves.toMatchObject({ code: 'REFERENCE_INVALID' })
    await expect(failure(client.getManifest('acme/web', 'md5:abcd'))).resolves.toMatchObject({ code: 'REFERENCE_INVALID' })
    expect(fake.registryRequests()).toEqual([])
  })
})

// Contract 1.2, damaged images: a platform manifest counts as absent only when the registry itself
// answers "not found" (404 MANIFEST_UNKNOWN); anything else is "unknown", never broken.
describe('RegistryClient.manifestPresence', () => {
  beforeAll(async () => {
    fake = await start()
  })
  afterAll(() => fake.stop())
  beforeEach(() => fake.resetRequests())
  const absentDigest = sha256Digest('never pushed')

  it('a present manifest: one HEAD, no download', async () => {
    const { client } = connect()
    await expect(client.manifestPresence('acme/web', web.children[1].digest)).resolves.toEqual({ state: 'present' })
    expect(paths()).toEqual([`HEAD /v2/acme/web/manifests/${web.children[1].digest} 401`, 'GET /token 200', `HEAD /v2/acme/web/manifests/${web.children[1].digest} 200`])
    expect(client.stats.manifestReads).toBe(0)
  })

  it('absent only on 404 MANIFEST_UNKNOWN: a HEAD 404 has no body, so a GET tells the code', async () => {
    const { client } = connect()
    await expect(client.manifestPresence('acme/web', absentDigest)).resolves.toEqual({ state: 'absent' })
    expect(paths().slice(-2)).toEqual([`HEAD /v2/acme/web/manifests/${absentDigest} 404`, `GET /v2/acme/web/manifests/${absentDigest} 404`])
  })

  it('NAME_UNKNOWN, a 404 without MANIFEST_UNKNOWN, 403 and 5xx are unknown, never absent', async () => {
    const { client } = connect()
    const nameUnknown = await client.manifestPresence('acme/nothing-here', absentDigest)
    expect(nameUnknown).toEqual({ state: 'unknown', why: expect.stringContaining('404 NAME_UNKNOWN') })

    await client.manifestPresence('acme/web', web.digest) // the token is cached from here on
    fake.failNext({ pathIncludes: `/manifests/${absentDigest}`, status: 404, times: 2 })
    await expect(client.manifestPresence('acme/web', absentDigest)).resolves.toEqual({ state: 'unknown', why: expect.stringContaining('404 NOT_FOUND') })

    fake.failNext({ pathIncludes: `/manifests/${absentDigest}`, status: 403, times: 2 })
    await expect(client.manifestPresence('acme/web', absentDigest)).resolves.toMatchObject({ state: 'unknown' })

    fake.resetRequests()
    fake.failNext({ pathIncludes: `/manifests/${absentDigest}`, status: 503, times: 10 })
    const unavailable = await client.manifestPresence('acme/web', absentDigest)
    expect(unavailable).toEqual({ state: 'unknown', why: expect.stringContaining('HTTP 503') })
    // A 5xx is not asked again with a GET: retries already said what they could.
    expect(fake.registryRequests().every((r) => r.method === 'HEAD')).toBe(true)
  })

  it('a registry that refuses HEAD alone: the GET says present', async () => {
    const { client } = connect()
    await client.manifestPresence('acme/web', web.digest)
    fake.resetRequests()
    fake.failNext({ method: 'HEAD', pathIncludes: `/manifests/${web.children[0].digest}`, status: 403 })
    await expect(client.manifestPresence('acme/web', web.children[0].digest)).resolves.toEqual({ state: 'present' })
    expect(paths()).toEqual([`HEAD /v2/acme/web/manifests/${web.children[0].digest} 403`, `GET /v2/acme/web/manifests/${web.children[0].digest} 200`])
  })
})

describe('RegistryClient and the registry limits', () => {
  afterEach(() => fake.stop())

  it('keeps its concurrency under the registry burst limit', async () => {
    fake = await start({ maxConcurrent: 10 })
    const { client } = connect({ concurrency: 10 })
    const versions = fake.versions('Acme', 'container', 'bulk')
    const manifests = await Promise.all(versions.map((v) => client.getManifest('acme/bulk', v.name)))
    expect(manifests).toHaveLength(BULK)
    expect(fake.registryRequests().filter((r) => r.status === 429)).toEqual([])
    expect(client.stats).toEqual({ manifestReads: BULK, manifestRequests: BULK + 1, tokenRequests: 1, tagsListReads: 0, retries: 0, tooManyRequests: 0 })
  })

  it('fetches a fresh token when the cached one expired, and masks it too', async () => {
    fake = await start({ tokenTtlSeconds: 0.2 })
    const { client, secrets } = connect()
    await client.getManifest('acme/web', web.digest)
    await new Promise((resolve) => setTimeout(resolve, 300))
    await client.getManifest('acme/web', web.children[0].digest)
    expect(client.stats).toMatchObject({ manifestReads: 2, tokenRequests: 2 })
    expect(secrets).toEqual([...fake.issuedRegistryTokens])
    expect(secrets).toHaveLength(2)
  })
})

describe('RegistryClient in bounded time and memory', () => {
  // A fake per test: a scripted hang left unused must not hold up the next test.
  beforeEach(async () => {
    fake = await start()
  })
  afterEach(() => fake.stop())

  // Real time here, scaled down: 150 ms an attempt, 500 ms a read.
  const bounded = (options: Partial<RegistryClientOptions> = {}): Harness =>
    connect({ timeoutMs: 150, readTimeoutMs: 500, retryBaseMs: 10, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)), ...options })

  it('a registry that never answers: the read ends at its deadline with a timeout that says so', async () => {
    const { client } = bounded()
    fake.failNext({ pathIncludes: '/v2/acme/web/manifests/', hang: true, times: 100 })
    const started = Date.now()
    const error = await failure(client.getManifest('acme/web', web.digest))
    expect(Date.now() - started).toBeLessThan(900)
    expect(error.code).toBe('TIMEOUT')
    expect(error.message).toMatch(new RegExp(`^the registry ${new URL(fake.url).host} did not answer GET /v2/acme/web/manifests/${web.digest} in time \\(\\d attempt\\(s\\) of at most 0 s each, 1 s in all\\)`))
    // Attempts were retried, within the one deadline.
    expect(fake.registryRequests().length).toBeGreaterThan(1)
  })

  it('a registry that trickles the body a byte at a time times out as well, however many bytes it sent', async () => {
    const { client } = bounded()
    fake.failNext({ pathIncludes: '/token', trickleMs: 40, times: 100 })
    const started = Date.now()
    const error = await failure(client.getManifest('acme/web', web.digest))
    expect(Date.now() - started).toBeLessThan(900)
    expect(error.code).toBe('TIMEOUT')
    expect(error.message).toMatch('did not answer GET /token in time')
  })

  it('once a read ran out of time, the other reads of that repository give up at once; other repositories go on', async () => {
    const { client } = bounded()
    await client.getManifest('acme/web', web.digest)
    fake.failNext({ pathIncludes: '/v2/acme/web/manifests/', hang: true, times: 1000 })
    const children = [...web.children, ...web.attestations].map((child) => client.getManifest('acme/web', child.digest))
    const started = Date.now()
    const errors = await Promise.all(children.map(failure))
    expect(Date.now() - started).toBeLessThan(900)
    expect(errors.every((error) => error.code === 'TIMEOUT')).toBe(true)
    fake.resetRequests()
    await expect(failure(client.getManifest('acme/web', web.digest))).resolves.toMatchObject({ code: 'TIMEOUT' })
    expect(fake.registryRequests()).toEqual([])
    await expect(client.getManifest('acme/team/api', api.digest)).resolves.toMatchObject({ digest: api.digest })
  })

  it.each([
    ['announced by Content-Length', true, /with a body that announces 1\.5 GB; the limit is 4\.0 MiB, so it was not read$/],
    ['streamed without a length', false, /with a body that sent more than 4\.0 MiB; the limit is 4\.0 MiB, so it was not read$/]
  ])('a manifest of 1.5 GB %s is refused without being read whole, and not asked again', async (_, announce, message) => {
    const { client } = bounded({ readTimeoutMs: 10_000, timeoutMs: 10_000 })
    fake.failNext({ pathIncludes: `/v2/acme/web/manifests/${web.digest}`, hugeBody: { bytes: 1.5e9, announce }, times: 2 })
    const error = await failure(client.getManifest('acme/web', web.digest))
    expect(error.code).toBe('TOO_LARGE')
    expect(error.message).toMatch(message)
    // The first GET drew the huge answer instead of a challenge: one request, no retry.
    expect(fake.registryRequests()).toHaveLength(1)
    expect(client.stats.retries).toBe(0)
  })

  it('says the registry is unusable only when every repository it was asked about refused authorization', async () => {
    const refused = connect({ githubToken: NO_SCOPES.token })
    await failure(refused.client.getManifest('acme/web', web.digest))
    await failure(refused.client.getManifest('acme/bulk', fake.versions('Acme', 'container', 'bulk')[0].name))
    expect(refused.client.unusableMessage()).toMatch(
      new RegExp(`^Authentication to the container registry ${new URL(fake.url).host} failed for every container package \\(2\\), so no image could be judged and nothing was deleted\\. acme/web: the token cannot pull acme/web from .*: its token service answered 403 DENIED\\. \\| acme/bulk: .*\\.$`)
    )
    expect(refused.client.unusableMessage()).toMatch(/What to do: give the `token` input pull access/)

    // One repository readable: the registry works, the other package only fails closed.
    const reader = connect()
    fake.failNext({ pathIncludes: '/token', status: 403, times: 1 })
    await failure(reader.client.getManifest('acme/web', web.digest))
    await reader.client.getManifest('acme/team/api', api.digest)
    expect(reader.client.unusableMessage()).toBeUndefined()
    expect(connect().client.unusableMessage()).toBeUndefined()
  })
})
