// A local fake of GitHub's REST API for GitHub Packages and of its container registry (ghcr.io),
// over real HTTP on 127.0.0.1, both on one port. Used in-process by jest tests, by end-to-end
// tests that run dist/index.js with GITHUB_API_URL (and the registry-url input) pointing here,
// and by scripts/demo.ts.
//
//   const web = multiArchImage({ tags: ['latest'], created_at: '2024-05-01T00:00:00Z', platforms: ['linux/amd64', 'linux/arm64'] })
//   const fake = await FakeGitHub.start({
//     accounts: [{ login: 'acme', type: 'Organization' }, { login: 'octocat', type: 'User' }],
//     tokens: [{ token: 'ghp_test', kind: 'pat', login: 'octocat', scopes: ['read:packages', 'delete:packages'] }],
//     packages: [{ owner: 'acme', package_type: 'container', name: 'web', versions: [
//       ...web.versions,                                          // images.ts: real manifests
//       { tags: ['old'], created_at: '2024-04-01T00:00:00Z' }] }]  // a generated one, named by its digest
//   })
//   // … run the client with GITHUB_API_URL = registry-url = fake.url …
//   expect(fake.mutations()).toHaveLength(0)
//   expect(fake.versions('acme', 'container', 'web')).toHaveLength(4)
//   expect(fake.brokenImages()).toEqual([])
//   await fake.stop()
//
// Container versions are always named by the digest of the manifest the registry serves: give
// a manifest (images.ts builds them) or neither name nor manifest; a name alone is refused.
//
// Layout: server.ts (HTTP, recording, faults), rest-api.ts (auth, rate limits, errors, Link),
// rest-packages.ts and rest-users.ts (routes), registry.ts (the OCI registry), state.ts (data
// and GitHub's rules), bodies.ts (JSON shapes), images.ts (manifests as build tools push them).
import { Faults, type FaultOptions, type ScriptedFault } from './faults.js'
import type { PrimaryLimitOptions, SecondaryLimitOptions } from './rate-limits.js'
import { RestApi, type FakeTokenSeed } from './rest-api.js'
import { otherActor, PageHooks, restPackageRoutes, type OtherActor, type PageHook } from './rest-packages.js'
import { isRegistryPath, Registry, type BrokenImage, type RegistryOptions, type TagsListHook } from './registry.js'
import { restUserRoutes } from './rest-users.js'
import { FakeServer, type FakeRequest, type RecordedRequest } from './server.js'
import { FakeState, snapshotVersion, type FakeAccountSeed, type FakePackageSeed, type FakeVersion, type FakeVersionSeed } from './state.js'

export type { FaultOptions, ScriptedFault } from './faults.js'
export type { PrimaryLimitOptions, SecondaryLimitOptions } from './rate-limits.js'
export { peakPointsPerMinute } from './rate-limits.js'
export type { FakeTokenSeed } from './rest-api.js'
export type { OtherActor, PageHook, ServedPage } from './rest-packages.js'
export type { BrokenImage, RegistryOptions, ServedTagsList, TagsListHook } from './registry.js'
export type { FakeRequest, RecordedRequest } from './server.js'
export type { FakeAccountSeed, FakeManifestSeed, FakePackageSeed, FakeVersion, FakeVersionSeed, PackageType, Visibility } from './state.js'
export * from './images.js'

interface RequestHook {
  matches: (req: FakeRequest) => boolean
  fn: (req: FakeRequest) => void
  left: number
}

export interface FakeOptions {
  accounts: FakeAccountSeed[]
  tokens: FakeTokenSeed[]
  packages: FakePackageSeed[]
  /** Primary limit, per token; default 5000 (PAT) / 1000 (GITHUB_TOKEN). */
  rateLimit?: PrimaryLimitOptions
  /**
   * Secondary limits, on by default as on GitHub: 900 points a minute per token across the REST
   * API (GET 1, anything else 5) and 100 requests in flight; false turns them off.
   */
  secondary?: SecondaryLimitOptions | false
  /** The container registry's limits (429 TOOMANYREQUESTS beyond them) and token lifetime. */
  registry?: RegistryOptions
  /** Random faults, reproducible from the seed; they hit registry routes too. */
  faults?: FaultOptions
  /** Clock for deleted_at and the 30-day restore window; default real time. */
  now?: () => Date
}

