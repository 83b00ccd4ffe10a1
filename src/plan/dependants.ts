// Step 5: a dependant follows what it belongs to. It is deleted exactly when every version it belongs
// to is deleted and nothing holds it back (protect, keep.tags, keep.versions, or (1.2) a tag of its
// own); otherwise it stays, and its reason names a parent that stays. Deleted dependants get their
// reason when groups are formed.
import { ownTags } from '../registry/references.js'
import { isNewerByCreated } from './inventory-index.js'
import { hasTags, keep, markDeleted, labelOf, type PackageContext, type Verdicts } from './package-context.js'
import { DescriptionParts, flat, ReasonMemo, reasonParts, reasons } from './reasons.js'
import { heldBack } from './rules.js'

/**
 * Must run after the images' verdicts are final. `forcedKeep` holds dependants kept by the
 * last-version rule (with the reason to give them); their own dependants then follow them.
 */
export function judgeDependants(ctx: PackageContext, verdicts: Verdicts, forcedKeep?: ReadonlyMap<number, string>): void {
  const { graph } = ctx
  // Never reached from an image: judging them would need a parent decided first. Keep, conservatively.
  for (const i of graph.cyclic) keep(verdicts, i, reasons.cycle())

  // Topological order: every parent's verdict is final before its children are judged. Siblings
  // come one after another, so reasons naming the same parent are built once.
  const memo = new ReasonMemo()
  const heads = new DescriptionParts(reasonParts.keptWithParentHead)
  for (let k = graph.firstDependant; k < graph.dependantsEnd; k++) {
    const i = graph.order[k]
    const forced = forcedKeep?.get(i)
    if (forced !== undefined) {
      keep(verdicts, i, forced)
      continue
    }
    const held = heldBack(ctx, i)
    if (held) {
      keep(verdicts, i, held.reason, held.rule)
      continue
    }
    // The newest parent that stays names the reason; deterministic whatever the input order.
    let keptParent = -1
    let keptEdge = 0
    for (let e = graph.parentStart[i]; e < graph.parentStart[i + 1]; e++) {
      const parent = graph.edgeParent[e]
      if (verdicts.deleted[parent]) continue
      if (keptParent < 0 || isNewerByCreated(ctx.index, parent, keptParent)) {
        keptParent = parent
        keptEdge = e
      }
    }
    const own = keptParent < 0 && hasTags(ctx, i) ? ownTags(ctx.index.versions[i].tags) : []
    if (own.length > 0) {
      // (1.2) `prod` beside `sha256-<hex>.sig`, a platform manifest tagged `v1.0-amd64`: someone
      // tagged it for itself, so it does not go with what it belongs to. Once that is gone, it is an
      // orphan, judged as an image by the rules.
      keep(verdicts, i, reasons.ownTags(own, labelOf(ctx, newestParent(ctx, i))))
    } else if (keptParent < 0) {
      markDeleted(verdicts, i, '') // reason and rule are written by buildGroups, which knows the group
    } else {
      const reference = graph.edgeReference[keptEdge]
      let reason = memo.get(keptParent, reference, keptParent)
      if (reason === undefined) {
        const tail = memo.ownerPartOf(keptParent, (parent) => reasonParts.keptWithParentTail(labelOf(ctx, parent)))
        reason = memo.set(keptParent, reference, keptParent, flat(heads.get(reference.kind, reference.platform) + tail))
      }
      keep(verdicts, i, reason)
    }
  }
}

/** The newest (by created_at, then id) of the versions dependant `i` belongs to. */
function newestParent(ctx: PackageContext, i: number): number {
  const { graph } = ctx
  let newest = graph.edgeParent[graph.parentStart[i]]
  for (let e = graph.parentStart[i] + 1; e < graph.parentStart[i + 1]; e++) {
    if (isNewerByCreated(ctx.index, graph.edgeParent[e], newest)) newest = graph.edgeParent[e]
  }
  return newest
}
