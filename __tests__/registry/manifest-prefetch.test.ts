// Prefetching starts, while versions are still being listed, exactly reads the image graph makes
// anyway: the same manifests are read, each once, and a failed read fails closed as before.
import { buildImageGraph } from '../../src/inventory/image-graph.js'
import { PrefetchingReader, surelyRead } from '../../src/inventory/manifest-prefetch.js'
import type { PackageVersion } from '../../src/model.js'
import { RegistryError } from '../../src/registry/errors.js'
import type { FetchedManifest } from '../../src/registry/manifests.js'
import { ago, days, ImagePackage, keptBy, policy, rule } from './builders.js'

const retention = policy([rule('untagged', { untagged: true, olderThan: days(7) })], ['latest'])

function signedPackage(): ImagePackage {
  const pkg = new ImagePackage('web')
  for (let i = 0; i < 6; i++) pkg.multiArch([], ago(20 + i))
  for (let i = 0; i < 4; i++) {
    const release = pkg.multiArch([`v1.${i}`], ago(10 + i))
    pkg.cosign(release.index, 'sig', ago(10 + i))
  }
  pkg.single(['nightly'], ago(1))
  return pkg
}

/** Lists the package's versions in pages of `size`, prefetching from each, as the inventory does. */
function listInPages(pkg: ImagePackage, reader: PrefetchingReader, size: number): void {
  for (let from = 0; from < pkg.versions.length; from += size) reader.prefetch('acme/web', pkg.versions.slice(from, from + size))
}

describe('PrefetchingReader', () => {
  it('reads, during the listing, only manifests the image graph reads, and each only once', async () => {
    const direct = signedPackage()
    const alone = await buildImageGraph(direct.inventory(), { reader: direct, keptVersions: keptBy(retention) })

    const pkg = signedPackage()
    const reader = new PrefetchingReader(pkg)
    listInPages(pkg, reader, 7)
    const prefetched = [...pkg.reads]
    // The 4 tagged indexes and the single nightly; not the 4 cosign signatures, not untagged versions.
    expect(prefetched).toHaveLength(5)
    expect(prefetched.every((digest) => surelyRead(pkg.versions.find((v) => v.name === digest) as PackageVersion))).toBe(true)

    const result = await buildImageGraph(pkg.inventory(), { reader, keptVersions: keptBy(retention) })
    expect(pkg.reads.slice(0, prefetched.length)).toEqual(prefetched)
    expect([...pkg.reads].sort()).toEqual([...direct.reads].sort())
    expect(new Set(pkg.reads).size).toBe(pkg.reads.length)
    expect(result.inventory.references).toEqual(alone.inventory.references)
    expect(result.manifestReads).toBe(alone.manifestReads)
  })

  it('hands a prefetched failure to the image graph, which fails the package closed', async () => {
    const pkg = signedPackage()
    const tagged = pkg.versions.find((v) => v.tags.includes('v1.2')) as PackageVersion
    const failing: Pick<ImagePackage, 'getManifest'> = {
      getManifest: (repository, reference): Promise<FetchedManifest> =>
        reference === tagged.name ? Promise.reject(new RegistryError('HTTP 503 after 5 attempts', 'UNAVAILABLE', 503)) : pkg.getManifest(repository, reference)
    }
    const reader = new PrefetchingReader(failing)
    listInPages(pkg, reader, 100)
    // The rejection waits for the graph without being reported as unhandled.
    await new Promise((resolve) => setImmediate(resolve))
    const result = await buildImageGraph(pkg.inventory(), { reader, keptVersions: keptBy(retention) })
    expect(result.inventory.unreadable).toEqual([{ digest: tagged.name, reason: "tag 'v1.2': HTTP 503 after 5 attempts" }])
  })

  it('a version listed twice (pages overlapping while versions are pushed) is read once', async () => {
    const pkg = signedPackage()
    const reader = new PrefetchingReader(pkg)
    reader.prefetch('acme/web', pkg.versions)
    reader.prefetch('acme/web', pkg.versions)
    expect(pkg.reads).toHaveLength(5)
  })
})
