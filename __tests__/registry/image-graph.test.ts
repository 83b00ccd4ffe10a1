// The image graph reads only the manifests a decision needs, and fails closed when one of them
// cannot be read. The real planner decides what is kept; an in-memory registry counts the reads.
import { buildImageGraph, buildImageGraphs, newestOfEachBurst } from '../../src/inventory/image-graph.js'
import type { PackageInventory, PackageVersion, VersionReference } from '../../src/model.js'
import { RegistryError } from '../../src/registry/errors.js'
import { parseManifest } from '../../src/registry/manifests.js'
import { indexByDigest, referencesFromManifest, tagReferences } from '../../src/registry/references.js'
import { planRetention } from '../../src/plan/planner.js'
import { ago, days, decisions, ImagePackage, keptBy, NOW, policy, rule } from './builders.js'

/** What reading every manifest would teach: the oracle the frugal graph must agree with. */
async function fullReferences(pkg: ImagePackage): Promise<VersionReference[]> {
  const byDigest = indexByDigest(pkg.versions)
  const references = tagReferences(pkg.versions, byDigest)
  for (const version of pkg.versions) {
    references.push(...referencesFromManifest(version, parseManifest(await pkg.getManifest('x/y', version.name)), byDigest))
  }
  pkg.reads.length = 0
  return references
}

const ids = (versions: PackageVersion[]): number[] => versions.map((v) => v.id)

/**
 * 500 versions: 45 tagged multi-arch images (2 platforms + 2 attestations each), of which 1 latest,
 * 10 releases and 34 PR builds, and 55 untagged old builds (indexes whose tag moved on, with their
 * children), 5 of them younger than 30 days.
 */
function busyPackage(): ImagePackage {
  const pkg = new ImagePackage('team/web')
  for (let i = 0; i < 55; i++) pkg.multiArch([], i < 5 ? ago(2 + 4 * i) : ago(31 + i))
  for (let i = 0; i < 34; i++) pkg.multiArch([`pr-${100 + i}`], ago(1 + 2 * i))
  for (let i = 0; i < 10; i++) pkg.multiArch([`v1.${i}`], ago(90 - 9 * i))
  pkg.multiArch(['latest'], ago(0.5))
  return pkg
}

const retention = policy(
  [rule('stale-prs', { tags: ['pr-*'], olderThan: days(14) }), rule('untagged', { untagged: true, olderThan: days(30) })],
  ['latest', 'v*']
)

