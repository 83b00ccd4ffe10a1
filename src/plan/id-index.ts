// Version id → position. GitHub lists versions newest first and assigns ids in creation order, so
// the ids usually arrive strictly descending: then the ids themselves are the index, searched from
// the last position found (references come grouped: an index's children sit next to it), with no
// table to build and no random memory access. Any other order gets an open-addressing hash table
// in flat number arrays: at a million versions a Map costs several times more to build (rehashing,
// boxed entries, garbage) than the lookups it serves.
import { doubles, filled } from './arrays.js'

export class IdIndex {
  /** Sorted mode: the ids as given; +1 when ascending, -1 when descending, 0 when hashed. */
  private readonly ids: ArrayLike<number>
  private readonly direction: number
  /** Position of the last id found (sorted mode): the next lookup starts there. */
  private finger = 0
  private readonly keys: number[] | undefined
  private readonly positions: number[] | undefined
  private readonly mask: number = 0

  constructor(ids: ArrayLike<number>) {
    this.ids = ids
    this.direction = monotonicDirection(ids)
    if (this.direction !== 0) return
    let capacity = 16
    while (capacity < ids.length * 2) capacity *= 2
    this.mask = capacity - 1
    this.keys = doubles(capacity)
    this.positions = filled(capacity, -1)
    for (let i = 0; i < ids.length; i++) this.set(ids[i], i)
  }

  private slot(id: number): number {
    // Fibonacci hashing of the low 32 bits; ids are integers (GitHub's are well below 2^53).
    return Math.imul(id | 0, 0x9e3779b1) & this.mask
  }

  /** A repeated id maps to its last position, like Map#set. */
  private set(id: number, position: number): void {
    const keys = this.keys as number[]
    const positions = this.positions as number[]
    let s = this.slot(id)
    while (positions[s] !== -1 && keys[s] !== id) s = (s + 1) & this.mask
    keys[s] = id
    positions[s] = position
  }

  /** Position of the id, or -1 when absent. */
  get(id: number): number {
    if (this.direction !== 0) return this.search(id)
    const keys = this.keys as number[]
    const positions = this.positions as number[]
    let s = this.slot(id)
    while (positions[s] !== -1) {
      if (keys[s] === id) return positions[s]
      s = (s + 1) & this.mask
    }
    return -1
  }

  /**
   * Galloping search from the finger over the monotonic ids. Comparing `direction * id` makes a
   * descending sequence ascending; `before(p)` means the id at p sorts before the one sought.
   */
  private search(id: number): number {
    const ids = this.ids
    const n = ids.length
    if (n === 0 || !(id === id)) return -1 // empty, or NaN
    const d = this.direction
    const key = d * id
    const f = this.finger
    let lo: number // -1 or a position that sorts before the key
    let hi: number // n or a position that does not
    if (d * ids[f] < key) {
      lo = f
      let step = 1
      hi = f + 1
      while (hi < n && d * ids[hi] < key) {
        lo = hi
        step *= 2
        hi = f + step
      }
      if (hi > n) hi = n
    } else {
      hi = f
      let step = 1
      lo = f - 1
      while (lo >= 0 && !(d * ids[lo] < key)) {
        hi = lo
        step *= 2
        lo = f - step
      }
      if (lo < -1) lo = -1
    }
    while (hi - lo > 1) {
      const mid = (lo + hi) >>> 1
      if (d * ids[mid] < key) lo = mid
      else hi = mid
    }
    if (hi < n && ids[hi] === id) {
      this.finger = hi
      return hi
    }
    return -1
  }
}

/** +1 when strictly ascending, -1 when strictly descending (repeats and NaN excluded), else 0. */
function monotonicDirection(ids: ArrayLike<number>): number {
  const n = ids.length
  if (n < 2) return n === 1 && ids[0] === ids[0] ? 1 : 0
  let k = 1
  if (ids[0] > ids[1]) {
    while (k < n && ids[k - 1] > ids[k]) k++
    return k === n ? -1 : 0
  }
  while (k < n && ids[k - 1] < ids[k]) k++
  return k === n ? 1 : 0
}
