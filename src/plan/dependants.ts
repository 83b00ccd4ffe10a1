// Step 5: a dependant follows what it belongs to. It is deleted exactly when every version it belongs
// to is deleted and nothing holds it back (protect, keep.tags, keep.versions); otherwise it stays, and
// its reason names a parent that stays. Deleted dependants get their reason when groups are formed.
import { isNewerByCreated } from './inventory-index.js'
import { keep, markDeleted, labelOf, type PackageContext, type Verdicts } from './package-context.js'
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
    if (keptParent < 0) {
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