describe('buildImageGraph', () => {
  it('a package of 500 versions with 45 tagged images reads each index once and never what an index lists', async () => {
    const pkg = busyPackage()
    expect(pkg.versions).toHaveLength(500)
    const plans = { count: 0 }
    const result = await buildImageGraph(pkg.inventory(), { reader: pkg, keptVersions: keptBy(retention, plans) })

    // 45 tagged indexes, then the newest version of each untagged build (its index, kept or
    // deleted): 100 reads, exactly the versions no index lists; 2 plans.
    expect(result.manifestReads).toBe(100)
    expect(pkg.reads).toHaveLength(100)
    expect(new Set(pkg.reads).size).toBe(100)
    expect(result.planRounds).toBe(2)
    expect(plans.count).toBe(2)
    expect(result.inventory.unreadable).toEqual([])
    // ghcr.io paths are lowercase, the package name's slash kept.
    expect([...pkg.repositories]).toEqual(['acme/team/web'])

    // The decisions are those full knowledge gives.
    const oracle = { ...pkg.inventory(), references: await fullReferences(pkg) }
    expect(decisions(retention, result.inventory)).toEqual(decisions(retention, oracle))

    // No kept index loses a child.
    const decided = decisions(retention, result.inventory)
    for (const reference of oracle.references) {
      if (decided.get(reference.parent) === 'keep') expect([reference, decided.get(reference.child)]).toEqual([reference, 'keep'])
    }
    const deleted = [...decided.values()].filter((d) => d === 'delete').length
    expect(deleted).toBe(50 * 5 + 27 * 5) // 50 old untagged builds, 27 PR builds older than 14 days
  })

  it('(1.2) under a broken rule the same package reads its 55 untagged builds too, each index once, and asks the registry nothing', async () => {
    const pkg = busyPackage()
    const brokenOnly = policy([rule('broken', { broken: true })], ['latest', 'v*'])
    const result = await buildImageGraph(pkg.inventory(), { reader: pkg, presence: pkg, keptVersions: keptBy(brokenOnly), judgesBroken: () => true })
    // 45 tagged and 55 untagged indexes: exactly the versions no index lists; none broken, no HEAD.
    expect(result.manifestReads).toBe(100)
    expect(new Set(pkg.reads).size).toBe(100)
    expect(pkg.checks).toEqual([])
    expect(result.inventory.damaged).toBeUndefined()
    expect([...decisions(brokenOnly, result.inventory).values()].every((d) => d === 'keep')).toBe(true)
  })

  it('reads untagged indexes in a second round: a kept one keeps its children, a deleted one goes as one group', async () => {
    const pkg = new ImagePackage()
    const old = pkg.multiArch([], ago(20))
    const recent = pkg.multiArch([], ago(10))
    const keepNewestUntagged = policy([rule('untagged', { untagged: true, olderThan: days(5) }, { latest: 1 })])

    // Without reading, the children of the newest untagged index look like untagged images and would go.
    const blind = decisions(keepNewestUntagged, pkg.inventory())
    expect(ids(recent.platforms).map((id) => blind.get(id))).toEqual(['delete', 'delete'])

    const result = await buildImageGraph(pkg.inventory(), { reader: pkg, keptVersions: keptBy(keepNewestUntagged) })
    expect(pkg.reads).toEqual([recent.index.name, old.index.name])
    expect(result.planRounds).toBe(2)
    const decided = decisions(keepNewestUntagged, result.inventory)
    for (const v of [recent.index, ...recent.platforms, ...recent.attestations]) expect(decided.get(v.id)).toBe('keep')
    for (const v of [old.index, ...old.platforms, ...old.attestations]) expect(decided.get(v.id)).toBe('delete')
    // The deleted build is one group, index first.
    const plan = planRetention({ policy: keepNewestUntagged, inventories: [result.inventory], now: NOW })
    expect(plan.scheduled.map((g) => g.versionIds[0])).toEqual([old.index.id])
    expect(plan.scheduled[0].versionIds.slice().sort((a, b) => a - b)).toEqual(ids([old.index, ...old.platforms, ...old.attestations]).sort((a, b) => a - b))
  })

  it('learns signatures and referrers-tag indexes from tags, reading only what may list children', async () => {
    const pkg = new ImagePackage()
    const image = pkg.multiArch(['v1'], ago(40))
    const signature = pkg.cosign(image.index, 'sig', ago(40, 60))
    const bundle = pkg.referrer(image.index, ago(40, 90))
    const referrers = pkg.referrersIndex(image.index, [bundle], ago(40, 91))
    const result = await buildImageGraph(pkg.inventory(), {
      reader: pkg,
      keptVersions: keptBy(policy([rule('all', {})], ['v1']))
    })
    // The index and the referrers index; never the cosign artifact, whose tag says it all.
    expect(pkg.reads.sort()).toEqual([image.index.name, referrers.name].sort())
    expect(result.inventory.references).toEqual(
      expect.arrayContaining([
        { child: signature.id, parent: image.index.id, kind: 'signature' },
        { child: referrers.id, parent: image.index.id, kind: 'referrers-index' },
        { child: bundle.id, parent: image.index.id, kind: 'subject' },
        { child: image.platforms[0].id, parent: image.index.id, kind: 'platform', platform: 'linux/amd64' },
        { child: image.attestations[1].id, parent: image.index.id, kind: 'attestation' }
      ])
    )
    const decided = decisions(policy([rule('all', {})], ['v1']), result.inventory)
    expect([...decided.values()].every((d) => d === 'keep')).toBe(true)
  })

  it('reads the nested indexes a tagged index lists, and what they list belongs to them', async () => {
    const pkg = new ImagePackage()
    const inner = pkg.multiArch([], ago(3, -5), { attestations: false })
    const outer = pkg.index(['v2'], ago(3), [{ mediaType: 'application/vnd.oci.image.index.v1+json', digest: inner.index.name, size: 1 }])
    const result = await buildImageGraph(pkg.inventory(), { reader: pkg, keptVersions: keptBy(policy([rule('untagged', { untagged: true })])) })
    expect(pkg.reads).toEqual([outer.name, inner.index.name])
    expect(result.inventory.references).toEqual([
      { child: inner.index.id, parent: outer.id, kind: 'platform' },
      { child: inner.platforms[0].id, parent: inner.index.id, kind: 'platform', platform: 'linux/amd64' },
      { child: inner.platforms[1].id, parent: inner.index.id, kind: 'platform', platform: 'linux/arm64' }
    ])
    const decided = decisions(policy([rule('untagged', { untagged: true })]), result.inventory)
    expect([...decided.values()]).toEqual(['keep', 'keep', 'keep', 'keep'])
  })

  it('reads a burst newest first, one version a round, so that an index is read before what it lists', async () => {
    const pkg = new ImagePackage()
    // Three untagged single-platform images pushed within a minute, then a build: one burst.
    const build = pkg.multiArch([], ago(2, -30))
    const singles = [pkg.single([], ago(2, 0)), pkg.single([], ago(2, 20)), pkg.single([], ago(2, 40))]
    const old = pkg.single([], ago(60)) // deleted: the plan deletes something, so every image is read
    const result = await buildImageGraph(pkg.inventory(), { reader: pkg, keptVersions: keptBy(policy([rule('untagged', { untagged: true, olderThan: days(30) })])) })
    expect(pkg.reads).toEqual([singles[2].name, old.name, singles[1].name, singles[0].name, build.index.name])
    expect(result.manifestReads).toBe(5)
    // Reads of single images teach nothing that changes the plan: planned again only after the index.
    expect(result.planRounds).toBe(2)
  })

  it('pushes a minute apart are separate builds: a busy package is read in one round, not one per push', async () => {
    const pkg = new ImagePackage()
    const pushes = Array.from({ length: 20 }, (_, i) => pkg.single([], ago(40, i * 60)))
    let inFlight = 0
    let mostInFlight = 0
    const concurrent = {
      getManifest: async (repo: string, ref: string) => {
        mostInFlight = Math.max(mostInFlight, ++inFlight)
        await new Promise((resolve) => setTimeout(resolve, 1))
        inFlight--
        return pkg.getManifest(repo, ref)
      }
    }
    const result = await buildImageGraph(pkg.inventory(), { reader: concurrent, keptVersions: keptBy(policy([rule('untagged', { untagged: true, olderThan: days(30) })])) })
    expect(pkg.reads.sort()).toEqual(pushes.map((p) => p.name).sort())
    expect(mostInFlight).toBe(20)
    expect(result.planRounds).toBe(1)
  })

  it('reads nothing untagged when the plan deletes nothing', async () => {
    const pkg = new ImagePackage()
    const tagged = pkg.single(['v1'], ago(1))
    pkg.multiArch([], ago(2))
    const result = await buildImageGraph(pkg.inventory(), { reader: pkg, keptVersions: keptBy(policy([rule('untagged', { untagged: true, olderThan: days(30) })])) })
    expect(pkg.reads).toEqual([tagged.name])
    expect(result.planRounds).toBe(1)
  })

  it('a referrer of a kept image is kept even when no referrers-tag index lists it', async () => {
    const pkg = new ImagePackage()
    const image = pkg.single(['v1'], ago(40))
    const bundle = pkg.referrer(image, ago(40, 90))
    const untagged = policy([rule('untagged', { untagged: true })])
    expect(decisions(untagged, pkg.inventory()).get(bundle.id)).toBe('delete')
    const result = await buildImageGraph(pkg.inventory(), { reader: pkg, keptVersions: keptBy(untagged) })
    expect(result.inventory.references).toEqual([{ child: bundle.id, parent: image.id, kind: 'subject' }])
    expect(decisions(untagged, result.inventory).get(bundle.id)).toBe('keep')
  })

  it('a multi-arch index tagged sha256-<hex> of an absent digest is an image and keeps its platforms', async () => {
    const pkg = new ImagePackage()
    const build = pkg.multiArch([`sha256-${'ab'.repeat(32)}`], ago(40), { platforms: ['linux/amd64', 'linux/arm64', 'linux/386'] })
    const untagged = policy([rule('untagged', { untagged: true })])
    const result = await buildImageGraph(pkg.inventory(), { reader: pkg, keptVersions: keptBy(untagged) })
    expect(pkg.reads).toEqual([build.index.name])
    const decided = decisions(untagged, result.inventory)
    expect([...decided.values()].every((d) => d === 'keep')).toBe(true)
  })

  it('reads the same manifests however the reads race', async () => {
    const pkg = busyPackage()
    // Bursts without an index too: single images pushed seconds apart, some kept, some deleted.
    for (let i = 0; i < 6; i++) pkg.single([], ago(40, i * 15))
    for (let i = 0; i < 3; i++) pkg.single([], ago(3, i * 15))
    const readsWith = async (seed: number): Promise<string[]> => {
      pkg.reads.length = 0
      let state = seed
      const jitter = (): number => (state = (state * 1103515245 + 12345) % 2147483648) % 7
      const racing = { getManifest: async (repo: string, ref: string) => {
        await new Promise((resolve) => setTimeout(resolve, jitter()))
        return pkg.getManifest(repo, ref)
      } }
      const result = await buildImageGraph(pkg.inventory(), { reader: racing, keptVersions: keptBy(retention) })
      expect(result.manifestReads).toBe(pkg.reads.length)
      return [...pkg.reads].sort()
    }
    const first = await readsWith(1)
    for (const seed of [2, 3, 4]) expect(await readsWith(seed)).toEqual(first)
    // Every version no index lists, and nothing an index lists.
    expect(first).toHaveLength(100 + 9)
  })

  it('passes non-container packages through without a read', async () => {
    const pkg = new ImagePackage()
    pkg.single(['1.0.0'], ago(3))
    const npm: PackageInventory = { ...pkg.inventory(), package: { ...pkg.inventory().package, type: 'npm' } }
    const result = await buildImageGraph(npm, { reader: pkg, keptVersions: () => new Set() })
    expect(result).toMatchObject({ inventory: npm, manifestReads: 0, planRounds: 0, presenceChecks: 0, gone: [] })
    expect(pkg.reads).toEqual([])
  })

  it('reads nothing of a package whose listing kept changing: it is left untouched anyway', async () => {
    const pkg = new ImagePackage()
    pkg.multiArch(['v1'], ago(3))
    pkg.single([], ago(40))
    const unsettled: PackageInventory = { ...pkg.inventory(), listingProblem: 'version 7 was listed twice' }
    const result = await buildImageGraph(unsettled, { reader: pkg, keptVersions: () => new Set() })
    expect(result).toMatchObject({ inventory: unsettled, manifestReads: 0, planRounds: 0, presenceChecks: 0, gone: [] })
    expect(pkg.reads).toEqual([])
  })
})

