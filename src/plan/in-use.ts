// protect.in-use in the planner: the references the workspace scan found, indexed once per run by
// package, then asked per version. A version carrying a referenced tag, or whose digest is
// referenced, is protected; an unresolved reference (a templated tag) protects every version of
// its package. What belongs to a protected version follows it (judgeDependants).
import type { InUseReference, PackageVersion } from '../model.js'
import { flat } from './reasons.js'

/** The reason that protects a version ("kept: in use, deploy/prod.yaml:12"), or undefined. */
export type InUseLookup = (version: PackageVersion) => string | undefined

export interface InUseIndex {
  /** undefined when nothing in the workspace refers to the package: nothing to ask per version. */
  forPackage(name: string): InUseLookup | undefined
}

export const inUseReasons = {
  referenced: (reference: InUseReference) => flat(`kept: in use, ${reference.file}:${reference.line}`),
  unresolved: (reference: InUseReference) => flat(`kept: in use with an unresolved tag, ${reference.file}:${reference.line}`)
}

interface PackageReferences {
  byTag: Map<string, string>
  byDigest: Map<string, string>
  unresolved?: string
}

function byPlace(a: InUseReference, b: InUseReference): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line
}

export function indexInUse(references: readonly InUseReference[] | undefined): InUseIndex {
  if (!references || references.length === 0) return { forPackage: () => undefined }
  const packages = new Map<string, PackageReferences>()
  // The first reference in file and line order names the reason, whatever order the scan produced.
  for (const reference of [...references].sort(byPlace)) {
    const name = reference.package.toLowerCase()
    let entry = packages.get(name)
    if (!entry) packages.set(name, (entry = { byTag: new Map(), byDigest: new Map() }))
    if (reference.unresolved) {
      entry.unresolved ??= inUseReasons.unresolved(reference)
      continue
    }
    // With TAG@sha256:HEX both the tag's version and the digest's version are protected.
    if (reference.tag !== undefined && !entry.byTag.has(reference.tag)) entry.byTag.set(reference.tag, inUseReasons.referenced(reference))
    const digest = reference.digest?.toLowerCase()
    if (digest !== undefined && !entry.byDigest.has(digest)) entry.byDigest.set(digest, inUseReasons.referenced(reference))
  }
  return {
    // GitHub names container packages in lower case; references are matched without regard to case.
    forPackage: (name) => {
      const entry = packages.get(name.toLowerCase())
      if (!entry) return undefined
      const { byTag, byDigest, unresolved } = entry
      return (version) => {
        // A reference to this very version names it, before a package-wide unresolved one.
        if (byTag.size > 0) {
          for (const tag of version.tags) {
            const reason = byTag.get(tag)
            if (reason !== undefined) return reason
          }
        }
        return byDigest.get(version.name) ?? unresolved
      }
    }
  }
}
