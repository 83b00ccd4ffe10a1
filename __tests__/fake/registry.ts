// The container registry (OCI distribution API) as ghcr.io serves it, on the fake's own port so
// that `registry-url` is the fake's URL: the token dance, manifests by digest or tag (read only),
// ghcr's refusals (no manifest DELETE, no referrers API) and 429s on bursts.
// It reads the same store as the REST API: a version deleted through REST is gone here too.
import { randomBytes } from 'node:crypto'
import type { FakeRequest, FakeResponse, Handler, Route } from './server.js'
import type { Actor, RestApi } from './rest-api.js'
import { mayRead, otherActor, type OtherActor } from './rest-packages.js'
import { repositoryPath, type FakeState, type StoredPackage, type StoredVersion } from './state.js'

export interface RegistryOptions {
  /** Registry requests per rolling second (all clients together) beyond which it answers 429 TOOMANYREQUESTS with Retry-After: 1. */
  maxRequestsPerSecond?: number
  /** Registry requests in flight per credential beyond which it answers 429 the same way. */
  maxConcurrent?: number
  /** Lifetime of an issued registry token; default unlimited (ghcr.io does not say how long its tokens last). */
  tokenTtlSeconds?: number
}

/** An index (or manifest list) that lists a manifest its package no longer holds: `docker pull` of it fails. */
export interface BrokenImage {
  /** "owner/name", lowercase, as the registry serves it. */
  repository: string
  digest: string
  tags: string[]
  missing: string[]
}

/** A tags list about to be served: the hook may act on the package, and set `tags` to what is sent instead (a lagging list). */
export interface ServedTagsList extends OtherActor {
  tags?: string[]
}

export type TagsListHook = (served: ServedTagsList) => void

interface Grant {
  /** Label of the GitHub token it was issued for ("anonymous" without one); recorded instead of the token. */
  label: string
  /** Repositories it may pull; a token is good only for the scopes it was issued for. */
  repositories: Set<string>
  expiresAt: number
}

const MANIFEST = '/v2/{name+}/manifests/{reference}'
const DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/
const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json'])

export function isRegistryPath(path: string): boolean {
  return path === '/token' || path === '/v2' || path.startsWith('/v2/')
}

/** The OCI distribution spec's error body. */
export function registryError(status: number, code: string, message: string, headers?: Record<string, string>): FakeResponse {
  return { status, headers: { 'docker-distribution-api-version': 'registry/2.0', ...headers }, body: { errors: [{ code, message }] } }
}

/** The spec's code for an injected status (5xx has none in the spec; distribution's are used). */
export function registryErrorCode(status: number): string {
  const codes: Record<number, string> = { 401: 'UNAUTHORIZED', 403: 'DENIED', 404: 'NOT_FOUND', 405: 'UNSUPPORTED', 429: 'TOOMANYREQUESTS', 503: 'UNAVAILABLE' }
  return codes[status] ?? 'UNKNOWN'
}

export class Registry {
  /** Every registry token handed out, so tests can check none leaks into logs, summaries or files. */
  readonly issuedTokens: string[] = []
  private readonly grants = new Map<string, Grant>()
  private readonly digestIndexes = new WeakMap<StoredVersion[], Map<string, StoredVersion>>()
  private recent: number[] = []
  private readonly tagsHooks: Array<{ repository: string; fn: TagsListHook; left: number }> = []

  constructor(
    private readonly state: FakeState,
    private readonly api: RestApi,
    private readonly options: RegistryOptions = {}
  ) {}

