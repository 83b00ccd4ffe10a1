// What every GitHub REST response has in common: authentication, primary and secondary rate
// limits with their headers, OAuth scope headers, error bodies and Link pagination.
// Route modules build their routes with RestApi.route() and get the authenticated actor.
import type { FakeRequest, FakeResponse, Handler, Route } from './server.js'
import { PrimaryBucket, SecondaryLimits, type PrimaryLimitOptions, type SecondaryLimitOptions } from './rate-limits.js'
import type { FakeState } from './state.js'

export interface FakeTokenSeed {
  token: string
  /** A classic PAT, or an Actions GITHUB_TOKEN. */
  kind: 'pat' | 'github-token'
  /** PAT: the user it belongs to (required; GET /user answers it). */
  login?: string
  /** PAT: classic scopes, e.g. ['read:packages', 'delete:packages', 'write:packages']. */
  scopes?: string[]
  /** github-token: package keys "owner/type/name" its repository has Admin on (may delete and restore). */
  adminOn?: string[]
  /** github-token: the repository owner, whose packages it may read; default the owner of adminOn[0]. */
  owner?: string
  /** Name in recorded requests; default "pat:<login>" or "github-token:<index>". */
  label?: string
}

export interface Actor {
  seed: FakeTokenSeed
  label: string
  /** The user id of a PAT's user, or an installation id for a GITHUB_TOKEN. */
  id: number
  /** github-token: the owner whose packages it reads. */
  owner?: string
}

export interface RestRouteOptions {
  method: string
  template: string
  /** GitHub's documentation page for the operation (errors link to it). */
  docs: string
  /** Answers without authentication too (public endpoints). */
  anonymous?: boolean
  /** Counts against the primary limit; only GET /rate_limit does not. Default true. */
  counted?: boolean
  /** Sent as x-accepted-oauth-scopes. */
  acceptedScopes?: string
}

export type RestHandler = (req: FakeRequest, actor: Actor | undefined) => FakeResponse | Promise<FakeResponse>

export interface RestApiOptions {
  tokens: FakeTokenSeed[]
  rateLimit?: PrimaryLimitOptions
  /** GitHub's secondary limits (default 900 points a minute, 100 in flight); false: none. */
  secondary?: SecondaryLimitOptions | false
}

const GENERIC_DOCS = 'https://docs.github.com/rest'
const RATE_LIMIT_DOCS = 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api'
const SECONDARY_DOCS =
  'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits'

/** GitHub's basic-error body. */
export function githubError(status: number, message: string, docs = GENERIC_DOCS, headers?: Record<string, string>): FakeResponse {
  return { status, headers, body: { message, documentation_url: docs, status: String(status) } }
}

export class RestApi {
  private readonly actors: Array<{ token: string; actor: Actor }>
  private readonly buckets = new Map<string, PrimaryBucket>()
  private readonly secondary: SecondaryLimits | undefined
  private requestCounter = 0

  constructor(
    private readonly state: FakeState,
    private readonly options: RestApiOptions
  ) {
    this.actors = options.tokens.map((seed, index) => ({ token: seed.token, actor: this.actorFor(seed, index) }))
    this.secondary = options.secondary === false ? undefined : new SecondaryLimits(options.secondary ?? {})
  }

  /** The actor a GitHub token authenticates, e.g. the password of a registry token request. */
  actorByToken(token: string): Actor | undefined {
    return this.actors.find((a) => a.token === token)?.actor
  }

  get secondaryRefusals(): number {
    return this.secondary?.refusals ?? 0
  }

  /** A REST route whose handler runs only after authentication and rate limiting passed. */
  route(options: RestRouteOptions, handler: RestHandler): Route {
    return { method: options.method, template: options.template, handler: (req) => this.serve(req, options, handler) }
  }

  /** Unknown paths and methods: GitHub answers 404, after checking credentials. */
  readonly notFound: Handler = (req) =>
    this.serve(req, { method: req.method, template: '', docs: GENERIC_DOCS, anonymous: true }, () =>
      githubError(404, 'Not Found')
    )

  /** GET /rate_limit: does not count against the limit. */
  rateLimitRoute(): Route {
    const docs = 'https://docs.github.com/rest/rate-limit/rate-limit#get-rate-limit-status-for-the-authenticated-user'
    return this.route({ method: 'GET', template: '/rate_limit', docs, anonymous: true, counted: false }, (_req, actor) => {
      const core = this.bucket(actor).snapshot()
      const fixed = (limit: number) => ({ limit, remaining: limit, used: 0, reset: core.reset })
      return {
        status: 200,
        body: {
          resources: { core, search: fixed(30), graphql: fixed(5000), integration_manifest: fixed(5000), code_search: fixed(10) },
          rate: core
        }
      }
    })
  }

