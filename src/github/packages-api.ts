// The GitHub Packages operations the pipeline needs, over the three owner path forms:
// /orgs/{org}/..., /users/{username}/..., /user/... (the token's own account).
import type { OwnerKind, PackageRef, PackageType, PackageVersion } from '../model.js'
import type { Octokit } from './client.js'
import { classifyError, ListingBudgetError, UnexpectedAnswerError } from './errors.js'
import type { RateLimitTracker } from './rate-limit.js'

export interface OwnerRef {
  login: string
  kind: OwnerKind
}

export interface PackageSummary {
  name: string
  type: PackageType
  visibility?: 'public' | 'private' | 'internal'
  versionCount?: number
}

export interface ListingStats {
  /** GET requests of version list pages. */
  versionPages: number
  /** GET requests of package list pages. */
  packagePages: number
}

export const PER_PAGE = 100

/** One pass over a package's pages (see listPass). */
export interface VersionsPass {
  /** In listing order; an id may come twice (a push meanwhile). */
  versions: PackageVersion[]
  pages: number
  /** The distinct last pages the pages' Link headers announced. */
  announcedLastPages: number[]
}

/** A version as the REST API lists it (the fields the pipeline reads). */
export interface RawVersion {
  id: number
  name: string
  /** ISO 8601 from GitHub; typed loosely because a missing or odd value must not crash the run (see toVersion). */
  created_at: string | null | undefined | number
  updated_at: string | null | undefined | number
  metadata?: { container?: { tags?: string[] } }
}

interface RawPackage {
  name: string
  package_type: PackageType
  visibility?: 'public' | 'private' | 'internal'
  version_count?: number
}

/** Route prefix and parameters for an owner: `/orgs/{org}`, `/users/{username}` or `/user`. */
function ownerRoute(owner: OwnerRef): { prefix: string; params: Record<string, string> } {
  switch (owner.kind) {
    case 'org':
      return { prefix: '/orgs/{org}', params: { org: owner.login } }
    case 'user':
      return { prefix: '/users/{username}', params: { username: owner.login } }
    case 'self':
      return { prefix: '/user', params: {} }
  }
}

function packageRoute(pkg: PackageRef): { prefix: string; params: Record<string, string> } {
  const owner = ownerRoute({ login: pkg.owner, kind: pkg.ownerKind })
  return {
    prefix: `${owner.prefix}/packages/{package_type}/{package_name}`,
    params: { ...owner.params, package_type: pkg.type, package_name: pkg.name }
  }
}

/** The page number of `rel="last"` in a Link header, or undefined when there is one page. */
export function lastPageFromLink(link: string | undefined): number | undefined {
  if (!link) return undefined
  for (const part of link.split(',')) {
    const match = /<([^>]+)>\s*;\s*rel="last"/.exec(part)
    if (match) {
      const page = Number(new URL(match[1]).searchParams.get('page'))
      return Number.isInteger(page) && page > 0 ? page : undefined
    }
  }
  return undefined
}

function toPackageSummary(raw: RawPackage): PackageSummary {
  return { name: raw.name, type: raw.package_type, visibility: raw.visibility, versionCount: raw.version_count }
}

// Shared by every untagged version; frozen, so that no one can add a tag to all of them at once.
const NO_TAGS = Object.freeze([]) as unknown as string[]

/**
 * A listed version as the pipeline holds it. A package can hold a million versions, so two things
 * are shared rather than held once per version: the empty tag list of untagged versions, and the
 * timestamp string when updated_at equals created_at (never retagged), which the planner then
 * compares by identity, without reading the characters.
 */
export function toVersion(raw: RawVersion): PackageVersion {
  const tags = raw.metadata?.container?.tags
  const createdAt = timestampText(raw.created_at)
  return {
    id: raw.id,
    name: raw.name,
    tags: tags && tags.length > 0 ? tags : NO_TAGS,
    createdAt,
    updatedAt: raw.updated_at === raw.created_at ? createdAt : timestampText(raw.updated_at)
  }
}