describe('fail closed', () => {
  it('an unreadable tagged manifest leaves its package untouched; other packages go on', async () => {
    const web = new ImagePackage('web')
    const broken = web.multiArch(['pr-1'], ago(40))
    web.multiArch(['pr-2'], ago(40))
    web.single(['main'], ago(1))
    web.failing.set(broken.index.name, new RegistryError('ghcr.io answered HTTP 503 after 5 attempts', 'UNAVAILABLE', 503))
    const api = new ImagePackage('api', 1000)
    const pr3 = api.multiArch(['pr-3'], ago(40))
    api.single(['main'], ago(1))
    const prs = policy([rule('prs', { tags: ['pr-*'] })])

    const reader = { getManifest: (repo: string, ref: string) => (repo === 'acme/web' ? web : api).getManifest(repo, ref) }
    const [webResult, apiResult] = await buildImageGraphs([web.inventory(), api.inventory()], { reader, keptVersions: keptBy(prs) })

    expect(webResult.inventory.unreadable).toEqual([
      { digest: broken.index.name, reason: "tag 'pr-1': ghcr.io answered HTTP 503 after 5 attempts" }
    ])
    expect(webResult.planRounds).toBe(0) // nothing more is read for a package that already fails closed
    expect([...decisions(prs, webResult.inventory).values()].every((d) => d === 'keep')).toBe(true)

    expect(apiResult.inventory.unreadable).toEqual([])
    const apiDecisions = decisions(prs, apiResult.inventory)
    for (const v of [pr3.index, ...pr3.platforms, ...pr3.attestations]) expect(apiDecisions.get(v.id)).toBe('delete')
  })

  it('a tagged version the registry does not know (404) although GitHub lists it fails closed', async () => {
    const pkg = new ImagePackage()
    const ghost = pkg.single(['v1'], ago(1))
    pkg.bodies.delete(ghost.name)
    const result = await buildImageGraph(pkg.inventory(), { reader: pkg, keptVersions: keptBy(policy([rule('all', {})])) })
    expect(result.inventory.unreadable).toEqual([
      {
        digest: ghost.name,
        reason: `tag 'v1': the registry has no such manifest (404 MANIFEST_UNKNOWN) although GitHub lists it as version ${ghost.id}`
      }
    ])
  })

  it('a manifest whose bytes are not the requested digest is unreadable', async () => {
    const pkg = new ImagePackage()
    const image = pkg.single(['v1'], ago(1))
    const other = pkg.single([], ago(1))
    const reader = { getManifest: async (repo: string) => ({ ...(await pkg.getManifest(repo, other.name)) }) }
    const result = await buildImageGraph(pkg.inventory(), { reader, keptVersions: keptBy(policy([rule('all', {})])) })
    expect(result.inventory.unreadable).toEqual([
      { digest: image.name, reason: `tag 'v1': the registry served manifest ${other.name} instead` }
    ])
  })

  it('an unreadable untagged image fails closed, kept or deleted: only its manifest says what it is', async () => {
    const pkg = new ImagePackage()
    const kept = pkg.multiArch([], ago(3))
    const old = pkg.multiArch([], ago(60))
    const untagged = policy([rule('untagged', { untagged: true, olderThan: days(30) })])
    pkg.failing.set(kept.index.name, new RegistryError('no answer from ghcr.io after 5 attempt(s): ECONNRESET', 'NETWORK'))
    const keptFails = await buildImageGraph(pkg.inventory(), { reader: pkg, keptVersions: keptBy(untagged) })
    expect(keptFails.inventory.unreadable).toEqual([{ digest: kept.index.name, reason: 'no answer from ghcr.io after 5 attempt(s): ECONNRESET' }])

    pkg.failing.clear()
    pkg.failing.set(old.index.name, new RegistryError('ghcr.io answered HTTP 503 after 5 attempts', 'UNAVAILABLE', 503))
    const deletedFails = await buildImageGraph(pkg.inventory(), { reader: pkg, keptVersions: keptBy(untagged) })
    expect(deletedFails.inventory.unreadable).toEqual([{ digest: old.index.name, reason: 'ghcr.io answered HTTP 503 after 5 attempts' }])
    expect([...decisions(untagged, deletedFails.inventory).values()].every((d) => d === 'keep')).toBe(true)
  })

  it('an unreadable nested index matters only when the plan keeps it', async () => {
    const pkg = new ImagePackage()
    const inner = pkg.multiArch([], ago(60, -5), { attestations: false })
    pkg.index(['pr-9'], ago(60), [{ mediaType: 'application/vnd.oci.image.index.v1+json', digest: inner.index.name, size: 1 }])
    pkg.single(['main'], ago(1)) // so that pr-9 is not the last tagged version, which GitHub keeps
    pkg.failing.set(inner.index.name, new RegistryError('ghcr.io answered HTTP 502 after 5 attempts', 'UNAVAILABLE', 502))
    const deleteOld = policy([rule('prs', { tags: ['pr-*'], olderThan: days(30) })])
    const deleted = await buildImageGraph(pkg.inventory(), { reader: pkg, keptVersions: keptBy(deleteOld) })
    expect(deleted.inventory.unreadable).toEqual([])

    const keepAll = policy([rule('prs', { tags: ['pr-*'], olderThan: days(90) })])
    const kept = await buildImageGraph(pkg.inventory(), { reader: pkg, keptVersions: keptBy(keepAll) })
    expect(kept.inventory.unreadable.map((u) => u.digest)).toEqual([inner.index.name])
  })

  it('a package that already failed closed is not read', async () => {
    const pkg = new ImagePackage()
    pkg.single(['v1'], ago(1))
    const inventory = { ...pkg.inventory(), unreadable: [{ digest: 'sha256:00', reason: 'earlier' }] }
    const result = await buildImageGraph(inventory, { reader: pkg, keptVersions: () => new Set() })
    expect(result.manifestReads).toBe(0)
    expect(result.inventory).toBe(inventory)
  })
})

