// Images and dependants of one package, from its references. A version another PRESENT version
// refers to is a dependant; references to absent versions are dropped, so an orphan is judged as an
// image. Adjacency is stored compressed (offsets + flat number arrays, no object per edge) to stay
// cheap at a million versions.
import type { ReferenceKind, VersionReference } from '../model.js'
import { Scratch, zeros } from './arrays.js'
import type { InventoryIndex } from './inventory-index.js'

export interface VersionGraph {
  /** 1 for dependants, 0 for images. */
  isDependant: Uint8Array
  /** Parent edges of version i are e in [parentStart[i], parentStart[i + 1]). */
  parentStart: readonly number[]
  /** Position of the parent of edge e. */
  edgeParent: readonly number[]
  /** The reference edge e came from (its kind and platform). */
  edgeReference: VersionReference[]
  /** Children of version i are children[childStart[i] .. childStart[i + 1]). */
  childStart: readonly number[]
  children: readonly number[]
  /**
   * order[firstDependant .. dependantsEnd): the dependants whose every ancestor chain reaches an
   * image, parents before children (the images come first in `order`).
   */
  order: readonly number[]
  firstDependant: number
  dependantsEnd: number
  /** Dependants in or below a reference cycle: never reached from an image, kept for safety. */
  cyclic: readonly number[]
  /** 0 for images, 1 + the deepest parent for dependants (parents always have a smaller depth). */
  depth: readonly number[]
}

// When the same child/parent pair is listed twice, the more specific description wins, whatever the input order.
const KIND_PREFERENCE: Record<ReferenceKind, number> = {
  platform: 0,
  attestation: 1,
  signature: 2,
  subject: 3,
  'referrers-index': 4
}

function isPreferred(a: VersionReference, b: VersionReference): boolean {
  const byKind = KIND_PREFERENCE[a.kind] - KIND_PREFERENCE[b.kind]
  if (byKind !== 0) return byKind < 0
  return (a.platform ?? '') < (b.platform ?? '')
}

function prefixSums(counts: number[]): void {
  for (let i = 1; i < counts.length; i++) counts[i] += counts[i - 1]
}

/** After a counting sort placed items with `start[key]++`, each start[key] holds the next key's start: shift them back. */
function restoreStarts(start: number[]): void {
  for (let i = start.length - 1; i > 0; i--) start[i] = start[i - 1]
  start[0] = 0
}

export function buildGraph(index: InventoryIndex, references: readonly VersionReference[], scratch = new Scratch()): VersionGraph {
  const n = index.versions.length
  const refCount = references.length
  // Temporaries at least n long, so that the planner's later steps can reuse them.
  const tempLength = Math.max(n, refCount)

  // 1. Parent edges grouped by child (counting sort), dropping references to absent versions and to
  //    oneself. `ends` plays the offsets: counts, then starts, then (after placing) each child's end.
  const refChild = refCount > 0 ? scratch.take(tempLength) : []
  const refParent = refCount > 0 ? scratch.take(tempLength) : []
  const ends = zeros(n + 1)
  let kept = 0
  for (let r = 0; r < refCount; r++) {
    const reference = references[r]
    const child = index.indexOf.get(reference.child)
    const parent = child < 0 ? -1 : index.indexOf.get(reference.parent)
    if (parent < 0 || child === parent) {
      refChild[r] = -1
      continue
    }
    refChild[r] = child
    refParent[r] = parent
    ends[child + 1]++
    kept++
  }
  prefixSums(ends)
  const rawRef = kept > 0 ? scratch.take(tempLength) : []
  for (let r = 0; r < refCount; r++) if (refChild[r] >= 0) rawRef[ends[refChild[r]]++] = r
  // ends[child] is now where child's references end; ends[child - 1] (or 0) where they start.

  // 2. One edge per child/parent pair (a child has a handful of parents: a linear scan is enough).
  const parentStart = zeros(n + 1)
  const edgeParent = kept > 0 ? zeros(kept) : []
  const edgeReference = new Array<VersionReference>(kept)
  const isDependant = new Uint8Array(n)
  let edges = 0
  let from = 0
  for (let child = 0; child < n; child++) {
    parentStart[child] = edges
    const to = ends[child]
    if (to === from) continue
    isDependant[child] = 1
    for (let k = from; k < to; k++) {
      const r = rawRef[k]
      const parent = refParent[r]
      let same = parentStart[child]
      while (same < edges && edgeParent[same] !== parent) same++
      if (same === edges) {
        edgeParent[edges] = parent
        edgeReference[edges++] = references[r]
      } else if (isPreferred(references[r], edgeReference[same])) {
        edgeReference[same] = references[r]
      }
    }
    from = to
  }
  parentStart[n] = edges
  edgeParent.length = edges
  edgeReference.length = edges
  if (refCount > 0) scratch.release(refChild, refParent)
  if (kept > 0) scratch.release(rawRef)

  // 3. Children, the same edges seen from the parent (counting sort again; `ends` is reused).
  const childStart = ends
  childStart.fill(0)
  for (let e = 0; e < edges; e++) childStart[edgeParent[e] + 1]++
  prefixSums(childStart)
  const children = edges > 0 ? zeros(edges) : []
  for (let child = 0; child < n; child++) {
    for (let e = parentStart[child]; e < parentStart[child + 1]; e++) children[childStart[edgeParent[e]]++] = child
  }
  restoreStarts(childStart)

  // 4. Kahn's algorithm from the images: a dependant is ready once all its parents are placed.
  //    Images need no depth computed (0): the order holds them first, then dependants in order.
  const order = zeros(n)
  const depth = zeros(n)
  let head = 0
  let tail = 0
  for (let i = 0; i < n; i++) if (isDependant[i] === 0) order[tail++] = i
  const firstDependant = tail
  let cyclic: number[] = []
  if (edges > 0) {
    const pendingParents = scratch.take(n)
    for (let i = 0; i < n; i++) pendingParents[i] = parentStart[i + 1] - parentStart[i]
    while (head < tail) {
      const node = order[head++]
      const childDepth = depth[node] + 1
      for (let c = childStart[node]; c < childStart[node + 1]; c++) {
        const child = children[c]
        if (childDepth > depth[child]) depth[child] = childDepth
        if (--pendingParents[child] === 0) order[tail++] = child
      }
    }
    if (tail < n) cyclic = positionsWhere(pendingParents, n)
    scratch.release(pendingParents)
  }

  return { isDependant, parentStart, edgeParent, edgeReference, childStart, children, order, firstDependant, dependantsEnd: tail, cyclic, depth }
}

function positionsWhere(pending: readonly number[], n: number): number[] {
  const found: number[] = []
  for (let i = 0; i < n; i++) if (pending[i] > 0) found.push(i)
  return found
}
