// (1.2) Tags the registry serves that no version of the view carries are resolved: the manifest
// each names and what it lists are kept; a tag gone meanwhile protects nothing; any other
// failure leaves the package untouched.
import { resolveServedTags } from '../../src/inventory/served-tags.js'
import type { PackageInventory, PackageView } from '../../src/model.js'
import { RegistryError } from '../../src/registry/errors.js'
import type { FetchedManifest, ManifestReader } from '../../src/registry/manifests.js'
import { MEDIA_TYPES } from '../../src/registry/manifests.js'
import { container, digest, version } from '../plan/builders.js'

const view = (servedOnly: string[]): PackageView => ({ looks: [], gone: [], added: [], retagged: [], servedOnly, kept: [] })

function reader(manifests: Record<string, FetchedManifest | Error>): ManifestReader & { asked: string[] } {
  const asked: string[] = []
  return {
    asked,
    async getManifest(_repository, reference) {
      asked.push(reference)
      const found = manifests[reference]
      if (found === undefined) throw new RegistryError(`no manifest ${reference}`, 'MANIFEST_UNKNOWN', 404)
      if (found instanceof Error) throw found
      return found
    }
  }
}

const index = (own: string, children: string[], nested: string[] = []): FetchedManifest => ({
  mediaType: MEDIA_TYPES.ociIndex,
  digest: own,
  body: {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociIndex,
    manifests: [
      ...children.map((d) => ({ mediaType: MEDIA_TYPES.ociManifest, digest: d, platform: { os: 'linux', architecture: 'amd64' } })),
      ...nested.map((d) => ({ mediaType: MEDIA_TYPES.ociIndex, digest: d }))
    ]
  }
})

test('a never-listed index named by a served tag: it and its platform manifests are kept, nested indexes read', async () => {
  const inventory: PackageInventory = { ...container('web', [version(1), version(2), version(3)]), view: view(['v1']) }
  const registry = reader({ v1: index(digest(99), [digest(1), digest(2)], [digest(98)]), [digest(98)]: index(digest(98), [digest(3)]) })
  const { inventory: resolved, reads } = await resolveServedTags(inventory, registry)
  expect(reads).toBe(2)
  expect(resolved.view!.kept.map((k) => [k.digest, k.tag, k.listedBy])).toEqual(
    [
      [digest(1), 'v1', digest(99)],
      [digest(2), 'v1', digest(99)],
      [digest(3), 'v1', digest(98)],
      [digest(98), 'v1', digest(99)],
      [digest(99), 'v1', undefined]
    ].sort((a, b) => String(a[0]).localeCompare(String(b[0])))
  )
  expect(resolved.unreadable).toEqual([])
})

test('a served tag gone meanwhile protects nothing; one that cannot be read leaves the package untouched', async () => {
  const inventory: PackageInventory = { ...container('web', [version(1)]), view: view(['gone', 'broken']) }
  const registry = reader({ broken: new RegistryError('the registry answered HTTP 500 after 5 attempts', 'UNAVAILABLE', 500) })
  const { inventory: resolved } = await resolveServedTags(inventory, registry)
  expect(resolved.view!.kept).toEqual([])
  expect(resolved.unreadable).toEqual([{ digest: 'broken', reason: "tag 'broken', served by the registry but not listed by GitHub: the registry answered HTTP 500 after 5 attempts" }])
})

test('nothing to resolve: no read', async () => {
  const registry = reader({})
  await resolveServedTags({ ...container('web', [version(1)]), view: view([]) }, registry)
  expect(registry.asked).toEqual([])
})