describe('newestOfEachBurst', () => {
  it('picks the newest version of each group pushed close together', () => {
    const v = (id: number, createdAt: string): PackageVersion => ({ id, name: `sha256:${id}`, tags: [], createdAt, updatedAt: createdAt })
    const picked = newestOfEachBurst([
      v(1, '2026-01-01T00:00:00Z'),
      v(2, '2026-01-01T00:00:05Z'),
      v(3, '2026-01-01T00:00:30Z'), // chained: within 30 seconds of the previous one
      v(8, '2026-01-01T00:01:30Z'), // a minute later: a push of its own
      v(4, '2026-01-01T01:00:00Z'),
      v(5, '2026-01-02T00:00:00Z'),
      v(6, '2026-01-02T00:00:00Z'), // same instant: the larger id
      v(7, 'garbage')
    ])
    expect(picked.map((p) => p.id).sort()).toEqual([3, 4, 6, 7, 8])
  })

  it('chains a burst for at most five minutes: a version pushed every 20 s for an hour gives a head every five minutes, not one in all', () => {
    const start = Date.parse('2026-01-01T00:00:00Z')
    const versions = Array.from({ length: 180 }, (_, k): PackageVersion => {
      const at = new Date(start + k * 20_000).toISOString()
      return { id: k + 1, name: `sha256:${k}`, tags: [], createdAt: at, updatedAt: at }
    })
    const picked = newestOfEachBurst(versions)
    // Each head takes itself and the 15 versions of the next five minutes (300 s / 20 s).
    expect(picked.map((v) => v.id)).toEqual(Array.from({ length: 12 }, (_, k) => 180 - 16 * k))
    // So the image graph reads such a package in 16 rounds, not 180.
    let left = versions
    let rounds = 0
    for (; left.length > 0; rounds++) {
      const heads = newestOfEachBurst(left)
      left = left.filter((v) => !heads.includes(v))
    }
    expect(rounds).toBe(16)
  })
})

