// Images and dependants of one package, from its references. A version another PRESENT version
// refers to is a dependant; references to absent versions are dropped, so an orphan is judged as an
// image. Adjacency is stored compressed (offsets + flat typed arrays, no object per edge) to stay
// cheap at a million versions.
import type { ReferenceKind, VersionReference } from '../model.js'
import type { InventoryIndex } from './inventory-index.js'

export interface VersionGraph {
  isDependant: Uint8Array
  /** Parent edges of version i are e in [parentStart[i], parentStart[i + 1]). */
  parentStart: Uint32Array
  /** Position of the parent of edge e. */
  edgeParent: Uint32Array
  /** The reference edge e came from (its kind and platform). */
  edgeReference: VersionReference[]
  /** Children of version i are children[childStart[i] .. childStart[i + 1]). */
  childStart: Uint32Array
  children: Uint32Array
  /** Dependants whose every ancestor chain reaches an image, parents before children. */
  topologicalDependants: Uint32Array
  /** Dependants in or below a reference cycle: never reached from an image, kept for safety. */
  cyclic: Uint32Array
  /** 0 for images, 1 + the deepest parent for dependants (parents always have a smaller depth). */
  depth: Uint32Array
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

function prefixSums(counts: Uint32Array): void {
  for (let i = 1; i < counts.length; i++) counts[i] += counts[i - 1]
}

export function buildGraph(index: InventoryIndex, references: readonly VersionReference[]): VersionGraph {
  const n = index.versions.length

  // 1. Parent edges grouped by child (counting sort), dropping references to absent versions and to oneself.
  const refChild = new Int32Array(references.length).fill(-1)
  const refParent = new Uint32Array(references.length)
  const rawStart = new Uint32Array(n + 1)
  for (let r = 0; r < references.length; r++) {
    const child = index.indexOf.get(references[r].child)
    const parent = index.indexOf.get(references[r].parent)
    if (child < 0 || parent < 0 || child === parent) continue
    refChild[r] = child
    refParent[r] = parent
    rawStart[child + 1]++
  }
  prefixSums(rawStart)
  const rawRef = new Uint32Array(rawStart[n])
  const fill = rawStart.slice(0, n)
  for (let r = 0; r < references.length; r++) if (refChild[r] >= 0) rawRef[fill[refChild[r]]++] = r

  // 2. One edge per child/parent pair (a child has a handful of parents: a linear scan is enough).
  const parentStart = new Uint32Array(n + 1)
  const edgeParent = new Uint32Array(rawRef.length)
  const edgeReference = new Array<VersionReference>(rawRef.length)
  let edges = 0
  for (let child = 0; child < n; child++) {
    parentStart[child] = edges
    for (let k = rawStart[child]; k < rawStart[child + 1]; k++) {
      const r = rawRef[k]
      let same = parentStart[child]
      while (same < edges && edgeParent[same] !== refParent[r]) same++
      if (same === edges) {
        edgeParent[edges] = refParent[r]
        edgeReference[edges++] = references[r]
      } else if (isPreferred(references[r], edgeReference[same])) {
        edgeReference[same] = references[r]
      }
    }
  }
  parentStart[n] = edges
  edgeReference.length = edges

  // 3. Children, the same edges seen from the parent.
  const childStart = new Uint32Array(n + 1)
  for (let e = 0; e < edges; e++) childStart[edgeParent[e] + 1]++
  prefixSums(childStart)
  const children = new Uint32Array(edges)
  const childFill = childStart.slice(0, n)
  const isDependant = new Uint8Array(n)
  for (let child = 0; child < n; child++) {
    if (parentStart[child + 1] > parentStart[child]) isDependant[child] = 1
    for (let e = parentStart[child]; e < parentStart[child + 1]; e++) children[childFill[edgeParent[e]]++] = child
  }

  // 4. Kahn's algorithm from the images: a dependant is ready once all its parents are placed.
  const pendingParents = new Uint32Array(n)
  const depth = new Uint32Array(n)
  const queue = new Uint32Array(n)
  let head = 0
  let tail = 0
  for (let i = 0; i < n; i++) {
    pendingParents[i] = parentStart[i + 1] - parentStart[i]
    if (pendingParents[i] === 0) queue[tail++] = i
  }
  const imageCount = tail
  while (head < tail) {
    const node = queue[head++]
    for (let c = childStart[node]; c < childStart[node + 1]; c++) {
      const child = children[c]
      if (depth[node] + 1 > depth[child]) depth[child] = depth[node] + 1
      if (--pendingParents[child] === 0) queue[tail++] = child
    }
  }
  const cyclic: number[] = []
  for (let i = 0; i < n; i++) if (pendingParents[i] > 0) cyclic.push(i)

  return {
    isDependant,
    parentStart,
    edgeParent: edgeParent.slice(0, edges),
    edgeReference,
    childStart,
    children,
    topologicalDependants: queue.slice(imageCount, tail),
    cyclic: Uint32Array.from(cyclic),
    depth
  }
}
