// One package's versions indexed for planning: timestamps parsed once into numbers, ids mapped to
// positions, and "newest first" orders sorted once and shared by every rule.
import type { AgeFrom, PackageVersion } from '../model.js'
import { IdIndex } from './id-index.js'
import { parseTimestamp } from './timestamps.js'

export interface InventoryIndex {
  versions: readonly PackageVersion[]
  /** Position of each version id in `versions` (-1 when absent). */
  indexOf: IdIndex
  /** created_at in ms; an unparseable timestamp is +Infinity (treated as newest: never "old enough"). */
  created: Float64Array
  updated: Float64Array
  /** All positions, newest first by created_at, then larger id. */
  newestFirstByCreated(): Uint32Array
  /** All positions, newest first by the given timestamp, then larger id. */
  newestFirst(ageFrom: AgeFrom): Uint32Array
}

function newestFirstComparator(versions: readonly PackageVersion[], time: Float64Array): (a: number, b: number) => number {
  return (a, b) => {
    const ta = time[a]
    const tb = time[b]
    if (ta !== tb) return ta < tb ? 1 : -1
    return versions[b].id - versions[a].id
  }
}

function isSorted(order: ArrayLike<number>, compare: (a: number, b: number) => number): boolean {
  for (let k = 1; k < order.length; k++) if (compare(order[k - 1], order[k]) > 0) return false
  return true
}

/** Sorts positions; GitHub lists versions newest first, so the check usually spares the sort. */
function sortFrom(start: ArrayLike<number>, compare: (a: number, b: number) => number): Uint32Array {
  if (isSorted(start, compare)) return Uint32Array.from(start)
  return Uint32Array.from(Array.from(start).sort(compare))
}

/**
 * The updated_at order from the created_at order: versions never retagged keep their place (same
 * key), so only the others are sorted and merged in — O(n + k log k) instead of a full sort.
 */
function reorderByUpdated(versions: readonly PackageVersion[], created: Float64Array, updated: Float64Array, byCreated: Uint32Array): Uint32Array {
  const compare = newestFirstComparator(versions, updated)
  const unchanged: number[] = []
  const changed: number[] = []
  for (const i of byCreated) (updated[i] === created[i] ? unchanged : changed).push(i)
  if (changed.length === 0) return byCreated
  changed.sort(compare)
  const merged = new Uint32Array(byCreated.length)
  let a = 0
  let b = 0
  let k = 0
  while (a < unchanged.length && b < changed.length) merged[k++] = compare(unchanged[a], changed[b]) <= 0 ? unchanged[a++] : changed[b++]
  while (a < unchanged.length) merged[k++] = unchanged[a++]
  while (b < changed.length) merged[k++] = changed[b++]
  return merged
}

export function indexInventory(versions: readonly PackageVersion[]): InventoryIndex {
  const n = versions.length
  const ids = new Float64Array(n)
  const created = new Float64Array(n)
  const updated = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const v = versions[i]
    ids[i] = v.id
    created[i] = parseTimestamp(v.createdAt)
    // Most versions were never retagged: reuse the parse.
    updated[i] = v.updatedAt === v.createdAt ? created[i] : parseTimestamp(v.updatedAt)
  }
  const indexOf = new IdIndex(ids)
  // Sorted lazily: a package whose rules all use one age-from never pays for the other order.
  let byCreated: Uint32Array | undefined
  let byUpdated: Uint32Array | undefined
  const newestFirstByCreated = (): Uint32Array => {
    if (!byCreated) {
      const identity = new Uint32Array(n)
      for (let i = 0; i < n; i++) identity[i] = i
      byCreated = sortFrom(identity, newestFirstComparator(versions, created))
    }
    return byCreated
  }
  return {
    versions,
    indexOf,
    created,
    updated,
    newestFirstByCreated,
    newestFirst: (ageFrom) =>
      ageFrom === 'created'
        ? newestFirstByCreated()
        : (byUpdated ??= reorderByUpdated(versions, created, updated, newestFirstByCreated()))
  }
}

/** True when version a is newer than b by created_at, then id (the contract's "newest" for last version and groups). */
export function isNewerByCreated(index: InventoryIndex, a: number, b: number): boolean {
  const ta = index.created[a]
  const tb = index.created[b]
  if (ta !== tb) return ta > tb
  return index.versions[a].id > index.versions[b].id
}
