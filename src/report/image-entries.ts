// Groups a package's versions by image for the summary: an index with its platform
// manifests, attestations and signatures is one entry, as a user thinks of "an image".
import type { ReportedVersion } from './run-report.js'

export interface ImageEntry {
  image: ReportedVersion
  /** Dependants that belong to this image, directly or through another dependant. */
  parts: ReportedVersion[]
}

/** Ids of the images a dependant ultimately belongs to (several for a shared child). */
function rootImages(version: ReportedVersion, byId: Map<number, ReportedVersion>): number[] {
  const roots = new Set<number>()
  const seen = new Set<number>()
  const stack = [...(version.belongsTo ?? [])]
  while (stack.length > 0) {
    const id = stack.pop()!
    if (seen.has(id)) continue
    seen.add(id)
    const parent = byId.get(id)
    if (!parent) continue
    if (parent.role === 'image') roots.add(id)
    else stack.push(...(parent.belongsTo ?? []))
  }
  return [...roots]
}

export function imageEntries(versions: ReportedVersion[]): ImageEntry[] {
  const byId = new Map(versions.map(v => [v.id, v]))
  const entries = new Map<number, ImageEntry>()
  for (const v of versions) if (v.role === 'image') entries.set(v.id, { image: v, parts: [] })
  for (const v of versions) {
    if (v.role === 'image') continue
    const roots = rootImages(v, byId)
    // A dependant without a present image (a reference cycle) is shown on its own.
    if (roots.length === 0) entries.set(v.id, { image: v, parts: [] })
    for (const root of roots) entries.get(root)!.parts.push(v)
  }
  return versions.filter(v => entries.has(v.id)).map(v => entries.get(v.id)!)
}

// In this order in the description: what a user pulls first, then what is attached to it.
const KIND_NAMES: Record<string, [string, string]> = {
  attestation: ['attestation', 'attestations'],
  signature: ['signature', 'signatures'],
  sbom: ['SBOM', 'SBOMs'],
  subject: ['referrer', 'referrers'],
  'referrers-index': ['referrers index', 'referrers indexes']
}

/**
 * What a part is, as a user names it: a cosign `sha256-<hex>.att` is an attestation and `.sbom` an
 * SBOM, though the graph files all three cosign artifacts as 'signature'.
 */
function partKind(part: ReportedVersion): string {
  if (part.kind !== 'signature') return part.kind ?? 'child'
  if (part.tags.some(t => t.endsWith('.att'))) return 'attestation'
  if (part.tags.some(t => t.endsWith('.sbom'))) return 'sbom'
  return 'signature'
}

/** "linux/amd64, linux/arm64 + 2 attestations + 1 signature". */
export function describeParts(parts: ReportedVersion[]): string {
  if (parts.length === 0) return ''
  // A platform entry without a platform is a nested index.
  const platforms = parts
    .filter(p => p.kind === 'platform')
    .map(p => p.platform ?? 'nested index')
    .sort()
  const counts = new Map<string, number>()
  for (const p of parts) if (p.kind !== 'platform') counts.set(partKind(p), (counts.get(partKind(p)) ?? 0) + 1)
  const order = Object.keys(KIND_NAMES)
  const others = [...counts]
    .sort(([a], [b]) => (order.indexOf(a) + 1 || order.length + 1) - (order.indexOf(b) + 1 || order.length + 1))
    .map(([kind, n]) => {
      const [one, many] = KIND_NAMES[kind] ?? ['child', 'children']
      return `${n} ${n === 1 ? one : many}`
    })
  return [platforms.join(', '), ...others].filter(Boolean).join(' + ')
}