export class FakeGitHub {
  /** Fakes started and not yet stopped in this process. */
  private static readonly running = new Set<FakeGitHub>()

  /** Secondary-limit refusals of every fake running in this process (the e2e helper checks that a run added none). */
  static secondaryRefusalsOfRunning(): number {
    let refusals = 0
    for (const fake of FakeGitHub.running) refusals += fake.secondaryRefusals
    return refusals
  }

  private constructor(
    private readonly server: FakeServer,
    private readonly state: FakeState,
    private readonly api: RestApi,
    private readonly registry: Registry,
    private readonly faults: Faults,
    private readonly pageHooks: PageHooks,
    private readonly requestHooks: RequestHook[]
  ) {}

  static async start(options: FakeOptions): Promise<FakeGitHub> {
    const state = new FakeState(options.accounts, options.packages, options.now ?? (() => new Date()))
    const api = new RestApi(state, { tokens: options.tokens, rateLimit: options.rateLimit, secondary: options.secondary })
    const registry = new Registry(state, api, options.registry)
    const faults = new Faults(options.faults)
    const pageHooks = new PageHooks()
    const requestHooks: RequestHook[] = []
    // Hooks that act before a request is handled (another actor at the Kth request, or before a given one).
    const routes = [...restUserRoutes(api, state), api.rateLimitRoute(), ...restPackageRoutes(api, state, pageHooks), ...registry.routes()].map((route) => ({
      ...route,
      handler: (req: FakeRequest) => {
        for (const hook of requestHooks) {
          if (hook.left > 0 && hook.matches(req)) {
            hook.left--
            hook.fn(req)
          }
        }
        return route.handler(req)
      }
    }))
    const notFound = (req: FakeRequest) => (isRegistryPath(req.path) ? registry.notFound(req) : api.notFound(req))
    const server = await FakeServer.start({ routes, notFound, faults, isRegistryPath })
    const fake = new FakeGitHub(server, state, api, registry, faults, pageHooks, requestHooks)
    FakeGitHub.running.add(fake)
    return fake
  }

  /** "http://127.0.0.1:PORT"; use as GITHUB_API_URL / Octokit baseUrl, and as the registry-url input. */
  get url(): string {
    return this.server.baseUrl
  }

  /** Every request in arrival order (live array). */
  get requests(): readonly RecordedRequest[] {
    return this.server.requests
  }

  /** Requests to the container registry (/v2/…, /token), in arrival order. */
  registryRequests(): RecordedRequest[] {
    return this.server.requests.filter((r) => r.registry)
  }

  /** Every registry token issued so far: none of them may appear in logs, outputs or files. */
  get issuedRegistryTokens(): readonly string[] {
    return this.registry.issuedTokens
  }

  /** Active indexes listing a manifest that is no longer an active version of their package (pulls would fail). */
  brokenImages(): BrokenImage[] {
    return this.registry.brokenImages()
  }

  /** The active indexes of container package `name` and the digests each lists. */
  indexes(owner: string, name: string): Array<{ id: number; tags: string[]; children: string[] }> {
    return this.registry.indexes(`${owner}/${name}`.toLowerCase())
  }

  /** The routes the fake serves (method and path template), e.g. to check them against GitHub's OpenAPI description; registry routes are marked. */
  routes(): Array<{ method: string; template: string; registry?: true }> {
    return this.server.routeList
  }

  /** Requests that may change something: everything but GET and HEAD (a registry DELETE attempt included). */
  mutations(): RecordedRequest[] {
    return this.server.requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD')
  }

  /** Requests refused by the secondary rate limit so far. */
  get secondaryRefusals(): number {
    return this.api.secondaryRefusals
  }

  /** The versions the fake holds now, newest first; deleted ones only while still restorable. */
  versions(owner: string, type: string, name: string, state: 'active' | 'deleted' = 'active'): FakeVersion[] {
    const pkg = this.state.findPackage(owner, type, name)
    return pkg ? this.state.versionsOf(pkg, state).map(snapshotVersion) : []
  }

