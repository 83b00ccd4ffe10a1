// Inventory: which owner, which packages the policy's rules name, and every active version of
// each, with as few requests as GitHub allows (per_page=100, pages fetched concurrently).
import * as core from '@actions/core'
import type { PackageInventory, PackageRef, PackageType, PackageVersion, Policy } from '../model.js'
import { packageKey } from '../model.js'
import { AnswerTooLargeError, classifyError, explainAccessError, FatalError, githubMessage, isActionsTokenRefusal, ListingBudgetError } from '../github/errors.js'
import type { OwnerRef, PackagesApi, PackageSummary } from '../github/packages-api.js'
import { compilePackageNameFilter } from '../policy/glob.js'
import { packagesNotReached } from './glob-reach.js'
import { RegistryError } from '../registry/errors.js'
import { listPackageView, type ListedView, type TagsSource } from './view-listing.js'
import { isRunStopped } from '../run-control.js'

export interface Inventory {
  owner: OwnerRef
  packages: PackageInventory[]
  /** Packages a rule names literally that do not exist (or the token cannot see). */
  missing: string[]
  /** (1.2) Listed packages no rule chose that a rule's glob would reach if `*` crossed `/` (`*` skips `team/tools`). */
  notReached: string[]
}

/** Organization, another user, or the token's own account (needed for a user's private packages). */
export async function resolveOwner(api: PackagesApi, login: string): Promise<OwnerRef> {
  let type: 'Organization' | 'User'
  try {
    type = await api.getAccountType(login)
  } catch (error) {
    if (classifyError(error) === 'not-found') {
      throw new FatalError(`Owner '${login}' does not exist on this GitHub instance. Check the \`owner\` input or the policy's \`owner\`.`)
    }
    throw new FatalError(explainAccessError(error, `looking up owner '${login}'`))
  }
  if (type === 'Organization') return { login, kind: 'org' }
  const self = await api.getAuthenticatedLogin()
  return { login, kind: self && self.toLowerCase() === login.toLowerCase() ? 'self' : 'user' }
}

interface Target {
  type: PackageType
  name: string
  /** Known from the listing; literal names are looked up. */
  summary?: PackageSummary
}

/** The packages the rules select: literal names as given, globbed ones by listing (once per type); and those a glob did not reach. */
async function resolveTargets(api: PackagesApi, owner: OwnerRef, policy: Policy): Promise<{ targets: Target[]; notReached: string[] }> {
  const targets = new Map<string, Target>()
  const listings = new Map<PackageType, Promise<PackageSummary[]>>()
  for (const rule of policy.rules) {
    const { type, names } = rule.packages
    const filter = compilePackageNameFilter(names)
    for (const name of filter.literalNames) {
      const key = packageKey({ type, name })
      if (!targets.has(key)) targets.set(key, { type, name })
    }
    if (!filter.needsListing) continue
    if (!listings.has(type)) listings.set(type, listOrExplain(api, owner, type, rule.name, names))
    for (const summary of await listings.get(type)!) {
      if (!filter.matches(summary.name)) continue
      targets.set(packageKey({ type, name: summary.name }), { type, name: summary.name, summary })
    }
  }
  const notReached: string[] = []
  for (const [type, listing] of listings) {
    const names = (await listing).map(summary => summary.name)
    notReached.push(...packagesNotReached(policy.rules, type, names).map(name => packageKey({ type, name })))
  }
  return { targets: [...targets.values()], notReached: notReached.sort() }
}

async function listOrExplain(api: PackagesApi, owner: OwnerRef, type: PackageType, ruleName: string, names: string[]): Promise<PackageSummary[]> {
  try {
    return await api.listPackages(owner, type)
  } catch (error) {
    const kind = classifyError(error)
    if (error instanceof ListingBudgetError || kind === 'rate-limited') {
      throw new FatalError(explainAccessError(error, `listing the ${type} packages of '${owner.login}'`))
    }
    const globs = names.filter(n => !n.startsWith('!')).join(', ')
    const needs = `Rule '${ruleName}' selects ${type} packages by glob (${globs}), which needs listing the packages of '${owner.login}'`
    if (isActionsTokenRefusal(error)) {
      // One fix, not a permission to grant: no permission lets the Actions GITHUB_TOKEN list packages.
      throw new FatalError(
        `${needs}, and GitHub refused it (${githubMessage(error)}): an Actions GITHUB_TOKEN cannot list packages, whatever its permissions. ` +
          'Either name the packages literally in packages.names (the GITHUB_TOKEN can read packages by name), or pass a classic personal access token with read:packages (and delete:packages to delete) as the `token` input.'
      )
    }
    if (kind === 'forbidden' || kind === 'unauthorized') {
      throw new FatalError(
        `${needs}. ${explainAccessError(error, `listing ${type} packages of '${owner.login}'`)} ` +
          'Alternatively, name the packages literally in packages.names.'
      )
    }
    throw new FatalError(explainAccessError(error, `listing the ${type} packages of '${owner.login}'`))
  }
}