describe('damaged images', () => {
  /** The package without the versions `drop`: another tool deleted them (the registry no longer has them either). */
  function without(pkg: ImagePackage, drop: PackageVersion[]): PackageInventory {
    for (const version of drop) pkg.bodies.delete(version.name)
    return unlisted(pkg, drop)
  }
  /** The listing without the versions `drop`, which the registry still has (a listing that lags, or missed them). */
  function unlisted(pkg: ImagePackage, drop: PackageVersion[]): PackageInventory {
    const gone = new Set(drop.map((v) => v.id))
    return { ...pkg.inventory(), versions: pkg.versions.filter((v) => !gone.has(v.id)) }
  }
  const untagged = policy([rule('untagged', { untagged: true, olderThan: days(30) })])

  it('an index listing a platform manifest absent from the package is broken; a missing attestation is not', async () => {
    const pkg = new ImagePackage()
    const broken = pkg.multiArch(['v1'], ago(10), { platforms: ['linux/amd64', 'linux/arm64', 'linux/arm/v7'] })
    const attestationOnly = pkg.multiArch(['v2'], ago(5))
    const whole = pkg.multiArch(['v3'], ago(1))
    const inventory = without(pkg, [broken.platforms[1], broken.platforms[2], broken.attestations[0], attestationOnly.attestations[0]])
    const result = await buildImageGraph(inventory, { reader: pkg, presence: pkg, keptVersions: keptBy(untagged) })
    expect(result.inventory.damaged).toEqual([
      {
        id: broken.index.id,
        missing: [
          { digest: broken.platforms[1].name, platform: 'linux/arm64' },
          { digest: broken.platforms[2].name, platform: 'linux/arm/v7' }
        ]
      }
    ])
    // Seen in the reads made anyway: the three tagged indexes, nothing more; the registry asked only
    // about the two platform manifests the listing lacks (not about attestations).
    expect(pkg.reads.sort()).toEqual([broken.index.name, attestationOnly.index.name, whole.index.name].sort())
    expect(pkg.checks.sort()).toEqual([broken.platforms[1].name, broken.platforms[2].name].sort())
    expect(result.presenceChecks).toBe(2)
  })

  it('an untagged broken index is seen when it is read, and a referrers-tag index is never judged', async () => {
    const pkg = new ImagePackage()
    const image = pkg.single(['v1'], ago(1))
    const bundle = pkg.referrer(image, ago(1, 10))
    pkg.referrersIndex(image, [bundle], ago(1, 11))
    const old = pkg.multiArch([], ago(60))
    const inventory = without(pkg, [bundle, old.platforms[0]])
    const result = await buildImageGraph(inventory, { reader: pkg, presence: pkg, keptVersions: keptBy(untagged) })
    expect(result.inventory.damaged).toEqual([{ id: old.index.id, missing: [{ digest: old.platforms[0].name, platform: 'linux/amd64' }] }])
  })

  const brokenRule = policy([rule('broken', { broken: true })])

  it('(1.2) a platform manifest the listing lacks but the registry has: the image is whole, and nothing of it is deleted', async () => {
    const pkg = new ImagePackage()
    const release = pkg.multiArch(['v1'], ago(10))
    pkg.single(['latest'], ago(1))
    // The listing lags the push of arm64 (or missed it on a shifted page): the registry serves it.
    const inventory = unlisted(pkg, [release.platforms[1]])
    const result = await buildImageGraph(inventory, { reader: pkg, presence: pkg, keptVersions: keptBy(brokenRule), judgesBroken: () => true })
    expect(result.inventory.damaged).toBeUndefined()
    expect(pkg.checks).toEqual([release.platforms[1].name])
    const decided = decisions(brokenRule, result.inventory)
    expect([...decided.values()].every((d) => d === 'keep')).toBe(true)
  })

  it('(1.2) when the registry cannot say (503, NAME_UNKNOWN), the image is not broken, and it is said why', async () => {
    const pkg = new ImagePackage()
    const release = pkg.multiArch(['v1'], ago(10))
    pkg.single(['latest'], ago(1))
    const inventory = without(pkg, [release.platforms[1]])
    const unknown = { manifestPresence: async () => ({ state: 'unknown' as const, why: 'ghcr.io answered HTTP 503 after 5 attempts' }) }
    const result = await buildImageGraph(inventory, { reader: pkg, presence: unknown, keptVersions: keptBy(brokenRule), judgesBroken: () => true })
    expect(result.inventory.damaged).toBeUndefined()
    expect(result.undetermined).toEqual([{ id: release.index.id, why: 'linux/arm64: ghcr.io answered HTTP 503 after 5 attempts' }])
    expect([...decisions(brokenRule, result.inventory).values()].every((d) => d === 'keep')).toBe(true)
  })

  it('(1.2) a broken rule reads the untagged ghosts: an untagged index whose platforms are gone is found and deleted whole', async () => {
    const pkg = new ImagePackage()
    const ghost = pkg.multiArch([], ago(60))
    const healthy = pkg.multiArch([], ago(50))
    pkg.single(['latest'], ago(1))
    const inventory = without(pkg, [ghost.platforms[0], ghost.platforms[1]])
    // Without a broken rule nothing would be deleted, so nothing untagged would be read.
    const quiet = await buildImageGraph(inventory, { reader: pkg, presence: pkg, keptVersions: keptBy(policy([rule('v', { tags: ['v*'] })])) })
    expect(quiet.manifestReads).toBe(1)
    pkg.reads.length = 0
    const result = await buildImageGraph(inventory, { reader: pkg, presence: pkg, keptVersions: keptBy(brokenRule), judgesBroken: () => true })
    expect(result.inventory.damaged).toEqual([{ id: ghost.index.id, missing: ghost.platforms.map((p, i) => ({ digest: p.name, platform: ['linux/amd64', 'linux/arm64'][i] })) }])
    // The healthy untagged build's index is read too (to be judged), never what it lists.
    expect(pkg.reads).toEqual(expect.arrayContaining([ghost.index.name, healthy.index.name]))
    for (const child of [...healthy.platforms, ...healthy.attestations]) expect(pkg.reads).not.toContain(child.name)
    const decided = decisions(brokenRule, result.inventory)
    for (const v of [ghost.index, ...ghost.attestations]) expect(decided.get(v.id)).toBe('delete')
    for (const v of [healthy.index, ...healthy.platforms, ...healthy.attestations]) expect(decided.get(v.id)).toBe('keep')
  })
})

