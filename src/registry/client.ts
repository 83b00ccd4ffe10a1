// A client for the OCI distribution API's manifest reads, as ghcr.io and GHES serve them: the
// 401 challenge → token → bearer flow, tokens masked and cached per scope, bounded concurrency,
// retries, and the served bytes checked against the requested digest.
//
// Bounded in time and memory: a read (challenge, token and manifest GETs with their retries) ends
// within `readTimeoutMs`; once one read of a repository ran out of time the registry is taken to
// be stuck for that repository, and its other reads give up at once (the package fails closed
// on the first unreadable manifest anyway). Bodies over 4 MiB are refused, never buffered.
import * as core from '@actions/core'
import { createHash } from 'node:crypto'
import { parseChallenge, type BearerChallenge } from './challenge.js'
import { pullAdvice, RegistryError, registryErrorDetail, registryUnusableMessage } from './errors.js'
import { RegistryHttp, type HttpAnswer, type ReadBudget, type RequestKind } from './http.js'
import { isDigest, MANIFEST_ACCEPT, type FetchedManifest, type ManifestPresence, type ManifestPresenceChecker, type ManifestReader } from './manifests.js'
import { isTag, isValidRepository, isVerifiableDigest } from './names.js'
import { proxyAwareFetch } from './proxy-fetch.js'
import type { RunControl } from '../run-control.js'

export { registryRepository } from './names.js'

export interface RegistryClientOptions {
  /** "https://ghcr.io", "https://containers.HOST", or a test server; no trailing path needed. */
  registryUrl: string
  /** Sent as the Basic-auth password to the token service; empty means anonymous. */
  githubToken: string
  /** Requests at once; default adaptive (REGISTRY_CONCURRENCY: raised while answers are fine, halved on a 429). */
  concurrency?: number
  /** The run's stop and its bounds on the waits the registry asks for (Retry-After on a 429). */
  control?: RunControl
  /** Retries per request of 429, 5xx and network failures. */
  retries?: number
  /** Registry tokens are new secrets the runner does not know: each one received is passed here. */
  onSecret?: (secret: string) => void
  /** First backoff delay; doubled per retry, with jitter. */
  retryBaseMs?: number
  /** The longest wait honoured; a longer Retry-After fails the read (its package then fails closed). */
  maxRetryDelayMs?: number
  /** One attempt, headers and body together. */
  timeoutMs?: number
  /** One manifest read in all: its challenge, token and manifest GETs with their retries and waits. */
  readTimeoutMs?: number
  /** Default: Node's fetch, through the runner's proxy where https_proxy / http_proxy call for one. */
  fetch?: typeof fetch
  sleep?: (ms: number) => Promise<void>
}

export interface RegistryStats {
  /** Manifests served (200): what GitHub counts as downloads of a public image. */
  manifestReads: number
  /** Manifest GETs sent, including 401 challenges and retried attempts. */
  manifestRequests: number
  /** Token-service GETs sent. */
  tokenRequests: number
  /** (1.2) Pages of tags lists served (200). */
  tagsListReads: number
  /** Waits before a new attempt (429, 5xx, network). */
  retries: number
  /** 429 answers (the registry pushing back: concurrency is lowered). */
  tooManyRequests: number
}

/** OCI limit on manifest size; anything larger is not a manifest worth parsing. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024
/** (1.2) A tags list larger than this (all its pages together) leaves the package untouched. */
export const MAX_TAGS_LIST_BYTES = 32 * 1024 * 1024
/** A token service answers a few hundred bytes of JSON. */
const MAX_TOKEN_ANSWER_BYTES = 64 * 1024

interface CachedAuthorization {
  pending: Promise<string>
  /** Set once the token arrived, so a refused one can be told apart from a fresh one. */
  value?: string
  /** The token service refused these credentials: later reads fail at once instead of asking again. */
  refusal?: RegistryError
}

/** Answers about the credentials themselves, which asking again would not change. */
const PERMANENT_REFUSALS: ReadonlySet<string> = new Set(['UNAUTHORIZED', 'DENIED', 'TOKEN_INVALID'])

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** A token-service GET within the budget of the read that needs the token. */
type TokenGet = (url: string, headers: Record<string, string>) => Promise<HttpAnswer>