/** Called with each page of a package's versions as it arrives (to start work that needs no more), and the package's page count. */
export type OnVersionsListed = (pkg: PackageRef, versions: PackageVersion[], pages: number) => void

/**
 * Every package the rules name, each with its view (view-listing.ts). `tags` serves the registry's
 * tags list of container packages (the view's cross-check); without it the view has no tags list.
 */
export async function collectInventory(api: PackagesApi, owner: OwnerRef, policy: Policy, onVersionsListed?: OnVersionsListed, tags?: TagsSource): Promise<Inventory> {
  const { targets, notReached } = await resolveTargets(api, owner, policy)
  if (notReached.length > 0) {
    core.info(
      `Not reached by a glob (a glob's * does not cross /): ${notReached.join(', ')}. Write ** (or team/*) in packages.names to include them, or exclude them with !name.`
    )
  }
  const missing: string[] = []
  const results = await Promise.all(
    targets.map(async (target): Promise<PackageInventory | undefined> => {
      const ref: PackageRef = { owner: owner.login, ownerKind: owner.kind, type: target.type, name: target.name }
      try {
        let listing: ListedView | undefined
        try {
          listing = await listPackageView(api, tags, ref, onVersionsListed && ((page, pages) => onVersionsListed(ref, page, pages)), target.summary)
        } catch (error) {
          // The registry's tags list could not be had (too large, refused, failing): the view lacks its cross-check.
          if (!(error instanceof RegistryError)) throw error
          return { package: ref, versions: [], references: [], unreadable: [{ digest: 'tags/list', reason: `the registry's tags list: ${error.message}` }] }
        }
        if (!listing) {
          missing.push(packageKey(ref))
          return undefined
        }
        ref.visibility = listing.summary.visibility
        for (const change of listing.relisted) core.info(`${packageKey(ref)}: listed again (${change}).`)
        const { view } = listing
        const changed = [view.added.length > 0 && `${view.added.length} new`, view.gone.length > 0 && `${view.gone.length} gone`, view.retagged.length > 0 && `${view.retagged.length} retagged`, view.servedOnly.length > 0 && `${view.servedOnly.length} tag(s) served but not listed`].filter(Boolean)
        core.info(`${packageKey(ref)}: ${listing.versions.length} active version(s)${ref.visibility ? `, ${ref.visibility}` : ''} (${view.looks.join(', ')}${changed.length > 0 ? `; ${changed.join(', ')}` : ''})`)
        const inventory: PackageInventory = { package: ref, versions: listing.versions, references: [], unreadable: [], view }
        if (listing.problem) inventory.listingProblem = listing.problem
        return inventory
      } catch (error) {
        // An answer too large to read, or the run stopped (cancelled, a wait too long) before the listing was complete.
        const untouched = untouchedBy(error, packageKey(ref))
        if (untouched) return { package: ref, versions: [], references: [], unreadable: [], untouched }
        if (classifyError(error) === 'not-found') {
          missing.push(packageKey(ref))
          return undefined
        }
        throw new FatalError(explainAccessError(error, `listing the versions of ${packageKey(ref)} owned by '${owner.login}'`))
      }
    })
  )
  return { owner, packages: results.filter((p): p is PackageInventory => p !== undefined), missing: missing.sort(), notReached }
}

/** Why a package whose listing ended with `error` is left untouched, when that is the answer (not a failure of the run). */
function untouchedBy(error: unknown, key: string): PackageInventory['untouched'] {
  if (error instanceof AnswerTooLargeError) {
    return {
      reason: 'kept: package left untouched, an answer listing it was too large to read',
      warning: `left untouched: ${key}: ${error.message}. Nothing in this package is deleted; the other packages go on.`
    }
  }
  if (isRunStopped(error)) {
    return {
      reason: 'kept: package left untouched, the run stopped before its versions were listed',
      warning: `left untouched: ${key} was not completely listed before the run stopped (${error.stop.reason}); nothing in this package is deleted.`
    }
  }
  return undefined
}
