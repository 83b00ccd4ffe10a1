// Version id → position, as an open-addressing hash table in typed arrays: at a million versions a
// Map costs several times more to build (rehashing, boxed entries, garbage) than the lookups it serves.

export class IdIndex {
  private readonly keys: Float64Array
  private readonly positions: Int32Array
  private readonly mask: number

  constructor(ids: ArrayLike<number>) {
    let capacity = 16
    while (capacity < ids.length * 2) capacity *= 2
    this.mask = capacity - 1
    this.keys = new Float64Array(capacity)
    this.positions = new Int32Array(capacity).fill(-1)
    for (let i = 0; i < ids.length; i++) this.set(ids[i], i)
  }

  private slot(id: number): number {
    // Fibonacci hashing of the low 32 bits; ids are integers (GitHub's are well below 2^53).
    return Math.imul(id | 0, 0x9e3779b1) & this.mask
  }

  /** A repeated id maps to its last position, like Map#set. */
  private set(id: number, position: number): void {
    let s = this.slot(id)
    while (this.positions[s] !== -1 && this.keys[s] !== id) s = (s + 1) & this.mask
    this.keys[s] = id
    this.positions[s] = position
  }

  /** Position of the id, or -1 when absent. */
  get(id: number): number {
    let s = this.slot(id)
    while (this.positions[s] !== -1) {
      if (this.keys[s] === id) return this.positions[s]
      s = (s + 1) & this.mask
    }
    return -1
  }
}
