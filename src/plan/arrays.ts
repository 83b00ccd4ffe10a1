// Per-version numeric arrays of the planner. Two costs decide their form at a million versions:
//
// - Fresh memory: every new page is a page fault, about 1.5 ms a megabyte on a small VM, so a
//   million-slot array costs milliseconds before it is used. Temporary arrays are therefore reused
//   (Scratch), and flags are bytes.
// - Memory outside the JS heap: typed arrays live there, and every 64 MB of it makes V8 start a
//   full garbage collection of the whole heap (the inventory included: ~0.4 s at a million
//   versions). Integers and doubles are therefore plain arrays, which V8 stores flat and unboxed
//   inside the heap; only the byte flags (1 MB a million) are typed arrays.

/** n zeros, stored as small integers (positions, counts). */
export function zeros(n: number): number[] {
  return new Array<number>(n).fill(0)
}

/** n copies of a small integer. */
export function filled(n: number, value: number): number[] {
  return new Array<number>(n).fill(value)
}

/** n slots for doubles (timestamps in ms, ids): created as doubles so that storing one never converts the array. */
export function doubles(n: number): number[] {
  return new Array<number>(n).fill(0.5)
}

/** 0, 1, …, n - 1. */
export function positions(n: number): number[] {
  const order = new Array<number>(n)
  for (let i = 0; i < n; i++) order[i] = i
  return order
}

/**
 * Temporary integer arrays of one plan, reused once released. An array taken may be longer than
 * asked: only its first `length` slots are set, so callers index it and never read its length.
 */
export class Scratch {
  private readonly free: number[][] = []

  take(length: number, value = 0): number[] {
    let best = -1
    for (let k = 0; k < this.free.length; k++) {
      const size = this.free[k].length
      if (size >= length && (best < 0 || size < this.free[best].length)) best = k
    }
    if (best < 0) return filled(length, value)
    const array = this.free[best]
    this.free[best] = this.free[this.free.length - 1]
    this.free.pop()
    array.fill(value, 0, length)
    return array
  }

  release(...arrays: number[][]): void {
    for (const array of arrays) this.free.push(array)
  }
}
