// Pure: which versions of a container package belong to which, from tags alone (no registry read)
// and from a parsed manifest. Only references between PRESENT versions are produced; a version
// whose parent is gone is an orphan and the planner judges it as an image.
import type { PackageVersion, VersionReference } from '../model.js'
import { classifyIndexEntry, platformLabel, type ParsedManifest } from './manifests.js'

/** Versions of one package by name; for containers the name is the manifest digest. */
export type VersionsByDigest = ReadonlyMap<string, PackageVersion>

export function indexByDigest(versions: readonly PackageVersion[]): Map<string, PackageVersion> {
  return new Map(versions.map((version) => [version.name, version]))
}

// Tags cannot contain ':', so tools spell a digest "sha256-<hex>" in a tag.
const COSIGN_ARTIFACT_TAG = /^(sha256|sha512)-([0-9a-f]{64}|[0-9a-f]{128})\.(sig|att|sbom)$/
const REFERRERS_TAG = /^(sha256|sha512)-([0-9a-f]{64}|[0-9a-f]{128})$/

/** The digest a cosign legacy artifact tag (`sha256-<hex>.sig|.att|.sbom`) belongs to. */
export function cosignArtifactSubject(tag: string): string | undefined {
  const match = COSIGN_ARTIFACT_TAG.exec(tag)
  return match ? `${match[1]}:${match[2]}` : undefined
}

/**
 * A tag tools derive from a digest (`sha256-<hex>`, `sha256-<hex>.sig|.att|.sbom`): it says what the
 * version belongs to. Any other tag (`prod`, `v1.0-amd64`) is a tag of its own (contract 1.2).
 */
export function isDigestTag(tag: string): boolean {
  return DIGEST_DERIVED_TAG.test(tag)
}

// Looser than the tags above (any length of hex): a tag of that shape is never a tag someone chose.
const DIGEST_DERIVED_TAG = /^(sha256|sha512)-[0-9a-f]+(\.(sig|att|sbom))?$/

/** The tags of `tags` that are not derived from a digest: a dependant carrying one does not follow what it belongs to. */
export function ownTags(tags: readonly string[]): string[] {
  return tags.filter((tag) => !isDigestTag(tag))
}

/** The digest an OCI referrers-tag-schema index (tagged `sha256-<hex>`) lists the referrers of. */
export function referrersTagSubject(tag: string): string | undefined {
  const match = REFERRERS_TAG.exec(tag)
  return match ? `${match[1]}:${match[2]}` : undefined
}

/** The digest whose referrers `version` lists when it is tagged by the referrers tag schema. */
export function referrersIndexSubject(version: PackageVersion): string | undefined {
  for (const tag of version.tags) {
    const subject = referrersTagSubject(tag)
    if (subject !== undefined) return subject
  }
  return undefined
}

/** References a version's tags alone establish. */
export function referencesFromTags(version: PackageVersion, byDigest: VersionsByDigest): VersionReference[] {
  const references: VersionReference[] = []
  for (const tag of version.tags) {
    const signed = cosignArtifactSubject(tag)
    const listed = signed === undefined ? referrersTagSubject(tag) : undefined
    const parent = byDigest.get(signed ?? listed ?? '')
    if (!parent || parent.id === version.id) continue
    references.push({ child: version.id, parent: parent.id, kind: signed !== undefined ? 'signature' : 'referrers-index' })
  }
  return references
}

/** Tag-derived references of every version of a package. */
export function tagReferences(versions: readonly PackageVersion[], byDigest: VersionsByDigest): VersionReference[] {
  return versions.flatMap((version) => referencesFromTags(version, byDigest))
}

/**
 * References `manifest` (the manifest of `version`) establishes:
 * - an index's entries belong to it (platform "os/arch[/variant]", attestation, or referrer for an
 *   artifact listed without a platform);
 * - a referrers-tag index (tagged `sha256-<hex>`) of a present digest lists that digest's referrers:
 *   they belong to the subject too, so they go only when both the subject and the index go. When the
 *   digest is absent the tag is just a name: the index is an image like any other, and what it
 *   lists is its own (an index someone tagged that way keeps its platforms);
 * - a manifest or index with a `subject` belongs to that subject.
 */
export function referencesFromManifest(version: PackageVersion, manifest: ParsedManifest, byDigest: VersionsByDigest): VersionReference[] {
  const references: VersionReference[] = []
  const add = (child: PackageVersion | undefined, parent: PackageVersion | undefined, reference: Omit<VersionReference, 'child' | 'parent'>): void => {
    if (child && parent && child.id !== parent.id) references.push({ child: child.id, parent: parent.id, ...reference })
  }

  if (manifest.subject) add(version, byDigest.get(manifest.subject.digest), { kind: 'subject' })
  if (manifest.kind !== 'index') return references

  const referrersOf = referrersIndexSubject(version)
  const subject = referrersOf === undefined ? undefined : byDigest.get(referrersOf)
  for (const entry of manifest.manifests) {
    const child = byDigest.get(entry.digest)
    if (subject) add(child, subject, { kind: 'subject' })
    const entryKind = classifyIndexEntry(entry)
    if (entryKind === 'attestation') {
      add(child, version, { kind: 'attestation' })
    } else if (entry.platform) {
      add(child, version, { kind: 'platform', platform: platformLabel(entry.platform) })
    } else if (entry.artifactType !== undefined || subject) {
      add(child, version, { kind: 'subject' })
    } else {
      add(child, version, { kind: 'platform' })
    }
  }
  return references
}
