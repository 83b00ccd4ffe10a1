// Restore: put back the versions an earlier run deleted, as its plan file records them.
//
// Order: within a package, dependants before what they belong to (a platform manifest before
// its index), the reverse of deletion, so an interrupted restore leaves orphans for a moment but
// never an index whose platforms are missing. A whole-package deletion is undone with one
// restore of the package.
//
// A refused restore is explained from what GitHub still shows, not from its wording (which is
// not documented): the version is there already (restored earlier: not a failure), the package
// name now belongs to a new package (namespace reused), GitHub no longer keeps the version (its
// 30 days are over), or GitHub keeps it but the token may not restore it. A permission refusal
// stops that package: its other versions would only draw the same refusal (as deletion stops a
// package at its first refusal).
//
// What a restore gives back is read back from GitHub afterwards: a version comes back with the
// tags it still owns, and a tag pushed to another version since (`latest` moved to a newer
// build) stays there. Each restored version reports its tags now and where its old tags went.
import { PACKAGE_TYPES, type PackageRef } from '../model.js'
import { classifyError, describeError } from '../github/errors.js'
import type { PlanFile } from '../report/plan-file.js'
import { Progress } from '../progress.js'

export interface RestoreApi {
  restoreVersion(pkg: PackageRef, id: number): Promise<void>
  restorePackage(pkg: PackageRef): Promise<void>
  /** 'active' when GitHub serves the version, else 'gone'. */
  versionState(pkg: PackageRef, id: number): Promise<'active' | 'gone'>
  /** Undefined when no package has that name (or the token cannot see it). */
  getPackage(pkg: PackageRef): Promise<object | undefined>
  listVersions(pkg: PackageRef, state: 'active' | 'deleted'): Promise<ListedVersion[]>
}

export interface ListedVersion {
  id: number
  name: string
  tags: string[]
}

/** An old tag of a restored version that GitHub now shows on another version (or on none). */
export interface MovedTag {
  tag: string
  /** The version that has it now; absent when no version has it. */
  versionId?: number
  versionName?: string
}

export type RestoreOutcome = 'restored' | 'would restore' | 'already present' | 'failed'

export interface RestoreItem {
  packageKey: string
  id: number
  name: string
  /** The tags it had when it was deleted, as the plan file records them. */
  tags: string[]
  outcome: RestoreOutcome
  detail: string
  /** Restored or already present: its tags as GitHub lists them after the restore (absent when they could not be read). */
  tagsAfter?: string[]
  /** Old tags it did not get back: they belong to another version now. */
  movedTags?: MovedTag[]
}

export interface RestoreResult {
  items: RestoreItem[]
  restored: number
  /** Already there (restored by an earlier run, or never deleted): nothing to do, not a failure. */
  present: number
  failed: number
}

/** GitHub keeps deleted packages and versions restorable for this long. */
export const RESTORE_WINDOW_DAYS = 30

const PERMISSION_ADVICE =
  'restoring needs a classic personal access token with read:packages and write:packages, or for a GITHUB_TOKEN the Admin role on the package ' +
  "for the workflow's repository (package settings → Manage Actions access) and `permissions: packages: write`"

interface TargetVersion {
  id: number
  name: string
  tags: string[]
}

export interface RestoreTarget {
  pkg: PackageRef
  key: string
  /** Deleted with one DELETE of the package: restored with one restore of the package. */
  whole: boolean
  /** In restore order: dependants before what they belong to. */
  versions: TargetVersion[]
  /** Every version id the plan saw in this package, to recognise the package it knew. */
  knownIds: number[]
}

/** Why a plan file cannot be used, with the place in the file. */
export class PlanFileError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'PlanFileError'
  }
}