/**
 * A timestamp as text: a missing or null one is '' and a number its digits, which the planner
 * cannot read as a date-time, so the version is kept ("its timestamp cannot be read").
 */
function timestampText(value: unknown): string {
  if (typeof value === 'string') return value
  return value === null || value === undefined ? '' : String(value)
}

/** Called with each page's items as it arrives, and the number of pages the listing has. */
export type OnPage<T> = (items: T[], pages: number) => void

export class PackagesApi {
  readonly stats: ListingStats = { versionPages: 0, packagePages: 0 }

  constructor(
    private readonly octokit: Octokit,
    readonly rateLimit: RateLimitTracker
  ) {}

  async getAccountType(login: string): Promise<'Organization' | 'User'> {
    const { data } = await this.octokit.request('GET /users/{username}', { username: login })
    return data.type === 'Organization' ? 'Organization' : 'User'
  }

  /** The token's own login, or undefined when the token cannot say (an Actions GITHUB_TOKEN). */
  async getAuthenticatedLogin(): Promise<string | undefined> {
    try {
      const { data } = await this.octokit.request('GET /user')
      return data.login
    } catch (error) {
      if (classifyError(error) === 'forbidden' || classifyError(error) === 'not-found') return undefined
      throw error
    }
  }

  /** GET /rate_limit does not count against the limit; it fills the tracker. */
  async refreshRateLimit(): Promise<void> {
    try {
      await this.octokit.request('GET /rate_limit')
    } catch {
      // GHES with rate limiting disabled answers 404; the tracker then stays unknown.
    }
  }

  async listPackages(owner: OwnerRef, type: PackageType): Promise<PackageSummary[]> {
    const route = ownerRoute(owner)
    return this.fetchAllPages(`GET ${route.prefix}/packages`, { ...route.params, package_type: type }, 'packagePages', toPackageSummary, undefined, 'packages')
  }

  /** The package's metadata, or undefined when it does not exist (or the token cannot see it). */
  async getPackage(pkg: PackageRef): Promise<PackageSummary | undefined> {
    const route = packageRoute(pkg)
    try {
      const { data } = await this.octokit.request(`GET ${route.prefix}`, route.params)
      return toPackageSummary(data as RawPackage)
    } catch (error) {
      if (classifyError(error) === 'not-found') return undefined
      throw error
    }
  }

  /** Every version in `state`, each once, in one pass (no consistency checks: see listConsistently). */
  async listVersions(pkg: PackageRef, state: 'active' | 'deleted' = 'active', onPage?: OnPage<PackageVersion>): Promise<PackageVersion[]> {
    const route = packageRoute(pkg)
    const versions = await this.fetchAllPages(`GET ${route.prefix}/versions`, { ...route.params, state }, 'versionPages', toVersion, onPage, 'versions')
    const seen = new Set<number>()
    return versions.filter(v => !seen.has(v.id) && seen.add(v.id))
  }