  routes(): Route[] {
    const route = (method: string, template: string, handler: Handler): Route => ({
      method,
      template,
      registry: true,
      handler: (req) => this.serve(req, handler)
    })
    return [
      route('GET', '/v2/', (req) => this.base(req)),
      route('GET', '/token', (req) => this.token(req)),
      route('GET', MANIFEST, (req) => this.manifest(req, 'GET')),
      route('HEAD', MANIFEST, (req) => this.manifest(req, 'HEAD')),
      // ghcr.io refuses manifest deletion whatever the token: versions are deleted through REST.
      route('DELETE', MANIFEST, () => registryError(405, 'UNSUPPORTED', 'The operation is unsupported.')),
      route('GET', '/v2/{name+}/tags/list', (req) => this.tagsList(req)),
      // ghcr.io does not implement the referrers API: clients must fall back to the referrers tag.
      route('GET', '/v2/{name+}/referrers/{digest}', () => notFound())
    ]
  }

  /**
   * Play another actor, or a tags list that lags the REST listing: `fn` runs when the tags list of
   * `repository` ("owner/name") is about to be served, for the next `times` servings; it may change
   * the package (applied before the list is taken) and then edit `served.tags` (what is sent).
   */
  onTagsListServed(repository: string, fn: TagsListHook, times = 1): void {
    this.tagsHooks.push({ repository, fn, left: times })
  }

  /**
   * GET /v2/<name>/tags/list, paginated as the OCI distribution spec says: `n` tags at most after
   * `last` (lexical order), with a Link header naming the next page when there is more.
   */
  private tagsList(req: FakeRequest): FakeResponse {
    const repository = req.params.name ?? ''
    const grant = this.bearer(req)
    if (!grant) return challenge(req, repository)
    if (!grant.repositories.has(repository)) return challenge(req, repository, 'insufficient_scope')
    const pkg = this.state.containerRepository(repository)
    if (!pkg) return registryError(404, 'NAME_UNKNOWN', 'repository name not known to registry')
    let edit: ((tags: string[]) => string[]) | undefined
    for (const hook of this.tagsHooks) {
      if (hook.left <= 0 || hook.repository !== repository) continue
      hook.left--
      const served: ServedTagsList = { ...otherActor(this.state, pkg), tags: undefined }
      hook.fn(served)
      if (served.tags) {
        const replaced = served.tags
        edit = () => replaced
      }
    }
    const all = [...new Set(this.state.versionsOf(pkg, 'active').flatMap((v) => v.tags))].sort()
    const tags = edit ? edit(all) : all
    const n = req.query.n === undefined ? undefined : Math.max(0, parseInt(req.query.n, 10) || 0)
    const after = req.query.last
    const rest = after === undefined ? tags : tags.filter((tag) => tag > after)
    const page = n === undefined ? rest : rest.slice(0, n)
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (n !== undefined && rest.length > page.length && page.length > 0) {
      headers.link = `</v2/${repository}/tags/list?n=${n}&last=${encodeURIComponent(page[page.length - 1] as string)}>; rel="next"`
    }
    return { status: 200, headers, body: { name: repository, tags: page } }
  }

  /** Registry paths no route serves (blobs, uploads…): not modelled. */
  readonly notFound: Handler = (req) => this.serve(req, () => notFound())

  /** The active indexes of a repository ("owner/name") and the digests each lists. */
  indexes(repository: string): Array<{ id: number; tags: string[]; children: string[] }> {
    const pkg = this.state.containerRepository(repository)
    if (!pkg) return []
    return this.state
      .versionsOf(pkg, 'active')
      .filter((v) => v.manifest && INDEX_TYPES.has(v.manifest.mediaType))
      .map((v) => ({ id: v.id, tags: [...v.tags], children: ((JSON.parse(v.manifest!.bytes.toString('utf8')) as { manifests?: Array<{ digest: string }> }).manifests ?? []).map((m) => m.digest) }))
  }