export class RegistryClient implements ManifestReader, ManifestPresenceChecker {
  readonly stats: RegistryStats = { manifestReads: 0, manifestRequests: 0, tokenRequests: 0, tagsListReads: 0, retries: 0, tooManyRequests: 0 }
  private readonly base: URL
  private readonly http: RegistryHttp
  private readonly onSecret: (secret: string) => void
  /** Authorization per token-cache key ("realm service scope"): concurrent reads share one token request. */
  private readonly tokens = new Map<string, CachedAuthorization>()
  /** Which cache key serves a repository, once its challenge is known. */
  private readonly keyOfRepository = new Map<string, string>()
  /** The first read of a repository goes alone: the others wait for its challenge instead of each drawing a 401. */
  private readonly firstRead = new Map<string, Promise<unknown>>()
  /**
   * Per repository asked for: aborted (with the error) once one of its reads ran out of time, so
   * its other reads stop waiting on a stuck registry.
   */
  private readonly giveUp = new Map<string, AbortController>()
  /**
   * Per repository read: whether the registry let this run in (a token issued, or a manifest
   * served), or how its authorization failed. Authorized wins: a refusal followed by a token is not a refusal.
   */
  private readonly access = new Map<string, { authorized: true } | { authorized: false; failure: RegistryError }>()

  constructor(private readonly options: RegistryClientOptions) {
    this.base = new URL(options.registryUrl.replace(/\/+$/, '') + '/')
    this.onSecret = options.onSecret ?? ((secret) => core.setSecret(secret))
    this.http = new RegistryHttp({
      concurrency: options.concurrency,
      control: options.control,
      retries: options.retries ?? 4,
      retryBaseMs: options.retryBaseMs ?? 500,
      maxRetryDelayMs: options.maxRetryDelayMs ?? 60_000,
      timeoutMs: options.timeoutMs ?? 20_000,
      fetch: options.fetch ?? proxyAwareFetch(),
      // Under a run's control a wait ends when the run stops (no timer left to hold the process).
      sleep: options.sleep ?? (options.control ? (ms) => options.control!.sleep(ms) : sleep),
      onAttempt: (kind, status) => {
        if (kind === 'manifest') this.stats.manifestRequests++
        else if (kind === 'token') this.stats.tokenRequests++
        if (status === 429) this.stats.tooManyRequests++
      },
      onRetry: () => this.stats.retries++
    })
  }

  /** Requests at once now, and the most reached (adaptive concurrency), for the log. */
  get concurrency(): { now: number; peak: number } {
    return { now: this.http.limit.limit, peak: this.http.limit.peak }
  }

  private get host(): string {
    return this.base.host
  }

  async getManifest(repository: string, reference: string): Promise<FetchedManifest> {
    return this.inTurn(repository, reference, (repo, giveUp) => this.guarded(giveUp, (budget) => this.readWithin(repo, reference, budget)))
  }

  /**
   * (1.2) The digest `tag` of `repository` names now, from a HEAD's Docker-Content-Digest (nothing
   * downloaded): 'absent' when the registry answers 404 (the tag is gone), undefined when it does
   * not say (no header, a refusal, an error): the caller then reads the manifest itself.
   */
  async tagDigest(repository: string, tag: string): Promise<string | 'absent' | undefined> {
    try {
      return await this.inTurn(repository, tag, async (repo, giveUp) => {
        const head = await this.guarded(giveUp, (budget) => this.ask(repo, tag, budget, 'HEAD'))
        if (head.status === 404) return 'absent'
        if (head.status !== 200) return undefined
        this.access.set(repo, { authorized: true })
        const digest = head.headers.get('docker-content-digest') ?? undefined
        return digest !== undefined && isVerifiableDigest(digest) ? digest : undefined
      })
    } catch {
      return undefined
    }
  }

  /**
   * (1.2) Whether the registry has manifest `digest` of `repository`: a HEAD, which downloads
   * nothing. A HEAD answer has no body, so a 404 (or a refusal of the HEAD alone) is asked again
   * with a GET, whose error body tells MANIFEST_UNKNOWN (absent) from NAME_UNKNOWN (unknown).
   */
  async manifestPresence(repository: string, digest: string): Promise<ManifestPresence> {
    try {
      return await this.inTurn(repository, digest, async (repo, giveUp) => {
        const ask = (method: 'GET' | 'HEAD'): Promise<HttpAnswer> => this.guarded(giveUp, (budget) => this.ask(repo, digest, budget, method))
        const head = await ask('HEAD')
        if (head.status === 200) return { state: 'present' }
        if (head.status !== 404 && head.status !== 401 && head.status !== 403) return { state: 'unknown', why: this.manifestFailure(head, repo, digest).message }
        const get = await ask('GET')
        if (get.status === 200) {
          this.stats.manifestReads++
          return { state: 'present' }
        }
        if (get.status === 404 && registryErrorDetail(get.body).code === 'MANIFEST_UNKNOWN') return { state: 'absent' }
        if (get.status === 404) return { state: 'unknown', why: `${this.host}/${repo} answered 404 ${registryErrorDetail(get.body).code ?? 'without an error code'} for ${digest}` }
        return { state: 'unknown', why: this.manifestFailure(get, repo, digest).message }
      })
    } catch (error) {
      return { state: 'unknown', why: error instanceof Error ? error.message : String(error) }
    }
  }