  /**
   * One pass over the active versions' pages: page 1, then as many more as its Link announces,
   * concurrently (the throttler bounds concurrency). `versionCountHint` (GitHub's version_count,
   * which nothing documents) is only a hint: when the last page is full and the hint says there is
   * more, or there is no Link and page 1 is full, pages are followed one by one until one is not
   * full. An inflated count then costs one page, never hundreds. Consistency is judged by the
   * caller (src/inventory/view-listing.ts), which merges passes into a package view.
   */
  async listPass(pkg: PackageRef, versionCountHint?: number, onPage?: OnPage<PackageVersion>): Promise<VersionsPass> {
    const route = packageRoute(pkg)
    const path = `GET ${route.prefix}/versions`
    const params = { ...route.params, state: 'active' }
    const first = await this.fetchPage(path, params, 1, 'versionPages', toVersion, 'versions')
    let pages = first.lastPage ?? 1
    this.checkBudget(pages - 1)
    onPage?.(first.items, pages)
    const rest = await Promise.all(
      Array.from({ length: pages - 1 }, async (_, i) => {
        const page = await this.fetchPage(path, params, i + 2, 'versionPages', toVersion, 'versions')
        onPage?.(page.items, pages)
        return page
      })
    )
    const fetched = [first, ...rest]
    const mayHaveMore = (): boolean => {
      if ((fetched.at(-1)?.items.length ?? 0) < PER_PAGE) return false
      if (first.lastPage === undefined && versionCountHint === undefined) return true
      return versionCountHint !== undefined && versionCountHint > pages * PER_PAGE
    }
    while (mayHaveMore()) {
      const page = await this.fetchPage(path, params, ++pages, 'versionPages', toVersion, 'versions')
      onPage?.(page.items, pages)
      fetched.push(page)
    }
    const announced = new Set(fetched.map((page) => page.lastPage).filter((last) => last !== undefined))
    return { versions: first.items.concat(...fetched.slice(1).map((page) => page.items)), pages, announcedLastPages: [...announced] }
  }

  /** One page of the active versions (a closing look reads page 1 again), with the page count its Link announces. */
  async listPage(pkg: PackageRef, page: number): Promise<{ versions: PackageVersion[]; lastPage?: number }> {
    const route = packageRoute(pkg)
    const answer = await this.fetchPage(`GET ${route.prefix}/versions`, { ...route.params, state: 'active' }, page, 'versionPages', toVersion, 'versions')
    return { versions: answer.items, lastPage: answer.lastPage }
  }

  /** 'active' when the version is still there, 'gone' when GitHub no longer serves it. */
  async versionState(pkg: PackageRef, id: number): Promise<'active' | 'gone'> {
    const route = packageRoute(pkg)
    try {
      const { data } = await this.octokit.request(`GET ${route.prefix}/versions/{package_version_id}`, { ...route.params, package_version_id: id })
      return (data as { deleted_at?: string | null }).deleted_at ? 'gone' : 'active'
    } catch (error) {
      if (classifyError(error) === 'not-found') return 'gone'
      throw error
    }
  }

  /**
   * One attempt: 5xx and network failures are not retried here (`retries: 0` is
   * @octokit/plugin-retry's per-request option; the throttler still waits out rate limits).
   * The executor retries, because a DELETE without an answer may have been applied, and only
   * it can tell a retry's 404 ("my earlier attempt did it") from another run's deletion.
   */
  async deleteVersion(pkg: PackageRef, id: number): Promise<void> {
    const route = packageRoute(pkg)
    await this.octokit.request(`DELETE ${route.prefix}/versions/{package_version_id}`, { ...route.params, package_version_id: id, request: { retries: 0 } })
  }

  /** One attempt, as deleteVersion. */
  async deletePackage(pkg: PackageRef): Promise<void> {
    const route = packageRoute(pkg)
    await this.octokit.request(`DELETE ${route.prefix}`, { ...route.params, request: { retries: 0 } })
  }

  async restoreVersion(pkg: PackageRef, id: number): Promise<void> {
    const route = packageRoute(pkg)
    await this.octokit.request(`POST ${route.prefix}/versions/{package_version_id}/restore`, { ...route.params, package_version_id: id })
  }

  async restorePackage(pkg: PackageRef): Promise<void> {
    const route = packageRoute(pkg)
    await this.octokit.request(`POST ${route.prefix}/restore`, route.params)
  }

