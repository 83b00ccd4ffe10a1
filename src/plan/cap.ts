// The max-deletions cap across all packages: groups oldest first (image created_at, then id), stopping
// at the first group that does not fit, so a backlog drains oldest first over several runs and a
// group (an image with its dependants) is never split. The first group is always taken, even when it
// alone is larger than the cap: a large multi-arch image must not block every later run.
import type { DeletionGroup, OversizedGroup } from '../model.js'
import type { PackageGroups } from './groups.js'

export interface CappedGroups {
  scheduled: DeletionGroup[]
  deferredByCap: DeletionGroup[]
  /** Set when the first group alone was larger than the cap and was taken anyway. */
  oversizedGroup?: OversizedGroup
}

/** Merges packages' groups (each already oldest first) into one oldest-first order; ties by id, then package. */
export function oldestFirstAcrossPackages(lists: readonly PackageGroups[]): DeletionGroup[] {
  const nonEmpty = lists.filter((list) => list.groups.length > 0)
  if (nonEmpty.length === 0) return []
  if (nonEmpty.length === 1) return nonEmpty[0].groups.slice()
  const groups = nonEmpty.flatMap((list) => list.groups)
  const times = nonEmpty.flatMap((list) => list.times)
  const order = groups.map((_, k) => k)
  order.sort((a, b) => {
    if (times[a] !== times[b]) return times[a] < times[b] ? -1 : 1
    const ga = groups[a]
    const gb = groups[b]
    if (ga.imageId !== gb.imageId) return ga.imageId - gb.imageId
    return ga.packageKey < gb.packageKey ? -1 : ga.packageKey > gb.packageKey ? 1 : 0
  })
  return order.map((k) => groups[k])
}

/** `maxDeletions` undefined means unlimited; each version of a group (or of a whole package) counts one. */
export function applyCap(ordered: readonly DeletionGroup[], maxDeletions: number | undefined): CappedGroups {
  if (maxDeletions === undefined) return { scheduled: ordered.slice(), deferredByCap: [] }
  // Validated upstream (an integer >= 1); should garbage get through, a deletion tool defers rather than deletes.
  if (Number.isNaN(maxDeletions)) return { scheduled: [], deferredByCap: ordered.slice() }
  const first = ordered[0]
  if (first !== undefined && first.versionIds.length > maxDeletions) {
    const oversizedGroup = { packageKey: first.packageKey, imageId: first.imageId, versions: first.versionIds.length, maxDeletions }
    return { scheduled: [first], deferredByCap: ordered.slice(1), oversizedGroup }
  }
  let room = maxDeletions
  let k = 0
  for (; k < ordered.length; k++) {
    const size = ordered[k].versionIds.length
    if (size > room) break
    room -= size
  }
  return { scheduled: ordered.slice(0, k), deferredByCap: ordered.slice(k) }
}