  /** Checks the names, then runs `request` once the repository's first request answered (its challenge is then known). */
  private async inTurn<T>(repository: string, reference: string, request: (repo: string, giveUp: AbortController) => Promise<T>): Promise<T> {
    const repo = repository.toLowerCase()
    if (!isValidRepository(repo)) throw new RegistryError(`'${repository}' is not a valid registry repository path`, 'NAME_INVALID')
    if (isDigest(reference) ? !isVerifiableDigest(reference) : !isTag(reference)) {
      throw new RegistryError(`'${reference}' is neither a tag nor a sha256/sha512 digest this client can verify`, 'REFERENCE_INVALID')
    }
    let giveUp = this.giveUp.get(repo)
    if (!giveUp) this.giveUp.set(repo, (giveUp = new AbortController()))
    const first = this.firstRead.get(repo)
    if (first) {
      await first
      return request(repo, giveUp)
    }
    const reading = request(repo, giveUp)
    this.firstRead.set(repo, reading.catch(() => undefined))
    return reading
  }

  /**
   * Set when the registry let this run read nothing: every repository it asked about met a refused
   * or failed authorization (the token service refused or failed, or the registry refused its
   * token). That is an authentication failure of the run, not a package to leave untouched.
   */
  unusableMessage(): string | undefined {
    // Every repository a read was asked for: one that failed for another reason (a timeout before
    // any challenge) or was never refused keeps the registry "usable" for this rule.
    const failures: Array<[string, RegistryError]> = []
    for (const repo of this.giveUp.keys()) {
      const access = this.access.get(repo)
      if (!access || access.authorized) return undefined
      failures.push([repo, access.failure])
    }
    return failures.length > 0 ? registryUnusableMessage(this.host, failures) : undefined
  }

  /** One request within its own time budget; once one ran out of time the repository's other requests give up. */
  private async guarded<T>(giveUp: AbortController, request: (budget: ReadBudget) => Promise<T>): Promise<T> {
    if (giveUp.signal.aborted) throw giveUp.signal.reason
    const budget: ReadBudget = { totalMs: this.options.readTimeoutMs ?? 60_000, signal: giveUp.signal }
    try {
      return await request(budget)
    } catch (error) {
      if (error instanceof RegistryError && error.code === 'TIMEOUT' && !giveUp.signal.aborted) giveUp.abort(error)
      throw error
    }
  }

  private async readWithin(repo: string, reference: string, budget: ReadBudget): Promise<FetchedManifest> {
    const answer = await this.ask(repo, reference, budget, 'GET')
    if (answer.status !== 200) {
      const failure = this.manifestFailure(answer, repo, reference)
      throw failure.code === 'UNAUTHORIZED' || failure.code === 'DENIED' ? this.accessFailed(repo, failure) : failure
    }
    this.access.set(repo, { authorized: true })
    this.stats.manifestReads++
    return this.interpret(answer, reference)
  }

  /** The registry's answer for the manifest, after its challenge and token if it asks for one. */
  private async ask(repo: string, reference: string, budget: ReadBudget, method: 'GET' | 'HEAD'): Promise<HttpAnswer> {
    // Not encoded: the repository's slashes are path separators, and both grammars are URL-safe.
    const url = new URL(`v2/${repo}/manifests/${reference}`, this.base).toString()
    return this.authorizedRequest(repo, url, 'manifest', MAX_MANIFEST_BYTES, budget, method)
  }