const OWNER_KINDS = ['org', 'user', 'self']

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The fields a restore relies on, checked before any request so a damaged file fails clearly. */
function checkPackages(file: PlanFile): void {
  const packages = file.packages as unknown[]
  packages.forEach((entry, p) => {
    const at = `packages[${p}]`
    if (!isRecord(entry)) throw new PlanFileError(`${at} is not an object`)
    const ref = entry.package
    if (!isRecord(ref)) throw new PlanFileError(`${at}.package is missing`)
    if (typeof ref.owner !== 'string' || ref.owner === '') throw new PlanFileError(`${at}.package.owner is not an owner login`)
    if (!OWNER_KINDS.includes(ref.ownerKind as string)) throw new PlanFileError(`${at}.package.ownerKind is not one of ${OWNER_KINDS.join(', ')}`)
    if (!(PACKAGE_TYPES as readonly unknown[]).includes(ref.type)) throw new PlanFileError(`${at}.package.type is not one of ${PACKAGE_TYPES.join(', ')}`)
    if (typeof ref.name !== 'string' || ref.name === '') throw new PlanFileError(`${at}.package.name is not a package name`)
    if (!Array.isArray(entry.versions)) throw new PlanFileError(`${at}.versions is not a list`)
    entry.versions.forEach((v: unknown, i: number) => {
      const where = `${at}.versions[${i}]`
      if (!isRecord(v)) throw new PlanFileError(`${where} is not an object`)
      if (!Number.isSafeInteger(v.id) || (v.id as number) <= 0) throw new PlanFileError(`${where}.id is not a version id`)
      if (typeof v.name !== 'string') throw new PlanFileError(`${where}.name is not a version name`)
      if (!Array.isArray(v.tags) || v.tags.some(t => typeof t !== 'string')) throw new PlanFileError(`${where}.tags is not a list of tags`)
      if (v.belongsTo !== undefined && (!Array.isArray(v.belongsTo) || v.belongsTo.some(id => !Number.isSafeInteger(id)))) {
        throw new PlanFileError(`${where}.belongsTo is not a list of version ids`)
      }
    })
  })
}

/** Dependants first, deepest first (a nested index's platforms before the nested index), then images. */
function restoreOrder(versions: PlanFile['packages'][number]['versions']): Map<number, number> {
  const byId = new Map(versions.map(v => [v.id, v]))
  const depth = new Map<number, number>()
  const depthOf = (id: number, seen: Set<number>): number => {
    const known = depth.get(id)
    if (known !== undefined) return known
    const v = byId.get(id)
    if (!v || v.role === 'image' || !v.belongsTo || v.belongsTo.length === 0 || seen.has(id)) return 0
    seen.add(id)
    const d = 1 + Math.max(...v.belongsTo.map(parent => depthOf(parent, seen)))
    depth.set(id, d)
    return d
  }
  for (const v of versions) depth.set(v.id, depthOf(v.id, new Set()))
  return depth
}

/** How the plan file says the run ended, for a restore. */
export function planStatus(file: PlanFile): 'dry-run' | 'recorded' | 'unrecorded' {
  if (file.mode === 'dry-run') return 'dry-run'
  // 'planned' or 'running' in delete mode: written before the deletions, never updated (killed outright).
  return file.status === 'finished' || file.status === 'stopped' ? 'recorded' : 'unrecorded'
}

/**
 * What the plan file says was deleted, in restore order: whole packages once, other versions
 * one by one. For a run that did not record its outcomes (killed outright), every version it
 * scheduled is a candidate: restoreFromPlan then restores those GitHub lists as deleted.
 * Throws PlanFileError when the file lacks what a restore needs.
 */
export function restoreTargets(file: PlanFile): RestoreTarget[] {
  checkPackages(file)
  const status = planStatus(file)
  if (status === 'dry-run') return []
  const chosen = (v: PlanFile['packages'][number]['versions'][number]): boolean =>
    status === 'recorded' ? v.outcome === 'deleted' : v.decision === 'delete' && v.scheduled === true
  return file.packages
    .map(p => {
      const depth = restoreOrder(p.versions)
      const versions = p.versions
        .filter(chosen)
        .sort((a, b) => (depth.get(b.id) ?? 0) - (depth.get(a.id) ?? 0) || a.id - b.id)
        .map(({ id, name, tags }) => ({ id, name, tags }))
      return { pkg: p.package, key: p.key, whole: Boolean(p.wholePackage) && versions.length > 0, versions, knownIds: p.versions.map(v => v.id) }
    })
    .filter(t => t.versions.length > 0)
}

/** What GitHub shows of one package now, fetched once per package and only when a restore failed. */
class PackageView {
  private view?: Promise<{ exists: boolean; active: Set<number>; deleted: Set<number> }>

  constructor(
    private readonly api: RestoreApi,
    private readonly pkg: PackageRef
  ) {}

  get(): Promise<{ exists: boolean; active: Set<number>; deleted: Set<number> }> {
    this.view ??= (async () => {
      if (!(await this.api.getPackage(this.pkg))) return { exists: false, active: new Set<number>(), deleted: new Set<number>() }
      const ids = async (state: 'active' | 'deleted'): Promise<Set<number>> => new Set((await this.api.listVersions(this.pkg, state)).map(v => v.id))
      return { exists: true, active: await ids('active'), deleted: await ids('deleted') }
    })()
    return this.view
  }
}

