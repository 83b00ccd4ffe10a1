// The GitHub Packages operations the pipeline needs, over the three owner path forms:
// /orgs/{org}/..., /users/{username}/..., /user/... (the token's own account).
import type { OwnerKind, PackageRef, PackageType, PackageVersion } from '../model.js'
import type { Octokit } from './client.js'
import { classifyError, ListingBudgetError } from './errors.js'
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

/** A version as the REST API lists it (the fields the pipeline reads). */
export interface RawVersion {
  id: number
  name: string
  created_at: string
  updated_at: string
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
  return {
    id: raw.id,
    name: raw.name,
    tags: tags && tags.length > 0 ? tags : NO_TAGS,
    createdAt: raw.created_at,
    updatedAt: raw.updated_at === raw.created_at ? raw.created_at : raw.updated_at
  }
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
    return this.fetchAllPages(`GET ${route.prefix}/packages`, { ...route.params, package_type: type }, 'packagePages', toPackageSummary)
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

  /** Every version in `state`; `onPage` sees each page's versions as it arrives (in no particular order). */
  async listVersions(pkg: PackageRef, state: 'active' | 'deleted' = 'active', onPage?: OnPage<PackageVersion>): Promise<PackageVersion[]> {
    const route = packageRoute(pkg)
    const versions = await this.fetchAllPages(`GET ${route.prefix}/versions`, { ...route.params, state }, 'versionPages', toVersion, onPage)
    const seen = new Set<number>()
    // Pages fetched concurrently can overlap when versions are pushed meanwhile.
    return versions.filter(v => !seen.has(v.id) && seen.add(v.id))
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
   * page's Link header says how many pages there are.
   */
  private async fetchAllPages<Raw, T>(
    route: string,
    params: Record<string, string | number>,
    counter: keyof ListingStats,
    toItem: (raw: Raw) => T,
    onPage?: OnPage<T>
  ): Promise<T[]> {
    const fetchPage = async (page: number): Promise<{ items: T[]; link?: string }> => {
      // Octokit's own JSON parser keeps integers beyond 2^53 exact and costs about ten times
      // JSON.parse; ids and counts in these lists are far below 2^53, so pages are parsed here.
      const response = await this.octokit.request(route, { ...params, per_page: PER_PAGE, page, request: { parseSuccessResponseBody: false } })
      this.stats[counter]++
      const raws = JSON.parse(await new Response(response.data as ReadableStream<Uint8Array> | null).text()) as Raw[]
      // Mapped once, as the page arrives; `onPage` and the result share the items.
      return { items: raws.map(toItem), link: response.headers.link }
    }
    const first = await fetchPage(1)
    const lastPage = lastPageFromLink(first.link) ?? 1
    const limit = this.rateLimit.snapshot
    if (limit && lastPage - 1 > limit.remaining) throw new ListingBudgetError(lastPage - 1, limit.remaining, limit.limit, limit.reset)
    onPage?.(first.items, lastPage)
    const rest = await Promise.all(
      Array.from({ length: lastPage - 1 }, async (_, i) => {
        const page = await fetchPage(i + 2)
        onPage?.(page.items, lastPage)
        return page
      })
    )
    return first.items.concat(...rest.map(page => page.items))
  }
}
