// A local fake of GitHub's REST API for GitHub Packages, over real HTTP on 127.0.0.1.
// Used in-process by jest tests, by end-to-end tests that run dist/index.js with
// GITHUB_API_URL pointing here, and by scripts/demo.ts.
//
//   const fake = await FakeGitHub.start({
//     accounts: [{ login: 'acme', type: 'Organization' }, { login: 'octocat', type: 'User' }],
//     tokens: [{ token: 'ghp_test', kind: 'pat', login: 'octocat', scopes: ['read:packages', 'delete:packages'] }],
//     packages: [{ owner: 'acme', package_type: 'container', name: 'web', versions: [
//       { name: 'sha256:…', tags: ['latest'], created_at: '2024-05-01T00:00:00Z' }] }]
//   })
//   // … run the client with GITHUB_API_URL = fake.url …
//   expect(fake.mutations()).toHaveLength(0)
//   expect(fake.versions('acme', 'container', 'web')).toHaveLength(1)
//   await fake.stop()
//
// Layout: server.ts (HTTP, recording, faults), rest-api.ts (auth, rate limits, errors, Link),
// rest-packages.ts and rest-users.ts (routes), state.ts (data and GitHub's rules), bodies.ts
// (JSON shapes). Another surface (an OCI registry) adds its own route module next to these.
import { Faults, type FaultOptions, type ScriptedFault } from './faults.js'
import type { PrimaryLimitOptions, SecondaryLimitOptions } from './rate-limits.js'
import { RestApi, type FakeTokenSeed } from './rest-api.js'
import { restPackageRoutes } from './rest-packages.js'
import { restUserRoutes } from './rest-users.js'
import { FakeServer, type RecordedRequest } from './server.js'
import { FakeState, snapshotVersion, type FakeAccountSeed, type FakePackageSeed, type FakeVersion } from './state.js'

export type { FaultOptions, ScriptedFault } from './faults.js'
export type { PrimaryLimitOptions, SecondaryLimitOptions } from './rate-limits.js'
export type { FakeTokenSeed } from './rest-api.js'
export type { RecordedRequest } from './server.js'
export type { FakeAccountSeed, FakePackageSeed, FakeVersion, FakeVersionSeed, PackageType, Visibility } from './state.js'

export interface FakeOptions {
  accounts: FakeAccountSeed[]
  tokens: FakeTokenSeed[]
  packages: FakePackageSeed[]
  /** Primary limit, per token; default 5000 (PAT) / 1000 (GITHUB_TOKEN). */
  rateLimit?: PrimaryLimitOptions
  /** Secondary limits; off unless given (GitHub: 900 points/min per endpoint, 100 concurrent). */
  secondary?: SecondaryLimitOptions
  /** Random faults, reproducible from the seed. */
  faults?: FaultOptions
  /** Clock for deleted_at and the 30-day restore window; default real time. */
  now?: () => Date
}

export class FakeGitHub {
  private constructor(
    private readonly server: FakeServer,
    private readonly state: FakeState,
    private readonly api: RestApi,
    private readonly faults: Faults
  ) {}

  static async start(options: FakeOptions): Promise<FakeGitHub> {
    const state = new FakeState(options.accounts, options.packages, options.now ?? (() => new Date()))
    const api = new RestApi(state, { tokens: options.tokens, rateLimit: options.rateLimit, secondary: options.secondary })
    const faults = new Faults(options.faults)
    const routes = [...restUserRoutes(api, state), api.rateLimitRoute(), ...restPackageRoutes(api, state)]
    const server = await FakeServer.start({ routes, notFound: api.notFound, faults })
    return new FakeGitHub(server, state, api, faults)
  }

  /** "http://127.0.0.1:PORT"; use as GITHUB_API_URL / Octokit baseUrl. */
  get url(): string {
    return this.server.baseUrl
  }

  /** Every request in arrival order (live array). */
  get requests(): readonly RecordedRequest[] {
    return this.server.requests
  }

  /** The routes the fake serves (method and path template), e.g. to check them against GitHub's OpenAPI description. */
  routes(): Array<{ method: string; template: string }> {
    return this.server.routeList
  }

  /** Requests that may change something: everything but GET and HEAD. */
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

  /** Script a failure for the next matching request(s), e.g. { method: 'DELETE', pathIncludes: '/versions/12', status: 500, times: 2 }. */
  failNext(fault: ScriptedFault): void {
    this.faults.failNext(fault)
  }

  resetRequests(): void {
    this.server.requests.length = 0
  }

  stop(): Promise<void> {
    return this.server.stop()
  }
}
