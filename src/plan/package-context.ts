// What every planning step of one package reads (the indexed versions, the graph, the rules that
// apply) and the verdicts the steps write. Internal to src/plan.
import type { DamagedImage, PackageRef, PackageVersion } from '../model.js'
import type { VersionGraph } from './graph.js'
import type { InUseLookup } from './in-use.js'
import type { InventoryIndex } from './inventory-index.js'
import type { TagVersionMatcher } from './matchers.js'
import type { CompiledRule } from './rules.js'
import type { Scratch } from './arrays.js'
import { versionLabel } from './reasons.js'

export interface PackageContext {
  key: string
  ref: PackageRef
  isContainer: boolean
  index: InventoryIndex
  graph: VersionGraph
  /** The policy's rules that apply to this package, in policy order. */
  rules: CompiledRule[]
  protect: TagVersionMatcher
  /** (protect.in-use) the reason a version is in use, when the workspace refers to this package. */
  inUse?: InUseLookup
  /** Whether protect or a rule's keep.versions could hold back an untagged version (by its name). */
  namesHold: boolean
  /** Whether protect has version globs (else it never matches an untagged version). */
  protectsNames: boolean
  nowMs: number
  /** Images found broken before this run (PackageInventory.damaged), by id: what match.broken selects. */
  damaged: ReadonlyMap<number, DamagedImage>
  /** Temporary arrays, reused from step to step. */
  scratch: Scratch
}

/** One verdict per version position; filled by the steps in turn (images, dependants, last version, groups). */
export interface Verdicts {
  /** 1 when the version is deleted. */
  deleted: Uint8Array
  rule: (string | undefined)[]
  reason: string[]
}

export function emptyVerdicts(n: number): Verdicts {
  return { deleted: new Uint8Array(n), rule: new Array<string | undefined>(n).fill(undefined), reason: new Array<string>(n).fill('') }
}

export function keep(verdicts: Verdicts, i: number, reason: string, rule?: string): void {
  verdicts.deleted[i] = 0
  verdicts.rule[i] = rule
  verdicts.reason[i] = reason
}

export function markDeleted(verdicts: Verdicts, i: number, reason: string, rule?: string): void {
  verdicts.deleted[i] = 1
  verdicts.rule[i] = rule
  verdicts.reason[i] = reason
}

const NO_TAGS: readonly string[] = Object.freeze([])

/** The contract: for non-container types every version is untagged, whatever the inventory carries. */
export function tagsOf(ctx: PackageContext, version: PackageVersion): readonly string[] {
  return ctx.isContainer ? version.tags : NO_TAGS
}

/** The version has tags that count (container versions only). */
export function hasTags(ctx: PackageContext, i: number): boolean {
  return ctx.isContainer && ctx.index.tagged[i] === 1
}

/** "web:1.4" or "web@sha256:0123456789ab": reasons name versions so. */
export function labelOf(ctx: PackageContext, i: number): string {
  return versionLabel(ctx.ref.name, ctx.index.versions[i])
}