  private async serve(req: FakeRequest, route: RestRouteOptions, handler: RestHandler): Promise<FakeResponse> {
    const authorization = req.headers.authorization
    const tokenValue = authorization?.match(/^(?:token|bearer)\s+(\S+)\s*$/i)?.[1]
    const actor = tokenValue ? this.actors.find((a) => a.token === tokenValue)?.actor : undefined
    req.record.token = actor?.label ?? (authorization ? 'unknown' : undefined)

    const id = requestId(++this.requestCounter)
    const bucket = this.bucket(actor)
    const counts = route.counted !== false
    const finish = (response: FakeResponse): FakeResponse => this.withHeaders(response, bucket, actor, route, id)

    if (counts && bucket.exhausted()) return finish(githubError(403, this.exhaustedMessage(actor, id), RATE_LIMIT_DOCS))
    // Failed authentications count against the anonymous (per-IP) budget, as on GitHub.
    if (counts) bucket.consume()
    if (authorization && !actor) return finish(githubError(401, 'Bad credentials'))
    if (!actor && !route.anonymous) return finish(githubError(401, 'Requires authentication', route.docs))

    if (this.secondary) {
      const retryAfter = this.secondary.check(actor?.label ?? 'anonymous', req.method, req.inFlight)
      if (retryAfter !== undefined) {
        const message =
          'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. ' +
          `If you reach out to GitHub Support for help, please include the request ID ${id}.`
        return finish(githubError(403, message, SECONDARY_DOCS, { 'retry-after': String(retryAfter) }))
      }
    }
    return finish(await handler(req, actor))
  }

  private withHeaders(
    response: FakeResponse,
    bucket: PrimaryBucket,
    actor: Actor | undefined,
    route: RestRouteOptions,
    id: string
  ): FakeResponse {
    const rate = bucket.snapshot()
    const headers: Record<string, string> = {
      'x-github-api-version-selected': '2022-11-28',
      'x-github-media-type': 'github.v3; format=json',
      'x-github-request-id': id,
      'x-ratelimit-limit': String(rate.limit),
      'x-ratelimit-remaining': String(rate.remaining),
      'x-ratelimit-used': String(rate.used),
      'x-ratelimit-reset': String(rate.reset),
      'x-ratelimit-resource': 'core',
      ...response.headers
    }
    // Classic PATs get their scopes echoed on every response; the accepted ones name what the
    // endpoint needs, which is how a client explains a 403.
    if (actor?.seed.kind === 'pat') {
      headers['x-oauth-scopes'] = (actor.seed.scopes ?? []).join(', ')
      headers['x-accepted-oauth-scopes'] = route.acceptedScopes ?? ''
    }
    return { ...response, headers }
  }

  private bucket(actor: Actor | undefined): PrimaryBucket {
    const key = actor?.label ?? 'anonymous'
    let bucket = this.buckets.get(key)
    if (!bucket) {
      // Unauthenticated requests share GitHub's per-IP budget of 60 an hour.
      const o = this.options.rateLimit ?? {}
      bucket = actor
        ? new PrimaryBucket(o.limit ?? (actor.seed.kind === 'pat' ? 5000 : 1000), o.remaining, o.resetEpochSeconds)
        : new PrimaryBucket(60, undefined, undefined)
      this.buckets.set(key, bucket)
    }
    return bucket
  }

  private exhaustedMessage(actor: Actor | undefined, id: string): string {
    const suffix = ` If you reach out to GitHub Support for help, please include the request ID ${id}.`
    if (!actor) {
      return (
        'API rate limit exceeded for 127.0.0.1. ' +
        "(But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)"
      )
    }
    const who = actor.seed.kind === 'pat' ? 'user ID' : 'installation ID'
    return `API rate limit exceeded for ${who} ${actor.id}.${suffix}`
  }

  private actorFor(seed: FakeTokenSeed, index: number): Actor {
    if (seed.kind === 'pat') {
      const account = seed.login ? this.state.account(seed.login) : undefined
      if (!account || account.type !== 'User') {
        throw new Error(`fake GitHub: PAT #${index} needs a login that is a seeded User account (got ${seed.login})`)
      }
      return { seed, label: seed.label ?? `pat:${account.login}`, id: account.id }
    }
    const owner = seed.owner ?? seed.adminOn?.[0]?.split('/')[0]
    return { seed, label: seed.label ?? `github-token:${index}`, id: 40_000 + index, owner }
  }
}

function requestId(n: number): string {
  return `FAKE:${n.toString(16).toUpperCase().padStart(6, '0')}`
}

/**
 * One page of items and the Link header GitHub writes for it: prev, next, last, first, with
 * absolute URLs that keep the request's other query parameters. No header for a single page.
 */
export function paginate<T>(req: FakeRequest, items: T[]): { items: T[]; headers: Record<string, string> } {
  const perPage = clamp(parseInt(req.query.per_page ?? '', 10), 30, 1, 100)
  const page = clamp(parseInt(req.query.page ?? '', 10), 1, 1, Number.MAX_SAFE_INTEGER)
  const lastPage = Math.max(1, Math.ceil(items.length / perPage))
  const pageUrl = (n: number): string => {
    const query = new URLSearchParams(Object.entries(req.query).filter(([k]) => k !== 'page'))
    query.set('page', String(n))
    return `${req.baseUrl}${req.path}?${query.toString()}`
  }
  const links: string[] = []
  if (page > 1) links.push(`<${pageUrl(Math.min(page - 1, lastPage))}>; rel="prev"`)
  if (page < lastPage) links.push(`<${pageUrl(page + 1)}>; rel="next"`)
  if (page !== lastPage) links.push(`<${pageUrl(lastPage)}>; rel="last"`)
  if (page > 1) links.push(`<${pageUrl(1)}>; rel="first"`)
  return {
    items: items.slice((page - 1) * perPage, page * perPage),
    headers: links.length > 0 ? { link: links.join(', ') } : {}
  }
}

function clamp(value: number, fallback: number, min: number, max: number): number {
  if (!Number.isFinite(value)) return fallback
  return Math.min(Math.max(value, min), max)
}
