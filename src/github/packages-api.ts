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

/** Listings of one package that changed while read, before it is given up (left untouched). */
export const LISTING_TRIES = 3

/** One consistent listing of a package's active versions, or why none could be had. */
export interface PackageListing {
  summary: PackageSummary
  /** Each version once. */
  versions: PackageVersion[]
  /**
   * Set when every try changed while it was read (another actor deleting, pushing or retagging):
   * the versions are then the last try's, possibly missing some, and nothing may be deleted.
   */
  problem?: string
  /** What showed each earlier try changed while read (it was then listed again). */
  retried: string[]
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

/**
 * What the counts say about a listing of `listed` versions: nothing when the version_count read
 * before and after both equal it (or GitHub gave none).
 */
function countProblem(before: number | undefined, after: number | undefined, listed: number): string | undefined {
  if (before === undefined && after === undefined) return undefined
  if (before === after && before === listed) return undefined
  return before === after
    ? `${listed} versions were listed where the package counts ${before}`
    : `the package counted ${before} versions before the listing and ${after} after it; ${listed} were listed`
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
   * The package and one consistent listing of its active versions, or undefined when the package
   * does not exist (or the token cannot see it). GitHub pages by number, so a version deleted,
   * pushed or retagged by someone else while the pages are read shifts later versions by a place
   * and one can be missed or listed twice. A listing is taken as consistent when no id comes
   * twice, every page announces the same last page, and the package's version_count read before
   * the first page and after the last one both equal the number of versions listed; otherwise the
   * package is listed again, up to LISTING_TRIES times. `known` is the package as the package
   * listing reported it (its version_count then serves as the first count).
   */
  async listConsistently(pkg: PackageRef, onPage?: OnPage<PackageVersion>, known?: PackageSummary): Promise<PackageListing | undefined> {
    const route = packageRoute(pkg)
    const params = { ...route.params, state: 'active' }
    const problems: string[] = []
    let last: PackageListing | undefined
    for (let attempt = 1; attempt <= LISTING_TRIES; attempt++) {
      // Read before the first page is asked for: a count read alongside it could come after a change.
      const summary = attempt === 1 && known?.versionCount !== undefined ? known : await this.getPackage(pkg)
      if (!summary) return undefined
      // Pages of later tries are not reported: they repeat the work `onPage` already counted and started.
      const listing = await this.listPagesOnce(`GET ${route.prefix}/versions`, params, summary.versionCount, attempt === 1 ? onPage : undefined)
      last = { summary, versions: listing.versions, retried: problems }
      let problem = listing.problem
      if (!problem && listing.pages > 1) {
        const after = await this.getPackage(pkg)
        if (!after) return undefined
        problem = countProblem(summary.versionCount, after.versionCount, listing.versions.length)
      } else if (!problem) {
        // One page is one answer, a snapshot: it only has to hold every version.
        problem = countProblem(summary.versionCount, summary.versionCount, listing.versions.length)
      }
      if (!problem) return { summary, versions: listing.versions, retried: problems }
      problems.push(problem)
    }
    const seen = new Set<number>()
    const versions = (last?.versions ?? []).filter(v => !seen.has(v.id) && seen.add(v.id))
    const summary = last?.summary ?? { name: pkg.name, type: pkg.type }
    return { summary, versions, problem: `its versions changed while they were listed, ${LISTING_TRIES} times (${problems.join('; ')})`, retried: problems }
  }

  /**
   * One pass over the pages: as many as the first page's Link announces, or as the version count
   * needs when that is more (a Link announcing too few pages is never trusted alone). Says what
   * shows the listing changed meanwhile, if anything.
   */
  private async listPagesOnce(
    route: string,
    params: Record<string, string>,
    versionCount: number | undefined,
    onPage?: OnPage<PackageVersion>
  ): Promise<{ versions: PackageVersion[]; pages: number; problem?: string }> {
    const first = await this.fetchPage(route, params, 1, 'versionPages', toVersion, 'versions')
    const announced = first.lastPage ?? 1
    let pages = Math.max(announced, versionCount === undefined ? 1 : Math.ceil(versionCount / PER_PAGE))
    this.checkBudget(pages - 1)
    onPage?.(first.items, pages)
    const rest = await Promise.all(
      Array.from({ length: pages - 1 }, async (_, i) => {
        const page = await this.fetchPage(route, params, i + 2, 'versionPages', toVersion, 'versions')
        onPage?.(page.items, pages)
        return page
      })
    )
    const fetched = [first, ...rest]
    // Without a count, a full last page may hide more: follow until a page is not full.
    while (versionCount === undefined && (fetched.at(-1)?.items.length ?? 0) === PER_PAGE) {
      const page = await this.fetchPage(route, params, ++pages, 'versionPages', toVersion, 'versions')
      onPage?.(page.items, pages)
      fetched.push(page)
    }
    const versions = first.items.concat(...fetched.slice(1).map(page => page.items))
    const announcedLasts = new Set(fetched.map(page => page.lastPage).filter(last => last !== undefined))
    if (announcedLasts.size > 1) {
      return { versions, pages, problem: `the pages announced different page counts (${[...announcedLasts].sort((a, b) => a - b).join(', ')})` }
    }
    const seen = new Set<number>()
    for (const version of versions) {
      if (seen.has(version.id)) return { versions, pages, problem: `version ${version.id} was listed twice` }
      seen.add(version.id)
    }
    return { versions, pages }
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