  /**
   * First page, then the rest concurrently (the throttler bounds concurrency): the first
   * page's Link header says how many pages there are. For lists nothing else changes meanwhile
   * (packages); versions are listed by listConsistently.
   */
  private async fetchAllPages<Raw, T>(
    route: string,
    params: Record<string, string | number>,
    counter: keyof ListingStats,
    toItem: (raw: Raw) => T,
    onPage: OnPage<T> | undefined,
    listOf: string
  ): Promise<T[]> {
    const first = await this.fetchPage(route, params, 1, counter, toItem, listOf)
    const lastPage = first.lastPage ?? 1
    this.checkBudget(lastPage - 1)
    onPage?.(first.items, lastPage)
    const rest = await Promise.all(
      Array.from({ length: lastPage - 1 }, async (_, i) => {
        const page = await this.fetchPage(route, params, i + 2, counter, toItem, listOf)
        onPage?.(page.items, lastPage)
        return page
      })
    )
    return first.items.concat(...rest.map(page => page.items))
  }

  /** Stops a listing the primary rate limit cannot cover before spending it (see ListingBudgetError). */
  private checkBudget(morePages: number): void {
    const limit = this.rateLimit.snapshot
    if (limit && morePages > limit.remaining) throw new ListingBudgetError(morePages, limit.remaining, limit.limit, limit.reset)
  }

  private async fetchPage<Raw, T>(
    route: string,
    params: Record<string, string | number>,
    page: number,
    counter: keyof ListingStats,
    toItem: (raw: Raw) => T,
    /** What the page lists, for messages ("versions"). */
    listOf: string
  ): Promise<{ items: T[]; lastPage?: number }> {
    // Octokit's own JSON parser keeps integers beyond 2^53 exact and costs about ten times
    // JSON.parse; ids and counts in these lists are far below 2^53, so pages are parsed here,
    // from a body read whole inside fetch (see readWholeBody).
    const response = await this.octokit.request(route, {
      ...params,
      per_page: PER_PAGE,
      page,
      request: { parseSuccessResponseBody: false, fetch: readWholeBody(this.octokit) }
    })
    this.stats[counter]++
    const text = await new Response(response.data as ReadableStream<Uint8Array> | null).text()
    const where = `GET ${describeUrl(response.url)}`
    let raws: unknown
    try {
      raws = JSON.parse(text)
    } catch {
      throw new UnexpectedAnswerError(`GitHub answered ${where} with something that is not JSON (${quoteStart(text)})`)
    }
    if (!Array.isArray(raws) || raws.some(raw => typeof raw !== 'object' || raw === null || Array.isArray(raw))) {
      throw new UnexpectedAnswerError(`GitHub answered ${where} with something that is not a list of ${listOf} (${quoteStart(text)})`)
    }
    // Mapped once, as the page arrives; `onPage` and the result share the items.
    return { items: (raws as Raw[]).map(toItem), lastPage: lastPageFromLink(response.headers.link) }
  }
}

/**
 * A fetch that reads a successful response's body before returning it. Octokit hands back only
 * the body stream of an unparsed response, so the Response object that owns it can be garbage
 * collected before the stream is read, and undici then cancels the stream ("Response body object
 * should not be disturbed or locked" when it is read). A Response built from bytes owns nothing
 * that can be cancelled. Error answers are left to Octokit, which reads them at once.
 */
function readWholeBody(octokit: Octokit): typeof fetch {
  const defaults = octokit.request.endpoint.DEFAULTS.request as { fetch?: typeof fetch } | undefined
  const inner = defaults?.fetch ?? globalThis.fetch
  return async (input, init) => {
    const response = await inner(input, init)
    if (!response.ok || response.body === null) return response
    const whole = new Response(await response.arrayBuffer(), { status: response.status, statusText: response.statusText, headers: response.headers })
    Object.defineProperty(whole, 'url', { value: response.url })
    return whole
  }
}

/** The path and query of a URL, as messages show a request. */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.pathname}${parsed.search}`
  } catch {
    return url
  }
}

function quoteStart(text: string): string {
  const start = text.trim().slice(0, 80)
  return start ? `it begins ${JSON.stringify(start)}` : 'an empty body'
}
