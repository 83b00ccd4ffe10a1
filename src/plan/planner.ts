// The planner: policy, inventories and "now" in, plan out. Pure: no I/O, no clock, no environment;
// the same input always gives the same plan, whatever the order of versions and references.
import { packageKey, type InUseReference, type PackageInventory, type PackagePlan, type Plan, type Policy, type VersionPlan } from '../model.js'
import { Scratch } from './arrays.js'
import { applyCap, oldestFirstAcrossPackages } from './cap.js'
import { judgeDependants } from './dependants.js'
import { buildGraph, type VersionGraph } from './graph.js'
import { buildGroups, wholePackageGroup, type PackageGroups } from './groups.js'
import { indexInUse, type InUseIndex } from './in-use.js'
import { indexInventory, isNewerByCreated, type InventoryIndex } from './inventory-index.js'
import { applyLastVersionRule } from './last-version.js'
import { compileTagVersionMatcher, type TagVersionMatcher } from './matchers.js'
import { emptyVerdicts, keep, type PackageContext, type Verdicts } from './package-context.js'
import { failClosedReason, failClosedWarning, LISTING_PROBLEM_REASON, listingProblemWarning } from './reasons.js'
import { compileRules, judgeImages, type CompiledRule } from './rules.js'
import { ruleAccounts } from './accounts.js'
import { keepUnreadableTimestamps } from './unreadable-timestamps.js'
import { keepViewHolds } from './view-holds.js'

export interface PlanInput {
  policy: Policy
  inventories: PackageInventory[]
  now: Date
  /** Resolved cap: the action input, else policy.limits.maxDeletions, else undefined (unlimited). */
  maxDeletions?: number
  /** (1.1) References found by the protect.in-use scan: what they name is protected. */
  inUse?: InUseReference[]
}

export function planRetention(input: PlanInput): Plan {
  const { policy, now } = input
  const rules = compileRules(policy, now)
  const protect = compileTagVersionMatcher(policy.protect.tags, policy.protect.versions)
  const inUse = indexInUse(input.inUse)
  // Packages are planned one after another: their temporary arrays are reused.
  const scratch = new Scratch()
  const planned = input.inventories.map((inventory) => planPackage(policy, rules, protect, inUse, inventory, now.getTime(), scratch))
  const { scheduled, deferredByCap, oversizedGroup } = applyCap(
    oldestFirstAcrossPackages(planned.map((p) => p.groups)),
    input.maxDeletions ?? policy.limits.maxDeletions
  )
  const plan: Plan = { now: now.toISOString(), packages: planned.map((p) => p.plan), scheduled, deferredByCap }
  return oversizedGroup ? { ...plan, oversizedGroup } : plan
}

function planPackage(
  policy: Policy,
  allRules: CompiledRule[],
  protect: TagVersionMatcher,
  inUse: InUseIndex,
  inventory: PackageInventory,
  nowMs: number,
  scratch: Scratch
): { plan: PackagePlan; groups: PackageGroups } {
  const ref = inventory.package
  const isContainer = ref.type === 'container'
  const index = indexInventory(inventory.versions)
  // Only container versions refer to each other; for other types every version is an image.
  const graph = buildGraph(index, isContainer ? inventory.references : [], scratch)
  const rules = allRules.filter((rule) => rule.appliesTo(ref.type, ref.name))
  const namesHold = policy.protect.versions.length > 0 || rules.some((rule) => rule.rule.keep.versions.length > 0)
  const ctx: PackageContext = { key: packageKey(ref), ref, isContainer, index, graph, rules, protect, inUse: isContainer ? inUse.forPackage(ref.name) : undefined, namesHold, protectsNames: policy.protect.versions.length > 0, nowMs, damaged: new Map((inventory.damaged ?? []).map((d) => [d.id, d])), scratch }
  const verdicts = emptyVerdicts(index.versions.length)
  const header = { key: ctx.key, package: ref, rules: rules.map((rule) => rule.name) }

  // Left untouched for safety: a listing that changed while read (a version may be missing), or a
  // manifest a decision needs that could not be read.
  const untouched = inventory.untouched ?? (inventory.listingProblem
    ? { reason: LISTING_PROBLEM_REASON, warning: listingProblemWarning(ctx.key, inventory.listingProblem) }
    : inventory.unreadable.length > 0
      ? { reason: failClosedReason(inventory.unreadable), warning: failClosedWarning(ctx.key, inventory.unreadable) }
      : undefined)
  if (untouched) {
    // The rules are still judged, for the account: what each would have taken, all of it kept.
    const { tally } = judgeImages(ctx, verdicts)
    for (let i = 0; i < index.versions.length; i++) keep(verdicts, i, untouched.reason)
    const accounts = ruleAccounts(ctx, verdicts, tally, untouched.warning)
    const plan = { ...header, versions: versionPlans(index, graph, verdicts), groups: [], warning: untouched.warning, accounts }
    return { plan, groups: { groups: [], times: [] } }
  }

  const { notes, tally } = judgeImages(ctx, verdicts)
  const keptDependants = mergeHolds(keepUnreadableTimestamps(ctx, verdicts), keepViewHolds(ctx, verdicts, inventory.view))
  judgeDependants(ctx, verdicts, keptDependants)
  const outcome = applyLastVersionRule(ctx, verdicts, policy.limits.onLastVersion, keptDependants)
  const perImage = buildGroups(ctx, verdicts)
  const groups = outcome === 'whole-package' ? wholePackageGroup(ctx, perImage.groups) : perImage
  const accounts = ruleAccounts(ctx, verdicts, tally)
  return { plan: { ...header, versions: versionPlans(index, graph, verdicts), groups: groups.groups, ...(notes.length > 0 && { notes }), accounts }, groups }
}

