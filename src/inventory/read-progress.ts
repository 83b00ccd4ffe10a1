// Counts manifest reads for the inventory's progress line: each read asked for adds to the total,
// each answer (or failure) to the done count. Wraps the reader the image graph and the prefetch use.
import type { Progress } from '../progress.js'
import type { FetchedManifest, ManifestReader } from '../registry/manifests.js'

export class ProgressReader implements ManifestReader {
  constructor(
    private readonly reader: ManifestReader,
    private readonly progress: Progress
  ) {}

  getManifest(repository: string, reference: string): Promise<FetchedManifest> {
    this.progress.expect(1)
    const read = this.reader.getManifest(repository, reference)
    read.then(
      () => this.progress.advance(),
      () => this.progress.advance()
    )
    return read
  }
}