  /** Indexes whose listed manifests are not all active versions of their package. */
  brokenImages(): BrokenImage[] {
    const broken: BrokenImage[] = []
    for (const pkg of this.state.containerPackages()) {
      if (pkg.deletedAt) continue
      const active = this.state.versionsOf(pkg, 'active')
      const present = new Set(active.map((v) => v.name))
      for (const v of active) {
        if (!v.manifest || !INDEX_TYPES.has(v.manifest.mediaType)) continue
        const listed = (JSON.parse(v.manifest.bytes.toString('utf8')) as { manifests?: Array<{ digest: string }> }).manifests ?? []
        const missing = listed.map((m) => m.digest).filter((d) => !present.has(d))
        if (missing.length > 0) broken.push({ repository: repositoryPath(pkg), digest: v.name, tags: [...v.tags], missing })
      }
    }
    return broken
  }

  private async serve(req: FakeRequest, handler: Handler): Promise<FakeResponse> {
    if (this.throttled(req)) return registryError(429, 'TOOMANYREQUESTS', 'too many requests', { 'retry-after': '1' })
    const response = await handler(req)
    return { ...response, headers: { 'docker-distribution-api-version': 'registry/2.0', ...response.headers } }
  }

  /** Refused requests do not count, so a client that waits Retry-After gets through. */
  private throttled(req: FakeRequest): boolean {
    const { maxRequestsPerSecond: max, maxConcurrent } = this.options
    if (maxConcurrent !== undefined && req.inFlight > maxConcurrent) return true
    if (max === undefined) return false
    const now = Date.now()
    this.recent = this.recent.filter((t) => now - t < 1000)
    if (this.recent.length >= max) return true
    this.recent.push(now)
    return false
  }

  /** GET /v2/: the version check, where clients learn the realm. */
  private base(req: FakeRequest): FakeResponse {
    const grant = this.bearer(req)
    if (grant) return { status: 200, body: {} }
    // ghcr.io names a placeholder scope here, not a real repository: a client must take the
    // scope from the challenge of the repository it asks for, or build it itself.
    return challenge(req, 'user/image')
  }

  /**
   * GET /token?service=…&scope=repository:OWNER/NAME:pull with Basic auth (any user, a GitHub
   * token as password). Anonymous callers get tokens for public packages only.
   */
  private token(req: FakeRequest): FakeResponse {
    const authorization = req.headers.authorization ?? ''
    const basic = /^Basic\s+(\S+)\s*$/i.exec(authorization)?.[1]
    let actor: Actor | undefined
    if (basic) {
      const decoded = Buffer.from(basic, 'base64').toString('utf8')
      const colon = decoded.indexOf(':')
      actor = this.api.actorByToken(colon < 0 ? '' : decoded.slice(colon + 1))
      req.record.token = actor?.label ?? 'unknown'
      // What `docker login ghcr.io` reports as "denied: denied" for a bad or expired token.
      if (!actor) return registryError(403, 'DENIED', 'denied')
    } else if (authorization) {
      req.record.token = 'unknown' // not Basic (e.g. a GitHub token as Bearer): ghcr.io treats it as anonymous
    }

    const repositories = pullScopes(req.searchParams.getAll('scope'))
    for (const repository of repositories) {
      const pkg = this.state.containerRepository(repository)
      // Guess: an authenticated caller gets a token for an unknown repository (nothing to protect;
      // its manifests then answer NAME_UNKNOWN), an anonymous one does not.
      if (pkg ? mayRead(actor, pkg) : actor !== undefined) continue
      return actor ? registryError(403, 'DENIED', 'requested access to the resource is denied') : challenge(req, repository)
    }

    const token = randomBytes(32).toString('base64url')
    const ttl = this.options.tokenTtlSeconds
    this.grants.set(token, {
      label: actor?.label ?? 'anonymous',
      repositories: new Set(repositories),
      expiresAt: ttl === undefined ? Infinity : Date.now() + ttl * 1000
    })
    this.issuedTokens.push(token)
    // ghcr.io answers the token alone: no expires_in, no access_token.
    return { status: 200, body: { token } }
  }