/** Dependants kept whatever their parents' fate, from two sources (the first reason wins). */
function mergeHolds(a: ReadonlyMap<number, string> | undefined, b: ReadonlyMap<number, string> | undefined): ReadonlyMap<number, string> | undefined {
  if (!a || !b) return a ?? b
  const merged = new Map(b)
  for (const [i, reason] of a) merged.set(i, reason)
  return merged
}

/** Every version, newest first (created_at, then id); dependants carry what they belong to. */
function versionPlans(index: InventoryIndex, graph: VersionGraph, verdicts: Verdicts): VersionPlan[] {
  const plans = new Array<VersionPlan>(index.versions.length)
  const order = index.newestFirstByCreated()
  // Siblings with the same single parent (an index's platform manifests, listed one after another)
  // share one belongsTo array.
  const shared: SharedBelongsTo = { parent: -1, ids: [] }
  for (let k = 0; k < order.length; k++) {
    const i = order[k]
    plans[k] = graph.isDependant[i] ? dependantPlan(index, graph, verdicts, i, shared) : imagePlan(index, verdicts, i)
  }
  return plans
}

// Each VersionPlan is built by one object literal with all its keys (absent ones omitted, not
// undefined): V8 then allocates it in one piece, much cheaper than adding properties afterwards.

function imagePlan(index: InventoryIndex, verdicts: Verdicts, i: number): VersionPlan {
  const { id, name, tags, createdAt, updatedAt } = index.versions[i]
  const decision = verdicts.deleted[i] ? 'delete' : 'keep'
  const rule = verdicts.rule[i]
  const reason = verdicts.reason[i]
  return rule === undefined
    ? { id, name, tags, createdAt, updatedAt, role: 'image', decision, reason }
    : { id, name, tags, createdAt, updatedAt, role: 'image', decision, rule, reason }
}

interface SharedBelongsTo {
  parent: number
  ids: number[]
}

/** belongsTo in id order; kind and platform of the reference to the newest parent. */
function dependantPlan(
  index: InventoryIndex,
  graph: VersionGraph,
  verdicts: Verdicts,
  i: number,
  shared: SharedBelongsTo
): VersionPlan {
  const { id, name, tags, createdAt, updatedAt } = index.versions[i]
  const decision = verdicts.deleted[i] ? 'delete' : 'keep'
  const rule = verdicts.rule[i]
  const reason = verdicts.reason[i]
  const first = graph.parentStart[i]
  const end = graph.parentStart[i + 1]
  let belongsTo: number[]
  let newest = first
  if (end - first === 1) {
    const parent = graph.edgeParent[first]
    if (shared.parent !== parent) {
      shared.parent = parent
      shared.ids = [index.versions[parent].id]
    }
    belongsTo = shared.ids
  } else {
    belongsTo = []
    for (let e = first; e < end; e++) {
      belongsTo.push(index.versions[graph.edgeParent[e]].id)
      if (isNewerByCreated(index, graph.edgeParent[e], graph.edgeParent[newest])) newest = e
    }
    belongsTo.sort((a, b) => a - b)
  }
  const { kind, platform } = graph.edgeReference[newest]
  const role = 'dependant'
  if (rule === undefined) {
    return platform === undefined
      ? { id, name, tags, createdAt, updatedAt, role, decision, reason, belongsTo, kind }
      : { id, name, tags, createdAt, updatedAt, role, decision, reason, belongsTo, kind, platform }
  }
  return platform === undefined
    ? { id, name, tags, createdAt, updatedAt, role, decision, rule, reason, belongsTo, kind }
    : { id, name, tags, createdAt, updatedAt, role, decision, rule, reason, belongsTo, kind, platform }
}
