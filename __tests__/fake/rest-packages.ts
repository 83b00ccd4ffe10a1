// The GitHub Packages REST endpoints in their three owner forms (/orgs/{org}, /users/{username},
// /user), with GitHub's permission model as seen by a classic PAT and by a GITHUB_TOKEN.
import type { FakeRequest, FakeResponse, Route } from './server.js'
import { githubError, paginate, type Actor, type RestApi } from './rest-api.js'
import { packageBody, versionBody } from './bodies.js'
import { PACKAGE_TYPES, snapshotVersion, type Account, type FakeState, type FakeVersion, type FakeVersionSeed, type StoredPackage } from './state.js'

/**
 * A page of active versions just produced, handed to an onPageServed hook before it is sent. The
 * hook may act as another actor on the package (applied at once, so every later request sees it)
 * or change the response itself (odd data, a wrong Link header).
 */
export interface ServedPage extends OtherActor {
  page: number
  /** The answer about to be sent: `body` is the list of versions, `headers.link` the Link header. */
  response: FakeResponse
}

/** What another actor (a second run, a release job, a person) can do to a package at a chosen moment. */
export interface OtherActor {
  deleteVersion(id: number): void
  pushVersion(seed: Omit<FakeVersionSeed, 'created_at'> & { created_at?: string }): FakeVersion
  /** Moves these tags to the version (as a push of them does). */
  tag(id: number, tags: string[]): void
  /** `docker buildx imagetools create`: a new index over these existing versions, pushed with `tags`. */
  imagetoolsCreate(childIds: number[], tags: string[]): FakeVersion
}

/** Another actor acting on `pkg`: what it does applies at once. */
export function otherActor(state: FakeState, pkg: StoredPackage): OtherActor {
  const version = (id: number) => {
    const found = state.findVersion(pkg, id)
    if (!found || found.deletedAt) throw new Error(`fake GitHub: ${pkg.name} has no active version ${id}`)
    return found
  }
  return {
    deleteVersion: (id) => {
      const refusal = state.deleteVersion(pkg, version(id))
      if (refusal) throw new Error(`fake GitHub: the other actor could not delete ${id}: ${refusal}`)
    },
    pushVersion: (seed) => snapshotVersion(state.pushVersion(pkg, seed)),
    tag: (id, tags) => state.tag(pkg, version(id), tags),
    imagetoolsCreate: (childIds, tags) => snapshotVersion(state.imagetoolsCreate(pkg, childIds.map(version), tags))
  }
}

export type PageHook = (served: ServedPage) => void

/** Hooks by package and page of its active versions listing, each for a number of servings. */
export class PageHooks {
  private readonly hooks: Array<{ key: string; page: number; fn: PageHook; left: number }> = []

  add(owner: string, type: string, name: string, page: number, fn: PageHook, times: number): void {
    this.hooks.push({ key: `${owner.toLowerCase()}/${type}/${name}`, page, fn, left: times })
  }

  run(state: FakeState, pkg: StoredPackage, page: number, response: FakeResponse): void {
    const key = `${pkg.owner.login.toLowerCase()}/${pkg.type}/${pkg.name}`
    for (const hook of this.hooks) {
      if (hook.left <= 0 || hook.key !== key || hook.page !== page) continue
      hook.left--
      hook.fn({ page, response, ...otherActor(state, pkg) })
    }
  }
}

type OwnerForm = 'org' | 'user' | 'self'
type Operation =
  | 'list'
  | 'getPackage'
  | 'deletePackage'
  | 'restorePackage'
  | 'listVersions'
  | 'getVersion'
  | 'deleteVersion'
  | 'restoreVersion'

const PREFIX: Record<OwnerForm, string> = { org: '/orgs/{org}', user: '/users/{username}', self: '/user' }
const PACKAGE = '/packages/{package_type}/{package_name}'
const VERSION = `${PACKAGE}/versions/{package_version_id}`

const READ = 'read:packages'
const DELETE = 'delete:packages, read:packages'
const RESTORE = 'read:packages, write:packages'