  /**
   * (1.2) Every tag the registry serves for `repository` (`GET /v2/<name>/tags/list`), following the
   * OCI distribution spec's pagination (`n`/`last`, a Link header naming the next page). The
   * answers together may hold at most MAX_TAGS_LIST_BYTES: a larger list is refused (the caller
   * leaves the package untouched), never held whole.
   */
  async listTags(repository: string): Promise<string[]> {
    const repo = repository.toLowerCase()
    if (!isValidRepository(repo)) throw new RegistryError(`'${repository}' is not a valid registry repository path`, 'NAME_INVALID')
    let giveUp = this.giveUp.get(repo)
    if (!giveUp) this.giveUp.set(repo, (giveUp = new AbortController()))
    const first = this.firstRead.get(repo)
    if (first) await first
    const listing = this.listTagsWithin(repo, giveUp)
    if (!first) this.firstRead.set(repo, listing.catch(() => undefined))
    return listing
  }

  private async listTagsWithin(repo: string, giveUp: AbortController): Promise<string[]> {
    const tags = new Set<string>()
    let url: string | undefined = new URL(`v2/${repo}/tags/list`, this.base).toString()
    let spent = 0
    while (url !== undefined) {
      const budget: ReadBudget = { totalMs: this.options.readTimeoutMs ?? 60_000, signal: giveUp.signal }
      const answer = await this.authorizedRequest(repo, url, 'tags', MAX_TAGS_LIST_BYTES - spent, budget)
      if (answer.status !== 200) {
        const failure = this.tagsListFailure(answer, repo)
        throw failure.code === 'UNAUTHORIZED' || failure.code === 'DENIED' ? this.accessFailed(repo, failure) : failure
      }
      this.access.set(repo, { authorized: true })
      spent += answer.body.length
      this.stats.tagsListReads++
      const before = tags.size
      for (const tag of parseTagsList(answer.body, `${this.host}/${repo}`)) tags.add(tag)
      url = nextPageUrl(answer.headers.get('link'), url)
      // However many pages a large package needs, each must bring new tags (the byte bound caps the
      // whole list): a next page that brings none is a registry repeating itself, not an end.
      if (url !== undefined && tags.size === before) {
        throw new RegistryError(`${this.host}/${repo}: the tags list names a next page after a page with no new tag`, 'TAGS_LIST_TOO_LONG')
      }
    }
    return [...tags]
  }

  private tagsListFailure(answer: HttpAnswer, repo: string): RegistryError {
    const detail = registryErrorDetail(answer.body)
    const status = answer.status
    if (status === 401) return new RegistryError(pullAdvice(repo, this.host, 'the registry refused the token it issued (401)'), 'UNAUTHORIZED', status)
    if (status === 403) return new RegistryError(pullAdvice(repo, this.host, `the registry answered 403${detail.code ? ` ${detail.code}` : ''}`), 'DENIED', status)
    if (status === 404) return new RegistryError(`${this.host}/${repo} has no tags list (404 ${detail.code ?? 'NOT_FOUND'})`, detail.code === 'NAME_UNKNOWN' ? 'NAME_UNKNOWN' : 'NOT_FOUND', status)
    return this.failure(answer, this.host)
  }

  /**
   * A GET (or HEAD) of `url` in `repo` with the registry's 401 challenge → token → bearer flow (tokens
   * cached per scope): the answer to the authorized request, whatever its status. Token requests are GETs.
   */
  private async authorizedRequest(
    repo: string,
    url: string,
    kind: RequestKind,
    maxBodyBytes: number,
    budget: ReadBudget,
    method: 'GET' | 'HEAD' = 'GET'
  ): Promise<HttpAnswer> {
    const get = (target: string, headers: Record<string, string>, what: RequestKind, maxBytes: number): Promise<HttpAnswer> =>
      this.http.get(target, headers, { kind: what, maxBodyBytes: maxBytes, budget, method: what === kind ? method : 'GET' })
    let key = this.keyOfRepository.get(repo)
    const cached = key === undefined ? undefined : this.tokens.get(key)
    if (cached?.refusal) throw this.accessFailed(repo, cached.refusal)
    let authorization = await cached?.pending.catch(() => undefined)
    let answer = await get(url, this.headers(authorization), kind, maxBodyBytes)
    if (answer.status === 401) {
      const challenge = parseChallenge(answer.headers.get('www-authenticate'))
      if (!challenge) {
        throw this.accessFailed(repo, new RegistryError(pullAdvice(repo, this.host, 'the registry answered 401 without a usable challenge'), 'UNAUTHORIZED', 401))
      }
      // A cached token that drew a 401 has expired: forget it so the next read fetches a fresh one.
      if (key !== undefined && authorization !== undefined) this.forget(key, authorization)
      key = challenge.scheme === 'bearer' ? this.cacheKey(challenge, repo) : `basic ${repo}`
      this.keyOfRepository.set(repo, key)
      try {
        authorization = await this.authorize(key, challenge.scheme === 'bearer' ? challenge : undefined, repo, (target, headers) =>
          get(target, headers, 'token', MAX_TOKEN_ANSWER_BYTES)
        )
      } catch (error) {
        throw error instanceof RegistryError ? this.accessFailed(repo, error) : error
      }
      this.access.set(repo, { authorized: true })
      answer = await get(url, this.headers(authorization), kind, maxBodyBytes)
    }
    return answer
  }