  private manifest(req: FakeRequest, method: 'GET' | 'HEAD'): FakeResponse {
    const repository = req.params.name ?? ''
    const reference = req.params.reference ?? ''
    const grant = this.bearer(req)
    if (!grant) return challenge(req, repository)
    if (!grant.repositories.has(repository)) return challenge(req, repository, 'insufficient_scope')

    // Paths are matched as sent: "Acme/Web" is not the repository "acme/web".
    const pkg = this.state.containerRepository(repository)
    if (!pkg) return registryError(404, 'NAME_UNKNOWN', 'repository name not known to registry')
    const version = this.resolve(pkg, reference)
    const manifest = version?.manifest
    if (!version || !manifest) return registryError(404, 'MANIFEST_UNKNOWN', 'manifest unknown')
    // A client that does not accept the stored type gets 404, as from distribution-based
    // registries (no conversion). Fetch's default "*/*" and a missing Accept are served.
    if (!accepts(req.headers.accept, manifest.mediaType)) return registryError(404, 'MANIFEST_UNKNOWN', 'manifest unknown')

    // A pull is a download: enough of them make a public version undeletable (GitHub's 5,000 rule).
    if (method === 'GET') version.downloads++
    return {
      status: 200,
      headers: { 'content-type': manifest.mediaType, 'docker-content-digest': manifest.digest, etag: `"${manifest.digest}"` },
      body: manifest.bytes
    }
  }

  /** Only active versions resolve, by digest or by tag. */
  private resolve(pkg: StoredPackage, reference: string): StoredVersion | undefined {
    const active = this.state.versionsOf(pkg, 'active')
    return DIGEST.test(reference) ? this.byDigest(active).get(reference) : active.find((v) => v.tags.includes(reference))
  }

  /**
   * Active versions by digest. The state hands out the same active list until something changes,
   * so the index lives as long as that list: a benchmark's thousand reads of a 10,000-version
   * package are not a thousand scans of it.
   */
  private byDigest(active: StoredVersion[]): Map<string, StoredVersion> {
    let index = this.digestIndexes.get(active)
    if (!index) {
      index = new Map()
      // The first of equal digests in list order wins, as find() would pick it.
      for (const version of active) if (!index.has(version.name)) index.set(version.name, version)
      this.digestIndexes.set(active, index)
    }
    return index
  }

  /** The grant of a valid, unexpired registry Bearer token. */
  private bearer(req: FakeRequest): Grant | undefined {
    const authorization = req.headers.authorization
    if (!authorization) return undefined
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1]
    const grant = token ? this.grants.get(token) : undefined
    const valid = grant && Date.now() < grant.expiresAt ? grant : undefined
    req.record.token = valid?.label ?? 'unknown'
    return valid
  }
}

/** Repositories named by `repository:NAME:ACTIONS` scopes that ask for pull (several may be given, space- or parameter-separated). */
function pullScopes(scopes: string[]): string[] {
  const repositories = new Set<string>()
  for (const scope of scopes.flatMap((s) => s.split(' ')).filter(Boolean)) {
    const first = scope.indexOf(':')
    const last = scope.lastIndexOf(':')
    if (first < 0 || last === first || scope.slice(0, first) !== 'repository') continue
    if (scope.slice(last + 1).split(',').some((a) => a === 'pull' || a === '*')) repositories.add(scope.slice(first + 1, last))
  }
  return [...repositories]
}

function challenge(req: FakeRequest, repository: string, error?: string): FakeResponse {
  const parts = [`realm="${req.baseUrl}/token"`, `service="${new URL(req.baseUrl).host}"`, `scope="repository:${repository}:pull"`]
  if (error) parts.push(`error="${error}"`)
  return registryError(401, 'UNAUTHORIZED', 'authentication required', { 'www-authenticate': `Bearer ${parts.join(',')}` })
}

function notFound(): FakeResponse {
  return registryError(404, 'NOT_FOUND', '404 page not found')
}

function accepts(header: string | undefined, mediaType: string): boolean {
  if (!header) return true
  const types = header.split(',').map((t) => (t.split(';')[0] ?? '').trim().toLowerCase())
  return types.includes(mediaType) || types.includes('*/*')
}