  /** The package exists and is not deleted. */
  packageExists(owner: string, type: string, name: string): boolean {
    const pkg = this.state.findPackage(owner, type, name)
    return pkg !== undefined && !pkg.deletedAt
  }

  /**
   * Push a new package now, e.g. under the name of a deleted package (namespace reuse): from then
   * on the name stands for the new package, so the old one and its versions cannot be restored.
   * Refused while an active package has that name.
   */
  publishPackage(seed: FakePackageSeed): void {
    this.state.publishPackage(seed)
  }

  /**
   * Script a failure for the next matching request(s), e.g. { method: 'DELETE', pathIncludes: '/versions/12', status: 500, times: 2 },
   * { pathIncludes: '/v2/acme/web/manifests/', status: 429, headers: { 'retry-after': '1' } } (a registry error body there),
   * or { pathIncludes: '/versions', query: { page: '7' }, hang: true, times: 3 } (no answer at all).
   */
  /**
   * Push a version now to an existing package (the newest id); its tags move to it from whichever
   * version had them, deleted ones included, as a registry moves a tag. Returns its snapshot.
   */
  pushVersion(owner: string, type: string, name: string, seed: FakeVersionSeed): FakeVersion {
    const pkg = this.state.findPackage(owner, type, name)
    if (!pkg || pkg.deletedAt) throw new Error(`fake GitHub: no active package ${owner}/${type}/${name} to push to`)
    return snapshotVersion(this.state.pushVersion(pkg, seed))
  }

  failNext(fault: ScriptedFault): void {
    this.faults.failNext(fault)
  }

  /**
   * Play another actor (a second run, a PR-close workflow, a person) or serve odd data: `fn` runs
   * right after page `page` of the package's active versions is produced, before it is sent, for
   * the next `times` servings of that page (default 1; Infinity: every time). What it does to the
   * package applies at once, so every later request sees it:
   *   fake.onPageServed('acme', 'container', 'web', 1, (served) => served.deleteVersion(1234))
   *   fake.onPageServed('acme', 'npm', 'lib', 1, (served) => { served.response.body = { oops: true } }, { times: Infinity })
   */
  onPageServed(owner: string, type: string, name: string, page: number, fn: PageHook, { times = 1 }: { times?: number } = {}): void {
    this.pageHooks.add(owner, type, name, page, fn, times)
  }

  /**
   * Play another actor when the registry's tags list of container package `name` is about to be
   * served (it may change the package first), or serve a lagging list (`served.tags = [...]`).
   */
  onTagsListServed(owner: string, name: string, fn: TagsListHook, { times = 1 }: { times?: number } = {}): void {
    this.registry.onTagsListServed(`${owner}/${name}`.toLowerCase(), fn, times)
  }

  /**
   * What GitHub reports as the package's version_count, from the true count: a wrong one
   * (actual => actual + 1), a lagging one (() => 12), or none at all (() => undefined).
   */
  setVersionCount(owner: string, type: string, name: string, count: (actual: number) => number | undefined): void {
    const pkg = this.state.findPackage(owner, type, name)
    if (!pkg) throw new Error(`fake GitHub: no package ${owner}/${type}/${name}`)
    this.state.versionCounts.set(pkg, count)
  }

  /** Another actor acting on a package now (push, delete, retag, imagetools create). */
  actor(owner: string, type: string, name: string): OtherActor {
    const pkg = this.state.findPackage(owner, type, name)
    if (!pkg) throw new Error(`fake GitHub: no package ${owner}/${type}/${name}`)
    return otherActor(this.state, pkg)
  }

  /**
   * Run `fn` right before the next `times` requests that `matches` are handled (after routing):
   * another actor acting at a chosen moment, e.g. between the action's count and its first page.
   */
  beforeRequest(matches: (req: FakeRequest) => boolean, fn: (req: FakeRequest) => void, { times = 1 }: { times?: number } = {}): void {
    this.requestHooks.push({ matches, fn, left: times })
  }

  resetRequests(): void {
    this.server.requests.length = 0
  }

  stop(): Promise<void> {
    FakeGitHub.running.delete(this)
    return this.server.stop()
  }
}
