// One package's versions indexed for planning: timestamps parsed once into numbers, ids mapped to
// positions, and "newest first" orders sorted once and shared by every rule.
import type { AgeFrom, PackageVersion } from '../model.js'
import { doubles, positions, zeros } from './arrays.js'
import { IdIndex } from './id-index.js'
import { createTimestampParser } from './timestamps.js'

export interface InventoryIndex {
  versions: readonly PackageVersion[]
  /** versions[i].id, as numbers in one array (read by every tie-break). */
  ids: readonly number[]
  /** Position of each version id in `versions` (-1 when absent). */
  indexOf: IdIndex
  /** 1 when the version has tags (whatever its type: callers decide whether tags count). */
  tagged: readonly number[]
  /** created_at in ms; an unreadable timestamp is UNREADABLE_TIME (the oldest; such a version is kept). */
  created: readonly number[]
  updated: readonly number[]
  /** All positions, newest first by created_at, then larger id. */
  newestFirstByCreated(): readonly number[]
  /** All positions, newest first by the given timestamp, then larger id. */
  newestFirst(ageFrom: AgeFrom): readonly number[]
}

function newestFirstComparator(ids: readonly number[], time: readonly number[]): (a: number, b: number) => number {
  return (a, b) => {
    const ta = time[a]
    const tb = time[b]
    if (ta !== tb) return ta < tb ? 1 : -1
    return ids[b] - ids[a]
  }
}

function isSorted(order: ArrayLike<number>, compare: (a: number, b: number) => number): boolean {
  for (let k = 1; k < order.length; k++) if (compare(order[k - 1], order[k]) > 0) return false
  return true
}

/** Sorts positions in place; GitHub lists versions newest first, so the check usually spares the sort. */
function sortInPlace(order: number[], compare: (a: number, b: number) => number): number[] {
  return isSorted(order, compare) ? order : order.sort(compare)
}

/**
 * The updated_at order from the created_at order: versions never retagged keep their place (same
 * key), so only the others are sorted and merged in — O(n + k log k) instead of a full sort.
 */
function reorderByUpdated(ids: readonly number[], created: readonly number[], updated: readonly number[], byCreated: number[]): number[] {
  const compare = newestFirstComparator(ids, updated)
  const n = byCreated.length
  const changed: number[] = []
  for (let k = 0; k < n; k++) if (updated[byCreated[k]] !== created[byCreated[k]]) changed.push(byCreated[k])
  if (changed.length === 0) return byCreated
  sortInPlace(changed, compare)
  // Merge the unchanged ones (in byCreated order, skipping the changed) with the sorted changed ones.
  const merged = new Array<number>(n)
  let a = 0
  let b = 0
  let k = 0
  for (; a < n; a++) {
    const i = byCreated[a]
    if (updated[i] !== created[i]) continue
    while (b < changed.length && compare(changed[b], i) < 0) merged[k++] = changed[b++]
    merged[k++] = i
  }
  while (b < changed.length) merged[k++] = changed[b++]
  return merged
}

export function indexInventory(versions: readonly PackageVersion[]): InventoryIndex {
  const n = versions.length
  const ids = doubles(n)
  const created = doubles(n)
  const updated = doubles(n)
  const tagged = zeros(n)
  const parseCreated = createTimestampParser()
  const parseUpdated = createTimestampParser()
  for (let i = 0; i < n; i++) {
    const v = versions[i]
    ids[i] = v.id
    if (v.tags.length > 0) tagged[i] = 1
    created[i] = parseCreated(v.createdAt)
    // Most versions were never retagged: reuse the parse.
    updated[i] = v.updatedAt === v.createdAt ? created[i] : parseUpdated(v.updatedAt)
  }
  const indexOf = new IdIndex(ids)
  // Sorted lazily: a package whose rules all use one age-from never pays for the other order.
  let byCreated: number[] | undefined
  let byUpdated: number[] | undefined
  const newestFirstByCreated = (): number[] => {
    if (!byCreated) {
      byCreated = sortInPlace(positions(n), newestFirstComparator(ids, created))
    }
    return byCreated
  }
  return {
    versions,
    ids,
    indexOf,
    tagged,
    created,
    updated,
    newestFirstByCreated,
    newestFirst: (ageFrom) =>
      ageFrom === 'created'
        ? newestFirstByCreated()
        : (byUpdated ??= reorderByUpdated(ids, created, updated, newestFirstByCreated()))
  }
}

/** True when version a is newer than b by created_at, then id (the contract's "newest" for last version and groups). */
export function isNewerByCreated(index: InventoryIndex, a: number, b: number): boolean {
  const ta = index.created[a]
  const tb = index.created[b]
  if (ta !== tb) return ta > tb
  return index.ids[a] > index.ids[b]
}