  /** Records a failed authorization of `repo` (unless the registry let it in before) and returns the error to throw. */
  private accessFailed(repo: string, error: RegistryError): RegistryError {
    if (!this.access.get(repo)?.authorized) this.access.set(repo, { authorized: false, failure: error })
    return error
  }

  private headers(authorization: string | undefined): Record<string, string> {
    const headers: Record<string, string> = { accept: MANIFEST_ACCEPT, 'user-agent': 'package-retention' }
    if (authorization) headers.authorization = authorization
    return headers
  }

  private cacheKey(challenge: BearerChallenge, repo: string): string {
    return `${challenge.realm} ${challenge.service ?? ''} ${challenge.scope ?? `repository:${repo}:pull`}`
  }

  private forget(key: string, authorization: string): void {
    // Only drop the token that failed: a concurrent read may already be fetching a fresh one.
    if (this.tokens.get(key)?.value === authorization) this.tokens.delete(key)
  }

  private authorize(key: string, challenge: BearerChallenge | undefined, repo: string, get: TokenGet): Promise<string> {
    const cached = this.tokens.get(key)
    if (cached) return cached.pending
    const entry: CachedAuthorization = {
      pending: challenge ? this.fetchToken(challenge, repo, get).then((token) => `Bearer ${token}`) : Promise.resolve(this.basicAuthorization())
    }
    this.tokens.set(key, entry)
    entry.pending.then(
      (value) => {
        entry.value = value
      },
      (error: unknown) => {
        if (error instanceof RegistryError && PERMANENT_REFUSALS.has(error.code)) entry.refusal = error
        // A transient failure (network, 5xx after retries) is not cached: the next read asks again.
        else if (this.tokens.get(key) === entry) this.tokens.delete(key)
      }
    )
    return entry.pending
  }

  private basicAuthorization(): string {
    return `Basic ${Buffer.from(`package-retention:${this.options.githubToken}`).toString('base64')}`
  }