// `scopes` is sent as x-accepted-oauth-scopes; `verb` completes "You need at least read:packages scope to …".
const OPERATIONS: Record<Operation, { method: string; path: string; scopes: string; verb: string }> = {
  list: { method: 'GET', path: '/packages', scopes: READ, verb: 'list packages' },
  getPackage: { method: 'GET', path: PACKAGE, scopes: READ, verb: 'get a package' },
  deletePackage: { method: 'DELETE', path: PACKAGE, scopes: DELETE, verb: 'delete a package' },
  restorePackage: { method: 'POST', path: `${PACKAGE}/restore`, scopes: RESTORE, verb: 'restore a package' },
  listVersions: { method: 'GET', path: `${PACKAGE}/versions`, scopes: READ, verb: "get a package's versions" },
  getVersion: { method: 'GET', path: VERSION, scopes: READ, verb: 'get a package version' },
  deleteVersion: { method: 'DELETE', path: VERSION, scopes: DELETE, verb: 'delete a package version' },
  restoreVersion: { method: 'POST', path: `${VERSION}/restore`, scopes: RESTORE, verb: 'restore a package version' }
}

// Anchors of GitHub's reference page, as the OpenAPI description's externalDocs give them.
const DOCS: Record<Operation, Record<OwnerForm, string>> = {
  list: {
    org: 'list-packages-for-an-organization',
    user: 'list-packages-for-a-user',
    self: 'list-packages-for-the-authenticated-users-namespace'
  },
  getPackage: {
    org: 'get-a-package-for-an-organization',
    user: 'get-a-package-for-a-user',
    self: 'get-a-package-for-the-authenticated-user'
  },
  deletePackage: {
    org: 'delete-a-package-for-an-organization',
    user: 'delete-a-package-for-a-user',
    self: 'delete-a-package-for-the-authenticated-user'
  },
  restorePackage: {
    org: 'restore-a-package-for-an-organization',
    user: 'restore-a-package-for-a-user',
    self: 'restore-a-package-for-the-authenticated-user'
  },
  listVersions: {
    org: 'list-package-versions-for-a-package-owned-by-an-organization',
    user: 'list-package-versions-for-a-package-owned-by-a-user',
    self: 'list-package-versions-for-a-package-owned-by-the-authenticated-user'
  },
  getVersion: {
    org: 'get-a-package-version-for-an-organization',
    user: 'get-a-package-version-for-a-user',
    self: 'get-a-package-version-for-the-authenticated-user'
  },
  deleteVersion: {
    org: 'delete-package-version-for-an-organization',
    user: 'delete-package-version-for-a-user',
    self: 'delete-a-package-version-for-the-authenticated-user'
  },
  restoreVersion: {
    org: 'restore-package-version-for-an-organization',
    user: 'restore-package-version-for-a-user',
    self: 'restore-a-package-version-for-the-authenticated-user'
  }
}

const INTEGRATION_REFUSAL = 'Resource not accessible by integration'
const PACKAGE_NOT_FOUND = 'Package not found.'
// Guessed wording: GitHub's message for an unknown version id is not documented.
const VERSION_NOT_FOUND = 'Package version not found.'
const VALID_TYPES = PACKAGE_TYPES.join(', ')

interface Call {
  req: FakeRequest
  actor: Actor
  form: OwnerForm
  docs: string
}

