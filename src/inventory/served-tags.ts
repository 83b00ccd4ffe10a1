// (1.2) Tags the registry serves that no version of the view carries (a version the listing
// missed, a push the listing lags, a tag moved after its page was read) are resolved: the manifest
// each names is read, and it and what it lists are kept (PackageView.kept), whatever the listing
// says. A tag the registry no longer has (404 MANIFEST_UNKNOWN: deleted meanwhile) protects nothing;
// any other failure leaves the package untouched, as any manifest the decisions need.
import type { KeptDigest, PackageInventory, UnreadableManifest } from '../model.js'
import { RegistryError } from '../registry/errors.js'
import { isIndexMediaType, parseManifest, type ManifestReader, type TagDigestChecker } from '../registry/manifests.js'
import { registryRepository } from '../registry/names.js'

/** Nested indexes followed at most below a served tag (an index of indexes is rare; a loop must end). */
const MAX_DEPTH = 4

export interface ResolvedTags {
  inventory: PackageInventory
  /** Manifests read to resolve them. */
  reads: number
}

/**
 * `verify` (with `tags`): tags whose holder matters most, the policy's literal protect.tags and
 * keep.tags (`latest`, `prod`). One the view shows on a version is asked for its digest (a HEAD,
 * nothing downloaded): a tag moved onto an older version beyond page 1 after its page was read (a
 * rollback) is then seen, and the version it names now is read and kept like a served-only tag's.
 */
export async function resolveServedTags(
  inventory: PackageInventory,
  reader: ManifestReader,
  verify: { tags: readonly string[]; checker: TagDigestChecker } = { tags: [], checker: { tagDigest: async () => undefined } }
): Promise<ResolvedTags> {
  const view = inventory.view
  if (!view || inventory.listingProblem !== undefined) return { inventory, reads: 0 }
  const repository = registryRepository(inventory.package.owner, inventory.package.name)
  const moved = await movedTags(inventory, repository, verify)
  const toResolve = [...view.servedOnly, ...moved.filter((tag) => !view.servedOnly.includes(tag))]
  if (toResolve.length === 0) return { inventory, reads: 0 }
  const listed = new Set(inventory.versions.map((version) => version.name))
  const kept: KeptDigest[] = [...view.kept]
  const unreadable: UnreadableManifest[] = [...inventory.unreadable]
  let reads = 0
  await Promise.all(
    toResolve.map(async (tag) => {
      const visited = new Set<string>()
      // Breadth first from the tag: the manifest it names, then nested indexes the view lacks.
      let level: Array<{ reference: string; listedBy?: string }> = [{ reference: tag }]
      for (let depth = 0; depth < MAX_DEPTH && level.length > 0; depth++) {
        const next: typeof level = []
        for (const { reference, listedBy } of level) {
          reads++
          let fetched
          try {
            fetched = await reader.getManifest(repository, reference)
          } catch (error) {
            if (error instanceof RegistryError && error.code === 'MANIFEST_UNKNOWN') return
            unreadable.push({ digest: reference, reason: `tag '${tag}', served by the registry but not listed by GitHub: ${error instanceof Error ? error.message : String(error)}` })
            return
          }
          const digest = fetched.digest
          if (visited.has(digest)) continue
          visited.add(digest)
          kept.push(listedBy === undefined ? { digest, tag } : { digest, tag, listedBy })
          let manifest
          try {
            manifest = parseManifest(fetched)
          } catch (error) {
            unreadable.push({ digest, reason: `tag '${tag}': ${error instanceof Error ? error.message : String(error)}` })
            return
          }
          if (manifest.kind !== 'index') continue
          for (const entry of manifest.manifests) {
            kept.push({ digest: entry.digest, tag, listedBy: digest })
            // A listed nested index is read by the image graph; one the view lacks is read here.
            if (isIndexMediaType(entry.mediaType) && !listed.has(entry.digest)) next.push({ reference: entry.digest, listedBy: digest })
          }
        }
        level = next
      }
    })
  )
  return { inventory: { ...inventory, unreadable, view: { ...view, kept: dedupe(kept) } }, reads }
}

/**
 * The tags to verify that the view shows on a version but the registry names (by a HEAD's digest)
 * on another, or cannot say for: those are read. A tag the registry no longer serves (404) moved
 * nowhere that needs protecting.
 */
async function movedTags(inventory: PackageInventory, repository: string, verify: { tags: readonly string[]; checker: TagDigestChecker }): Promise<string[]> {
  if (verify.tags.length === 0) return []
  const wanted = new Set(verify.tags)
  const shownAt = new Map<string, Set<string>>()
  for (const version of inventory.versions) {
    for (const tag of version.tags) {
      if (!wanted.has(tag)) continue
      const digests = shownAt.get(tag) ?? new Set<string>()
      digests.add(version.name)
      shownAt.set(tag, digests)
    }
  }
  const answers = await Promise.all(
    [...shownAt].map(async ([tag, digests]) => {
      const digest = await verify.checker.tagDigest(repository, tag)
      return digest === 'absent' || (digest !== undefined && digests.has(digest)) ? undefined : tag
    })
  )
  return answers.filter((tag): tag is string => tag !== undefined)
}

function dedupe(kept: KeptDigest[]): KeptDigest[] {
  const seen = new Set<string>()
  return kept.filter((entry) => !seen.has(entry.digest) && seen.add(entry.digest) !== undefined).sort((a, b) => a.digest.localeCompare(b.digest))
}