describe('(1.2) a version another actor deleted after the listing', () => {
  const untagged = policy([rule('untagged', { untagged: true, olderThan: days(30) })])

  it('its 404 with GitHub showing it gone: planned without it, no read failure', async () => {
    const pkg = new ImagePackage()
    const deletedMeanwhile = pkg.multiArch(['v1'], ago(40))
    const old = pkg.single([], ago(60))
    pkg.single(['latest'], ago(1))
    pkg.bodies.delete(deletedMeanwhile.index.name)
    const asked: number[] = []
    const versionState = async (_: unknown, id: number): Promise<'active' | 'gone'> => {
      asked.push(id)
      return 'gone'
    }
    const result = await buildImageGraph(pkg.inventory(), { reader: pkg, keptVersions: keptBy(untagged), versionState })
    expect(asked).toEqual([deletedMeanwhile.index.id])
    expect(result.inventory.unreadable).toEqual([])
    expect(result.gone.map((v) => v.id)).toEqual([deletedMeanwhile.index.id])
    expect(result.inventory.versions.map((v) => v.id)).not.toContain(deletedMeanwhile.index.id)
    const decided = decisions(untagged, result.inventory)
    expect(decided.get(old.id)).toBe('delete')
    // What it listed is now orphaned: judged as images (untagged, 40 days old, so deleted too).
    for (const child of deletedMeanwhile.platforms) expect(decided.get(child.id)).toBe('delete')
  })

  it('its 404 while GitHub still lists it, or cannot say: a read failure, the package fails closed', async () => {
    const pkg = new ImagePackage()
    const ghost = pkg.single(['v1'], ago(1))
    pkg.single([], ago(60))
    pkg.bodies.delete(ghost.name)
    const active = await buildImageGraph(pkg.inventory(), { reader: pkg, keptVersions: keptBy(untagged), versionState: async () => 'active' })
    expect(active.inventory.unreadable.map((u) => u.digest)).toEqual([ghost.name])
    expect(active.gone).toEqual([])
    const failing = await buildImageGraph(pkg.inventory(), {
      reader: pkg,
      keptVersions: keptBy(untagged),
      versionState: async () => {
        throw new Error('HTTP 502')
      }
    })
    expect(failing.inventory.unreadable.map((u) => u.digest)).toEqual([ghost.name])
  })

  it('another failure (503) is never taken for gone: GitHub is not asked', async () => {
    const pkg = new ImagePackage()
    const image = pkg.single(['v1'], ago(1))
    pkg.failing.set(image.name, new RegistryError('ghcr.io answered HTTP 503 after 5 attempts', 'UNAVAILABLE', 503))
    let asked = 0
    const result = await buildImageGraph(pkg.inventory(), {
      reader: pkg,
      keptVersions: keptBy(untagged),
      versionState: async () => {
        asked++
        return 'gone'
      }
    })
    expect(asked).toBe(0)
    expect(result.inventory.unreadable.map((u) => u.digest)).toEqual([image.name])
  })
})

describe('(1.2) a signature with a tag of its own', () => {
  it('is read like any tagged image (it may list platforms of its own)', async () => {
    const pkg = new ImagePackage()
    const image = pkg.single(['v1'], ago(10))
    const signature = pkg.cosign(image, 'sig', ago(10, 5))
    signature.tags.push('prod')
    const plain = pkg.cosign(image, 'att', ago(10, 6))
    await buildImageGraph(pkg.inventory(), { reader: pkg, keptVersions: keptBy(policy([rule('all', {})])) })
    expect(pkg.reads).toContain(signature.name)
    expect(pkg.reads).not.toContain(plain.name)
  })
})