type Attempt = Pick<RestoreItem, 'outcome' | 'detail'> & {
  /** GitHub refused for lack of permission: the package's other versions are not attempted. */
  permission?: true
}

const failed = (detail: string): Attempt => ({ outcome: 'failed', detail })
const answered = (error: unknown): string => `GitHub answered ${describeError(error)}`

function reusedNamespace(target: RestoreTarget, error: unknown): Attempt {
  return failed(
    `the name ${target.key} now belongs to a new package (none of the versions the plan saw are in it): GitHub cannot restore into a reused namespace; ` +
      `delete the new package first, then restore again (${answered(error)})`
  )
}

/** Transient or permission errors say enough by themselves. */
function plainFailure(error: unknown): Attempt | undefined {
  switch (classifyError(error)) {
    case 'unauthorized':
    case 'forbidden':
      return { ...failed(`the token may not restore it: ${PERMISSION_ADVICE} (${answered(error)})`), permission: true }
    case 'rate-limited':
    case 'secondary-rate-limited':
    case 'server':
      return failed(`${describeError(error)}; run the restore again later`)
    default:
      return undefined
  }
}

async function explainVersionFailure(api: RestoreApi, target: RestoreTarget, view: PackageView, id: number, error: unknown, windowNote: string): Promise<Attempt> {
  const plain = plainFailure(error)
  if (plain) return plain
  try {
    if ((await api.versionState(target.pkg, id)) === 'active') return { outcome: 'already present', detail: 'already present (restored earlier, or not deleted)' }
    const now = await view.get()
    if (!now.exists) {
      return failed(`no package named ${target.key} is there now (deleted whole since, or not visible to the token); restore the package first (${answered(error)})`)
    }
    if (now.deleted.has(id)) {
      return { ...failed(`GitHub still keeps it but refused to restore it: the token may not restore in this package; ${PERMISSION_ADVICE} (${answered(error)})`), permission: true }
    }
    if (!target.knownIds.some(known => now.active.has(known) || now.deleted.has(known))) return reusedNamespace(target, error)
    return failed(
      `GitHub no longer keeps it: it is not among the package's restorable deleted versions; GitHub keeps deleted versions for ${RESTORE_WINDOW_DAYS} days${windowNote} (${answered(error)})`
    )
  } catch {
    return failed(describeError(error))
  }
}

async function explainPackageFailure(target: RestoreTarget, view: PackageView, error: unknown, windowNote: string): Promise<Attempt> {
  const plain = plainFailure(error)
  if (plain) return plain
  try {
    const now = await view.get()
    if (now.exists) {
      if (target.knownIds.some(id => now.active.has(id))) return { outcome: 'already present', detail: 'already present: the package was restored earlier' }
      return reusedNamespace(target, error)
    }
    return failed(
      `GitHub no longer has the deleted package to restore: it keeps deleted packages for ${RESTORE_WINDOW_DAYS} days${windowNote}; ` +
        `or the token cannot see it: ${PERMISSION_ADVICE} (${answered(error)})`
    )
  } catch {
    return failed(describeError(error))
  }
}

/**
 * For a run that did not record its outcomes: the scheduled versions GitHub lists as deleted
 * (a whole package: when it is gone). Read-only.
 */
async function deletedSoFar(api: RestoreApi, target: RestoreTarget): Promise<RestoreTarget> {
  if (target.whole) return (await api.getPackage(target.pkg)) ? { ...target, versions: [] } : target
  const deleted = new Set((await api.listVersions(target.pkg, 'deleted')).map(v => v.id))
  return { ...target, versions: target.versions.filter(v => deleted.has(v.id)) }
}

export interface RestoreOptions {
  dryRun: boolean
  log: (line: string) => void
  /** Appended to "GitHub keeps deleted versions for 30 days" when the plan file is that old. */
  windowNote?: string
}

/** Failed items grouped by package and cause, in first-seen order: one line each for the log and the summary. */
export function failureCauses(items: readonly RestoreItem[]): { packageKey: string; detail: string; count: number }[] {
  const causes = new Map<string, { packageKey: string; detail: string; count: number }>()
  for (const item of items) {
    if (item.outcome !== 'failed') continue
    const key = `${item.packageKey}\u0000${item.detail}`
    const cause = causes.get(key) ?? { packageKey: item.packageKey, detail: item.detail, count: 0 }
    cause.count++
    causes.set(key, cause)
  }
  return [...causes.values()]
}

/**
 * The detail every version of a package stopped by a permission refusal carries (so the log and the
 * summary say it once for the package): which version was refused, why, and what to do.
 */