export function restPackageRoutes(api: RestApi, state: FakeState, pageHooks?: PageHooks): Route[] {
  const handlers: Record<Operation, (call: Call) => FakeResponse> = {
    list: (call) => listPackages(state, call),

    getPackage: (call) => {
      const pkg = findPackage(state, call)
      if (!isPackage(pkg)) return pkg
      return { status: 200, body: packageBody(pkg, state.versionCount(pkg), call.req.baseUrl) }
    },

    deletePackage: (call) => {
      const pkg = findPackage(state, call)
      if (!isPackage(pkg)) return pkg
      if (!mayChange(call.actor, pkg, 'delete:packages')) return githubError(404, PACKAGE_NOT_FOUND, call.docs)
      const refusal = state.deletePackage(pkg)
      return refusal ? githubError(400, refusal, call.docs) : { status: 204 }
    },

    restorePackage: (call) => {
      const pkg = findPackage(state, call, { includeDeleted: true })
      if (!isPackage(pkg)) return pkg
      if (!mayChange(call.actor, pkg, 'write:packages')) return githubError(404, PACKAGE_NOT_FOUND, call.docs)
      const outcome = state.restorePackage(pkg)
      // Guessed wording: restoring a package that is not deleted.
      if (outcome === 'not-deleted') return githubError(400, 'Package is not deleted.', call.docs)
      return outcome === 'restored' ? { status: 204 } : githubError(404, PACKAGE_NOT_FOUND, call.docs)
    },

    listVersions: (call) => {
      const pkg = findPackage(state, call)
      if (!isPackage(pkg)) return pkg
      const versionState = call.req.query.state ?? 'active'
      if (versionState !== 'active' && versionState !== 'deleted') {
        return githubError(400, `Invalid state '${versionState}': must be active or deleted.`, call.docs)
      }
      const page = paginate(call.req, state.listedVersionsOf(pkg, versionState))
      const response: FakeResponse = { status: 200, headers: page.headers, body: page.items.map((v) => versionBody(pkg, v, call.req.baseUrl)) }
      if (versionState === 'active') pageHooks?.run(state, pkg, Math.max(1, parseInt(call.req.query.page ?? '', 10) || 1), response)
      return response
    },

    getVersion: (call) => {
      const pkg = findPackage(state, call)
      if (!isPackage(pkg)) return pkg
      const version = findVersion(state, pkg, call)
      // A deleted version is gone as far as GET is concerned: that is how a client tells
      // "already deleted" from "not allowed to delete" after a 404 on DELETE.
      if (!version || version.deletedAt) return githubError(404, VERSION_NOT_FOUND, call.docs)
      return { status: 200, body: versionBody(pkg, version, call.req.baseUrl) }
    },

    deleteVersion: (call) => {
      const pkg = findPackage(state, call)
      if (!isPackage(pkg)) return pkg
      // GitHub hides what a token may not change: 404, not 403.
      if (!mayChange(call.actor, pkg, 'delete:packages')) return githubError(404, PACKAGE_NOT_FOUND, call.docs)
      const version = findVersion(state, pkg, call)
      if (!version || version.deletedAt) return githubError(404, VERSION_NOT_FOUND, call.docs)
      const refusal = state.deleteVersion(pkg, version)
      return refusal ? githubError(400, refusal, call.docs) : { status: 204 }
    },

    restoreVersion: (call) => {
      const pkg = findPackage(state, call)
      if (!isPackage(pkg)) return pkg
      if (!mayChange(call.actor, pkg, 'write:packages')) return githubError(404, PACKAGE_NOT_FOUND, call.docs)
      const version = findVersion(state, pkg, call)
      if (!version) return githubError(404, VERSION_NOT_FOUND, call.docs)
      // Guessed wording: restoring a version that is not deleted.
      if (state.restoreVersion(version) === 'not-deleted') return githubError(400, 'Package version is not deleted.', call.docs)
      return { status: 204 }
    }
  }

  const routes: Route[] = []
  for (const form of ['org', 'user', 'self'] as const) {
    for (const op of Object.keys(OPERATIONS) as Operation[]) {
      const { method, path, scopes, verb } = OPERATIONS[op]
      const docs = `https://docs.github.com/rest/packages/packages#${DOCS[op][form]}`
      routes.push(
        api.route({ method, template: PREFIX[form] + path, docs, acceptedScopes: scopes }, (req, actor) => {
          const call: Call = { req, actor: actor as Actor, form, docs }
          return refuseActor(call, op, verb) ?? handlers[op](call)
        })
      )
    }
  }
  return routes
}

/** Token-level refusals, before anything about the package is revealed. */
function refuseActor(call: Call, op: Operation, verb: string): FakeResponse | undefined {
  const { seed } = call.actor
  // A GITHUB_TOKEN has no user of its own, and cannot list packages.
  if (seed.kind === 'github-token' && (call.form === 'self' || op === 'list')) {
    return githubError(403, INTEGRATION_REFUSAL, call.docs)
  }
  if (seed.kind === 'pat' && !hasScope(call.actor, 'read:packages')) {
    return githubError(403, `You need at least read:packages scope to ${verb}.`, call.docs)
  }
  return undefined
}