  private async fetchToken(challenge: BearerChallenge, repo: string, get: TokenGet): Promise<string> {
    const realm = this.trustedRealm(challenge.realm, repo)
    if (challenge.service) realm.searchParams.set('service', challenge.service)
    realm.searchParams.set('scope', challenge.scope ?? `repository:${repo}:pull`)
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'package-retention' }
    if (this.options.githubToken) headers.authorization = this.basicAuthorization()
    const answer = await get(realm.toString(), headers)
    if (answer.status === 401 || answer.status === 403) {
      const detail = registryErrorDetail(answer.body)
      const code = answer.status === 401 ? 'UNAUTHORIZED' : 'DENIED'
      throw new RegistryError(pullAdvice(repo, this.host, `its token service answered ${answer.status}${detail.code ? ` ${detail.code}` : ''}`), code, answer.status)
    }
    if (answer.status !== 200) throw this.failure(answer, `the token service of ${this.host}`)
    let body: { token?: unknown; access_token?: unknown }
    try {
      body = JSON.parse(answer.body.toString('utf8')) as typeof body
    } catch {
      throw new RegistryError(`the token service of ${this.host} answered something that is not JSON`, 'TOKEN_INVALID', answer.status)
    }
    // Mask before anything could log it; both fields may be present and differ.
    for (const value of [body.token, body.access_token]) if (typeof value === 'string' && value) this.onSecret(value)
    const token = typeof body.token === 'string' && body.token ? body.token : body.access_token
    if (typeof token !== 'string' || !token) {
      throw new RegistryError(`the token service of ${this.host} answered without a token`, 'TOKEN_INVALID', answer.status)
    }
    return token
  }

  /**
   * The GitHub token goes only to a realm on the registry's own host or a parent/sub-domain of it,
   * and never over plain HTTP when the registry itself is HTTPS: a redirected or spoofed challenge
   * must not collect it.
   */
  private trustedRealm(realm: string, repo: string): URL {
    let url: URL
    try {
      url = new URL(realm, this.base)
    } catch {
      throw new RegistryError(`the registry's challenge for ${repo} names an invalid token realm '${realm}'`, 'TOKEN_INVALID')
    }
    const registryHost = this.base.hostname
    const realmHost = url.hostname
    const related = realmHost === registryHost || realmHost.endsWith(`.${registryHost}`) || registryHost.endsWith(`.${realmHost}`)
    const downgrade = this.base.protocol === 'https:' && url.protocol !== 'https:'
    if (!related || downgrade) {
      throw new RegistryError(
        `refusing to send the GitHub token to the token realm ${url.origin}, which is not the registry ${this.base.origin}; check the registry-url input`,
        'TOKEN_INVALID'
      )
    }
    return url
  }

  private interpret(answer: HttpAnswer, reference: string): FetchedManifest {
    const digest = digestOf(answer.body, isDigest(reference) && reference.startsWith('sha512:') ? 'sha512' : 'sha256')
    if (isDigest(reference) && digest !== reference) {
      throw new RegistryError(`the registry served bytes whose digest is ${digest}, not the requested ${reference}`, 'DIGEST_MISMATCH', answer.status)
    }
    let body: unknown
    try {
      body = JSON.parse(answer.body.toString('utf8'))
    } catch {
      throw new RegistryError(`manifest ${reference} is not JSON`, 'MANIFEST_INVALID', answer.status)
    }
    const declared = (body as { mediaType?: unknown } | null)?.mediaType
    const contentType = answer.headers.get('content-type')?.split(';')[0].trim() ?? ''
    return { mediaType: typeof declared === 'string' ? declared : contentType, digest, body, bytes: answer.body }
  }

  private manifestFailure(answer: HttpAnswer, repo: string, reference: string): RegistryError {
    const detail = registryErrorDetail(answer.body)
    const status = answer.status
    if (status === 401) return new RegistryError(pullAdvice(repo, this.host, 'the registry refused the token it issued (401)'), 'UNAUTHORIZED', status)
    if (status === 403) return new RegistryError(pullAdvice(repo, this.host, `the registry answered 403${detail.code ? ` ${detail.code}` : ''}`), 'DENIED', status)
    if (status === 404) {
      const code = detail.code === 'NAME_UNKNOWN' ? 'NAME_UNKNOWN' : 'MANIFEST_UNKNOWN'
      return new RegistryError(`${this.host}/${repo} has no manifest ${reference} (404 ${code})`, code, status)
    }
    return this.failure(answer, this.host)
  }

  /** Statuses retries did not fix, or that are not worth retrying. */
  private failure(answer: HttpAnswer, who: string): RegistryError {
    const detail = registryErrorDetail(answer.body)
    const status = answer.status
    const after = answer.attempts > 1 ? ` after ${answer.attempts} attempts` : ''
    if (status === 429) {
      const wait = answer.headers.get('retry-after')
      return new RegistryError(
        `${who} kept answering 429 Too Many Requests${after}${wait ? ` (it asks to wait ${wait}s)` : ''}; a later run will retry`,
        'TOOMANYREQUESTS',
        status
      )
    }
    if (status >= 500) return new RegistryError(`${who} answered HTTP ${status}${after}`, 'UNAVAILABLE', status)
    return new RegistryError(`${who} answered HTTP ${status}${detail.code ? ` ${detail.code}` : ''}${detail.message ? `: ${detail.message}` : ''}`, 'UNEXPECTED', status)
  }
}

function digestOf(bytes: Buffer, algorithm: 'sha256' | 'sha512'): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`
}

/** The tag names of one tags-list answer (`{"name": ..., "tags": [...]}`; `tags` may be null when there are none). */
export function parseTagsList(body: Buffer, where: string): string[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(body.toString('utf8'))
  } catch {
    throw new RegistryError(`${where}: the tags list is not JSON`, 'TAGS_LIST_INVALID')
  }
  const tags = (parsed as { tags?: unknown } | null)?.tags
  if (tags === null || tags === undefined) return []
  if (!Array.isArray(tags) || tags.some((tag) => typeof tag !== 'string')) throw new RegistryError(`${where}: the tags list has no list of tags`, 'TAGS_LIST_INVALID')
  return tags as string[]
}

/** The URL of `rel="next"` in a Link header (relative to the page it came with), or undefined on the last page. */
export function nextPageUrl(link: string | null, current: string): string | undefined {
  if (!link) return undefined
  for (const part of link.split(',')) {
    const match = /<([^>]+)>\s*;.*rel="?next"?/.exec(part)
    if (match) return new URL(match[1], current).toString()
  }
  return undefined
}