function permissionStop(refusedId: number, refusal: string, notAttempted: number): string {
  const rest = notAttempted > 0 ? `; the package's other ${notAttempted} version(s) were not attempted` : ''
  return `restoring stopped at version ${refusedId}, refused for lack of permission${rest}: ${refusal}`
}

/** Tags after the restore, read back from GitHub: each version's tags now, and where its old tags went. */
async function readBackTags(api: RestoreApi, pkg: PackageRef, items: RestoreItem[], log: (line: string) => void): Promise<void> {
  const back = items.filter(i => i.outcome === 'restored' || i.outcome === 'already present')
  if (back.length === 0) return
  let active: ListedVersion[]
  try {
    active = await api.listVersions(pkg, 'active')
  } catch (error) {
    log(`The tags of the restored versions of ${back[0].packageKey} could not be read back: ${describeError(error)}`)
    return
  }
  const byId = new Map(active.map(v => [v.id, v]))
  const holderOf = new Map<string, ListedVersion>()
  for (const v of active) for (const tag of v.tags) holderOf.set(tag, v)
  for (const item of back) {
    const now = byId.get(item.id)
    if (!now) continue
    item.tagsAfter = [...now.tags]
    const moved = item.tags.filter(tag => !now.tags.includes(tag))
    if (moved.length === 0) continue
    item.movedTags = moved.map(tag => {
      const holder = holderOf.get(tag)
      return holder ? { tag, versionId: holder.id, versionName: holder.name } : { tag }
    })
  }
}

export async function restoreFromPlan(file: PlanFile, api: RestoreApi, options: RestoreOptions): Promise<RestoreResult> {
  let targets = restoreTargets(file)
  if (planStatus(file) === 'unrecorded' && targets.length > 0) {
    options.log(`The run did not record its outcomes: checking which of the ${targets.reduce((n, t) => n + t.versions.length, 0)} version(s) it scheduled GitHub lists as deleted`)
    const checked: RestoreTarget[] = []
    for (const target of targets) checked.push(await deletedSoFar(api, target))
    targets = checked.filter(t => t.versions.length > 0)
  }
  const windowNote = options.windowNote ?? ''
  const items: RestoreItem[] = []
  const progress = new Progress({ total: targets.reduce((n, t) => n + (t.whole ? 1 : t.versions.length), 0), label: 'Restoring', log: options.log })
  for (const target of targets) {
    const view = new PackageView(api, target.pkg)
    const item = (v: TargetVersion, attempt: Attempt): RestoreItem => ({ packageKey: target.key, id: v.id, name: v.name, tags: v.tags, outcome: attempt.outcome, detail: attempt.detail })
    if (target.whole) {
      let attempt: Attempt = { outcome: 'would restore', detail: 'dry run: the package would be restored whole' }
      if (!options.dryRun) {
        try {
          await api.restorePackage(target.pkg)
          attempt = { outcome: 'restored', detail: 'restored with the package' }
        } catch (error) {
          attempt = await explainPackageFailure(target, view, error, windowNote)
        }
      }
      const packageItems = target.versions.map(v => item(v, attempt))
      if (!options.dryRun) await readBackTags(api, target.pkg, packageItems, options.log)
      items.push(...packageItems)
      progress.advance()
      continue
    }
    const packageItems: RestoreItem[] = []
    let stopped: RestoreItem | undefined
    for (const [index, v] of target.versions.entries()) {
      let attempt: Attempt = { outcome: 'would restore', detail: 'dry run' }
      if (stopped) {
        attempt = failed(stopped.detail)
      } else if (!options.dryRun) {
        try {
          await api.restoreVersion(target.pkg, v.id)
          attempt = { outcome: 'restored', detail: 'restored' }
        } catch (error) {
          attempt = await explainVersionFailure(api, target, view, v.id, error, windowNote)
        }
      }
      const restoreItem = item(v, attempt)
      if (attempt.permission) {
        restoreItem.detail = permissionStop(v.id, attempt.detail, target.versions.length - index - 1)
        stopped = restoreItem
        options.log(`${target.key}: ${restoreItem.detail}`)
      }
      packageItems.push(restoreItem)
      progress.advance()
    }
    if (!options.dryRun) await readBackTags(api, target.pkg, packageItems, options.log)
    items.push(...packageItems)
  }
  progress.finish()
  const count = (outcome: RestoreOutcome): number => items.filter(i => i.outcome === outcome).length
  return { items, restored: count('restored'), present: count('already present'), failed: count('failed') }
}
