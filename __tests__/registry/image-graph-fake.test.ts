// The image graph with the real registry client against the fake registry: what a run costs in
// registry requests and in downloads (GitHub counts each manifest GET of a public image as one).
import { FakeGitHub, cosignSignature, multiArchImage, type FakeVersionSeed } from '../fake/index.js'
import { buildImageGraph } from '../../src/inventory/image-graph.js'
import type { PackageInventory } from '../../src/model.js'
import { RegistryClient } from '../../src/registry/client.js'
import { ago, days, decisions, keptBy, policy, rule } from './builders.js'

const retention = policy(
  [rule('stale-prs', { tags: ['pr-*'], olderThan: days(14) }), rule('untagged', { untagged: true, olderThan: days(30) })],
  ['latest', 'v*']
)

/** 45 tagged multi-arch images with attestations, 55 untagged old builds, cosign signatures of the 10 releases. */
function seedVersions(): FakeVersionSeed[] {
  const versions: FakeVersionSeed[] = []
  const build = (tags: string[], createdAt: string): void => {
    const image = multiArchImage({ tags, created_at: createdAt, platforms: ['linux/amd64', 'linux/arm64'], attestations: true, salt: createdAt })
    versions.push(...image.versions)
    if (tags[0]?.startsWith('v')) versions.push(...cosignSignature(image, 'sig', ago(0, -1)).versions)
  }
  for (let i = 0; i < 55; i++) build([], i < 5 ? ago(2 + 4 * i) : ago(31 + i))
  for (let i = 0; i < 34; i++) build([`pr-${100 + i}`], ago(1 + 2 * i))
  for (let i = 0; i < 10; i++) build([`v1.${i}`], ago(90 - 9 * i))
  build(['latest'], ago(0.5))
  return versions
}

describe('image graph against the fake registry', () => {
  let fake: FakeGitHub
  beforeAll(async () => {
    fake = await FakeGitHub.start({
      accounts: [
        { login: 'acme', type: 'Organization' },
        { login: 'octocat', type: 'User' }
      ],
      tokens: [{ token: 'ghp_reader', kind: 'pat', login: 'octocat', scopes: ['read:packages'] }],
      packages: [{ owner: 'acme', package_type: 'container', name: 'web', visibility: 'public', versions: seedVersions() }],
      registry: { maxConcurrent: 10 }
    })
  })
  afterAll(() => fake?.stop())

  it('reads only the versions no index lists for 510 versions, one token, no 429', async () => {
    const listed = fake.versions('acme', 'container', 'web')
    expect(listed).toHaveLength(510)
    const inventory: PackageInventory = {
      package: { owner: 'acme', ownerKind: 'org', type: 'container', name: 'web', visibility: 'public' },
      versions: listed.map((v) => ({ id: v.id, name: v.name, tags: v.tags, createdAt: v.created_at, updatedAt: v.updated_at })),
      references: [],
      unreadable: []
    }
    const client = new RegistryClient({ registryUrl: fake.url, githubToken: 'ghp_reader', onSecret: () => undefined })
    const result = await buildImageGraph(inventory, { reader: client, keptVersions: keptBy(retention) })

    expect(result.inventory.unreadable).toEqual([])
    // 45 tagged indexes + the index of each of the 55 untagged builds, kept or deleted; never a platform
    // manifest or attestation; the 10 signatures are known by their tags.
    expect(result.manifestReads).toBe(100)
    expect(client.stats).toEqual({ manifestReads: 100, manifestRequests: 101, tokenRequests: 1, tagsListReads: 0, retries: 0, tooManyRequests: 0 })
    const downloads = fake.versions('acme', 'container', 'web').reduce((n, v) => n + v.downloads, 0)
    expect(downloads).toBe(100)

    const decided = decisions(retention, result.inventory)
    const deleted = [...decided.values()].filter((d) => d === 'delete').length
    expect(deleted).toBe(50 * 5 + 27 * 5)
    expect(result.inventory.references.filter((r) => r.kind === 'signature')).toHaveLength(10)
  })
})