function listPackages(state: FakeState, call: Call): FakeResponse {
  const { query } = call.req
  const type = query.package_type
  // Guessed wording: GitHub answers 400 here but its message is not documented.
  if (!type) return githubError(400, `package_type is required; it must be one of ${VALID_TYPES}.`, call.docs)
  if (!(PACKAGE_TYPES as readonly string[]).includes(type)) {
    return githubError(400, `Invalid package_type '${type}'; it must be one of ${VALID_TYPES}.`, call.docs)
  }
  const visibility = query.visibility
  if (visibility !== undefined && !['public', 'private', 'internal'].includes(visibility)) {
    return githubError(400, `Invalid visibility '${visibility}'; it must be one of public, private, internal.`, call.docs)
  }
  const page = Number(query.page ?? 1)
  const perPage = Number(query.per_page ?? 30)
  if (page * perPage > 10_000) {
    return githubError(400, 'The value of `per_page` multiplied by `page` cannot be greater than 10000.', call.docs)
  }
  const owner = resolveOwner(state, call)
  if (!owner) return githubError(404, 'Not Found', call.docs)
  const packages = state
    .listPackages(owner, type as StoredPackage['type'])
    .filter((p) => canSee(call, p) && (visibility === undefined || p.visibility === visibility))
  const result = paginate(call.req, packages)
  return {
    status: 200,
    headers: result.headers,
    body: result.items.map((p) => packageBody(p, state.versionCount(p), call.req.baseUrl))
  }
}

/** The account the path names: /orgs/ must name an organization, /users/ a user, /user the PAT's own. */
function resolveOwner(state: FakeState, call: Call): Account | undefined {
  const { params } = call.req
  if (call.form === 'self') return call.actor.seed.login ? state.account(call.actor.seed.login) : undefined
  const account = state.account(call.form === 'org' ? (params.org ?? '') : (params.username ?? ''))
  const expected = call.form === 'org' ? 'Organization' : 'User'
  return account?.type === expected ? account : undefined
}

function findPackage(
  state: FakeState,
  call: Call,
  { includeDeleted = false } = {}
): StoredPackage | FakeResponse {
  const owner = resolveOwner(state, call)
  const { package_type: type = '', package_name: name = '' } = call.req.params
  const pkg = owner ? state.findPackage(owner.login, type, name) : undefined
  if (!pkg || (pkg.deletedAt && !includeDeleted) || !canSee(call, pkg)) {
    return githubError(404, PACKAGE_NOT_FOUND, call.docs)
  }
  return pkg
}

function isPackage(value: StoredPackage | FakeResponse): value is StoredPackage {
  return 'versions' in value
}

function findVersion(state: FakeState, pkg: StoredPackage, call: Call) {
  const id = call.req.params.package_version_id ?? ''
  return /^\d+$/.test(id) ? state.findVersion(pkg, Number(id)) : undefined
}

/** Who may see a package through this owner form. */
function canSee(call: Call, pkg: StoredPackage): boolean {
  if (call.form === 'self') return true // the PAT's own namespace, private packages included
  // A user's private packages are served only through /user, to that user.
  if (call.form === 'user') return pkg.visibility === 'public'
  return mayRead(call.actor, pkg)
}

/** Who may read a package whatever the way of asking: the org form's rule, and the registry's pull rule. */
export function mayRead(actor: Actor | undefined, pkg: StoredPackage): boolean {
  if (pkg.visibility === 'public') return true
  if (!actor) return false
  // Simplification: a PAT's user is taken to be a member of every seeded organization.
  if (actor.seed.kind === 'pat') {
    return hasScope(actor, 'read:packages') && (pkg.owner.type === 'Organization' || sameLogin(actor.seed.login, pkg.owner.login))
  }
  return sameLogin(actor.owner, pkg.owner.login) || hasAdmin(actor, pkg)
}

/** Delete needs delete:packages, restore write:packages (PAT), or Admin on the package (GITHUB_TOKEN). */
function mayChange(actor: Actor, pkg: StoredPackage, scope: 'delete:packages' | 'write:packages'): boolean {
  if (actor.seed.kind === 'github-token') return hasAdmin(actor, pkg)
  // Simplification: a PAT's user administers every seeded organization and its own packages only.
  const ownsOrAdministers = pkg.owner.type === 'Organization' || sameLogin(actor.seed.login, pkg.owner.login)
  return hasScope(actor, scope) && ownsOrAdministers
}

function hasAdmin(actor: Actor, pkg: StoredPackage): boolean {
  return (actor.seed.adminOn ?? []).some((key) => {
    const [owner, type, ...name] = key.split('/')
    return sameLogin(owner, pkg.owner.login) && type === pkg.type && name.join('/') === pkg.name
  })
}

/** write:packages includes read:packages, as in GitHub's scope hierarchy. */
function hasScope(actor: Actor, scope: string): boolean {
  const scopes = actor.seed.scopes ?? []
  return scopes.includes(scope) || (scope === 'read:packages' && scopes.includes('write:packages'))
}

function sameLogin(a: string | undefined, b: string): boolean {
  return a !== undefined && a.toLowerCase() === b.toLowerCase()
}
