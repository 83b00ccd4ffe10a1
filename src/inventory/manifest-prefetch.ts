// Manifest reads started while a package's versions are still being listed. The image graph reads
// every tagged version's manifest (image-graph.ts, step 2) once the listing is complete; those reads
// do not depend on the rest of the listing, so they start as each page of versions arrives and
// overlap the remaining pages instead of waiting behind them. Only reads the image graph surely
// makes are started (no extra downloads); the graph then reads through this reader and gets the
// prefetched answer, or its failure, exactly as if it had asked itself.
import type { PackageVersion } from '../model.js'
import type { FetchedManifest, ManifestReader } from '../registry/manifests.js'
import { cosignArtifactSubject, isDigestTag } from '../registry/references.js'

/**
 * Tagged, and not a cosign `sha256-<hex>.sig|.att|.sbom` artifact (its tag says what it belongs to),
 * unless it also carries a tag of its own (`prod`): then it is an image too, and read (1.2).
 */
export function surelyRead(version: PackageVersion): boolean {
  if (version.tags.length === 0) return false
  return !version.tags.every(isDigestTag) || !version.tags.some((tag) => cosignArtifactSubject(tag) !== undefined)
}

export class PrefetchingReader implements ManifestReader {
  private readonly started = new Map<string, Promise<FetchedManifest>>()

  constructor(private readonly reader: ManifestReader) {}

  /** Starts reading the manifests of those of `versions` the image graph will surely read. */
  prefetch(repository: string, versions: readonly PackageVersion[]): void {
    for (const version of versions) {
      if (!surelyRead(version)) continue
      const key = `${repository}@${version.name}`
      if (this.started.has(key)) continue
      const read = this.reader.getManifest(repository, version.name)
      // The failure is the image graph's to record when it asks; until then it is not unhandled.
      read.catch(() => {})
      this.started.set(key, read)
    }
  }

  /** A prefetched answer is handed out once (the graph reads each version once); anything else is read now. */
  getManifest(repository: string, reference: string): Promise<FetchedManifest> {
    const key = `${repository}@${reference}`
    const prefetched = this.started.get(key)
    if (prefetched === undefined) return this.reader.getManifest(repository, reference)
    this.started.delete(key)
    return prefetched
  }
}
