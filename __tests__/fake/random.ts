// One seeded pseudo-random generator for everything that must be reproducible from a seed: the
// fake's fault sequences, the planner's order-independence tests and the benchmarks' inventories.

/** mulberry32: tiny, fast and good enough for reproducible test data; numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
