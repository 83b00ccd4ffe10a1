// Step 7: deletion groups. A group is a deleted image and the dependants deleted with it, image first,
// then its dependants by depth (so a signature of a platform manifest comes after that manifest).
// A dependant with several deleted parents goes with the newest parent's group: groups run oldest
// first, so every parent of a dependant is deleted by the time (or in the run) the dependant is.
import type { DeletionGroup } from '../model.js'
import { isNewerByCreated } from './inventory-index.js'
import { labelOf, markDeleted, type PackageContext, type Verdicts } from './package-context.js'
import { DescriptionParts, flat, ReasonMemo, reasonParts, reasons } from './reasons.js'

export interface PackageGroups {
  /** Oldest image first (created_at, then id): the deletion order. */
  groups: DeletionGroup[]
  /** Each group's created_at in ms, parallel to `groups`, so the cap need not parse it again. */
  times: number[]
}

/** The edge the reason describes: to the group's image itself when it is a parent, else to the newest parent in the group. */
function describingEdge(ctx: PackageContext, groupOf: readonly number[], i: number, group: number): number {
  const { graph, index } = ctx
  let via = -1
  for (let e = graph.parentStart[i]; e < graph.parentStart[i + 1]; e++) {
    const parent = graph.edgeParent[e]
    if (parent === group) return e
    if (groupOf[parent] !== group) continue
    if (via < 0 || isNewerByCreated(index, parent, graph.edgeParent[via])) via = e
  }
  return via
}

/** Parents before children (depth), then id: independent of the input order. Groups are small: insertion sort. */
function sortMembers(ctx: PackageContext, members: number[], from: number, to: number): void {
  const { depth } = ctx.graph
  const { ids } = ctx.index
  for (let k = from + 1; k < to; k++) {
    const m = members[k]
    let j = k - 1
    while (j >= from && (depth[members[j]] > depth[m] || (depth[members[j]] === depth[m] && ids[members[j]] > ids[m]))) {
      members[j + 1] = members[j]
      j--
    }
    members[j + 1] = m
  }
}

/** Groups of one package in deletion order. Also writes the deleted dependants' reasons and rules. */
export function buildGroups(ctx: PackageContext, verdicts: Verdicts): PackageGroups {
  const { graph, index } = ctx
  const n = index.versions.length
  const groupOf = ctx.scratch.take(n, -1)
  for (let i = 0; i < n; i++) {
    if (verdicts.deleted[i] && !graph.isDependant[i]) groupOf[i] = i
  }

  const memberCount = ctx.scratch.take(n + 1)
  // Siblings come one after another in topological order, and several of them (an image's
  // attestations) share their reason: the reasons of the current group are kept for reuse.
  const memo = new ReasonMemo()
  const tails = new DescriptionParts(reasonParts.deletedWithTail)
  for (let k = graph.firstDependant; k < graph.dependantsEnd; k++) {
    const i = graph.order[k]
    if (!verdicts.deleted[i]) continue
    // Every parent is deleted (judgeDependants guarantees it), so each has a group already: take the newest.
    let group = -1
    for (let e = graph.parentStart[i]; e < graph.parentStart[i + 1]; e++) {
      const candidate = groupOf[graph.edgeParent[e]]
      if (group < 0 || isNewerByCreated(index, candidate, group)) group = candidate
    }
    groupOf[i] = group
    memberCount[group + 1]++
    const via = describingEdge(ctx, groupOf, i, group)
    const reference = graph.edgeReference[via]
    const viaParent = graph.edgeParent[via]
    let reason = memo.get(group, reference, viaParent)
    if (reason === undefined) {
      const text =
        viaParent === group
          ? flat(memo.ownerPartOf(group, (image) => reasonParts.deletedWithHead(labelOf(ctx, image))) + tails.get(reference.kind, reference.platform))
          : reasons.deletedWith(labelOf(ctx, group), reference.kind, reference.platform, labelOf(ctx, viaParent))
      reason = memo.set(group, reference, viaParent, text)
    }
    markDeleted(verdicts, i, reason, verdicts.rule[group])
  }

  // Members of each group, bucketed by the group's image position (counting sort).
  for (let i = 1; i <= n; i++) memberCount[i] += memberCount[i - 1]
  const memberStart = memberCount
  const members = ctx.scratch.take(memberStart[n])
  for (let k = graph.firstDependant; k < graph.dependantsEnd; k++) {
    const i = graph.order[k]
    if (verdicts.deleted[i]) members[memberStart[groupOf[i]]++] = i
  }
  // memberStart[g] now holds where g's members end, which is where g + 1's start: shift back.
  for (let i = n; i > 0; i--) memberStart[i] = memberStart[i - 1]
  memberStart[0] = 0

  const groups: DeletionGroup[] = []
  const times: number[] = []
  const newestFirst = index.newestFirstByCreated()
  for (let k = newestFirst.length - 1; k >= 0; k--) {
    const image = newestFirst[k]
    if (groupOf[image] !== image) continue
    const from = memberStart[image]
    const to = memberStart[image + 1]
    sortMembers(ctx, members, from, to)
    const version = index.versions[image]
    const versionIds = new Array<number>(1 + to - from)
    versionIds[0] = version.id
    for (let m = from; m < to; m++) versionIds[1 + m - from] = index.ids[members[m]]
    groups.push({ packageKey: ctx.key, imageId: version.id, createdAt: version.createdAt, versionIds })
    times.push(index.created[image])
  }
  ctx.scratch.release(groupOf, memberCount, members)
  return { groups, times }
}

/** One DELETE of the package: every version, in the order the per-version groups would have used. */
export function wholePackageGroup(ctx: PackageContext, groups: readonly DeletionGroup[]): PackageGroups {
  const newestPosition = ctx.index.newestFirstByCreated()[0]
  const newest = ctx.index.versions[newestPosition]
  const group: DeletionGroup = {
    packageKey: ctx.key,
    imageId: newest.id,
    createdAt: newest.createdAt,
    versionIds: groups.flatMap((g) => g.versionIds),
    wholePackage: true
  }
  return { groups: [group], times: [ctx.index.created[newestPosition]] }
}
