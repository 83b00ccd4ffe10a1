// End-to-end for contract 1.2 on the image graph (issue 15, observations 4, 9 and 10), through the
// bundled action against the fake: broken only when the registry says so; a dependant with a tag
// of its own is kept; a version another actor deleted after the listing is gone, not unreadable.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { cosignSignature, FakeGitHub, multiArchImage, singleImage, type BuiltImage, type FakePackageSeed, type FakeVersionSeed } from '../fake/index.js'
import { ROOT, runAction, type ActionRun } from './run-action.js'
import { PAT, daysAgo, world } from './world.js'

let fake: FakeGitHub | undefined
afterEach(async () => {
  await fake?.stop()
  fake = undefined
})

function web(versions: FakeVersionSeed[]): FakePackageSeed {
  return { owner: 'acme', package_type: 'container', name: 'web', versions }
}

function run(policy: string, dryRun = 'false'): Promise<ActionRun> {
  return runAction({
    apiUrl: fake!.url,
    inputs: { token: PAT, policy, 'registry-url': fake!.url, 'dry-run': dryRun, 'max-deletes-per-minute': '180' }
  })
}

const active = (): Set<string> => new Set(fake!.versions('acme', 'container', 'web').map(v => v.name))
const namesOf = (image: BuiltImage): string[] => image.versions.map(v => v.name!)
const planned = (result: ActionRun, digest: string) => result.planFile!.packages.find(p => p.key === 'container/web')!.versions.find(v => v.name === digest)

describe('observation 4: broken only when the registry says so', () => {
  const brokenPolicy = readFileSync(join(ROOT, 'policies', 'broken-images.yml'), 'utf8')

  test('a listing that lags a push misses a platform manifest: the release still pulls, it is not broken, nothing of it is deleted', async () => {
    const release = multiArchImage({ tags: ['v1'], created_at: daysAgo(30), platforms: ['linux/amd64', 'linux/arm64'], attestations: true })
    const latest = singleImage({ tags: ['latest'], created_at: daysAgo(1) })
    const lagging = release.children[1].digest
    // The registry has arm64; GitHub's listing does not show it yet.
    const versions = [...release.versions, ...latest.versions].map(v => (v.name === lagging ? { ...v, unlisted: true as const } : v))
    fake = await FakeGitHub.start(world([web(versions)]))
    const result = await run(brokenPolicy)
    expect(result.exitCode).toBe(0)
    expect(result.outputs['damaged-count']).toBe('0')
    expect(result.outputs['planned-count']).toBe('0')
    expect(fake.mutations()).toEqual([])
    for (const name of namesOf(release)) expect(active().has(name)).toBe(true)
    expect(fake.brokenImages()).toEqual([])
    // Asked with a HEAD, which downloads nothing.
    const asked = fake.registryRequests().filter(r => r.path.endsWith(`/manifests/${lagging}`))
    expect(asked.map(r => `${r.method} ${r.status}`)).toContain('HEAD 200')
    expect(asked.some(r => r.method === 'GET')).toBe(false)
  })

  test('a registry that will not say (403 for the missing manifest): the image is not counted broken, kept, and a warning says why', async () => {
    const release = multiArchImage({ tags: ['v1'], created_at: daysAgo(30), platforms: ['linux/amd64', 'linux/arm64'] })
    const latest = singleImage({ tags: ['latest'], created_at: daysAgo(1) })
    const arm64 = release.children[1].digest
    fake = await FakeGitHub.start(world([web([...release.versions, ...latest.versions].filter(v => v.name !== arm64))]))
    fake.failNext({ pathIncludes: `/manifests/${arm64}`, status: 403, times: 2 })
    const result = await run(brokenPolicy)
    expect(result.exitCode).toBe(0)
    expect(result.outputs['damaged-count']).toBe('0')
    expect(fake.mutations()).toEqual([])
    expect(result.stdout).toMatch(/::warning::container\/web: could not tell whether version \d+ is broken/)
  })

  test('a broken rule finds an untagged ghost build whose platforms another tool deleted, and removes what is left of it', async () => {
    const ghost = multiArchImage({ tags: [], created_at: daysAgo(60), platforms: ['linux/amd64', 'linux/arm64'], attestations: true, salt: 'ghost' })
    const healthy = multiArchImage({ tags: [], created_at: daysAgo(50), platforms: ['linux/amd64', 'linux/arm64'], salt: 'healthy' })
    const latest = singleImage({ tags: ['latest'], created_at: daysAgo(1) })
    const removed = new Set(ghost.children.map(c => c.digest))
    fake = await FakeGitHub.start(world([web([...ghost.versions, ...healthy.versions, ...latest.versions].filter(v => !removed.has(v.name!)))]))
    expect(fake.brokenImages().map(b => b.digest)).toEqual([ghost.digest])
    const result = await run(brokenPolicy)
    expect(result.exitCode).toBe(0)
    expect(result.outputs['damaged-count']).toBe('1')
    // The ghost index and its two attestations, index first; the healthy untagged build stays whole.
    expect(result.outputs['deleted-count']).toBe('3')
    for (const name of namesOf(ghost).filter(n => !removed.has(n))) expect(active().has(name)).toBe(false)
    for (const name of namesOf(healthy)) expect(active().has(name)).toBe(true)
    expect(fake.brokenImages()).toEqual([])
  })
})

describe('observation 9: a dependant with a tag of its own', () => {
  test('an image tagged prod that also carries sha256-<X>.sig, and a platform manifest tagged v1.0-amd64, stay when X goes', async () => {
    const release = multiArchImage({ tags: ['v1.0'], created_at: daysAgo(40), platforms: ['linux/amd64', 'linux/arm64'] })
    const amd64 = release.children[0].digest
    const prod = cosignSignature(release, 'sig', daysAgo(40))
    const attestation = cosignSignature(release, 'att', daysAgo(40))
    const latest = singleImage({ tags: ['latest'], created_at: daysAgo(1) })
    const versions = [...release.versions, ...prod.versions, ...attestation.versions, ...latest.versions].map(v =>
      v.name === amd64 ? { ...v, tags: ['v1.0-amd64'] } : v.name === prod.digest ? { ...v, tags: [...(v.tags ?? []), 'prod'] } : v
    )
    fake = await FakeGitHub.start(world([web(versions)]))
    const policy = `version: 1
rules:
  - name: old-releases
    packages: { type: container, names: ["web"] }
    match: { tags: ["v1.*"], older-than: 30d }
`
    const result = await run(policy)
    expect(result.exitCode).toBe(0)
    const left = active()
    // v1.0 goes with its arm64 manifest and its plain cosign attestation...
    for (const gone of [release.digest, release.children[1].digest, attestation.digest]) expect(left.has(gone)).toBe(false)
    expect(result.outputs['deleted-count']).toBe('3')
    // ...but what someone tagged for itself stays, and says why.
    expect(left.has(prod.digest)).toBe(true)
    expect(left.has(amd64)).toBe(true)
    expect(planned(result, prod.digest)!.reason).toMatch(/^kept: also tagged prod\b/)
    expect(planned(result, amd64)!.reason).toMatch(/^kept: also tagged v1\.0-amd64\b/)
  })
})

describe('observation 10: another cleanup running at the same time', () => {
  test('versions another actor deletes after the listing answer 404: GitHub confirms them gone, the package is planned and cleaned without them', async () => {
    const latest = singleImage({ tags: ['latest'], created_at: daysAgo(1) })
    const release = singleImage({ tags: ['v0.9'], created_at: daysAgo(90) })
    const old = Array.from({ length: 4 }, (_, k) => singleImage({ tags: [], created_at: daysAgo(40 + k * 2), salt: `old-${k}` }))
    fake = await FakeGitHub.start(world([web([release, ...old, latest].flatMap(i => i.versions))]))
    const byName = new Map(fake.versions('acme', 'container', 'web').map(v => [v.name, v.id]))
    // The other cleanup deletes a tagged release and an untagged image right after this run listed
    // the (single) page: both are in the listing this run got, and their manifests answer 404.
    fake.onPageServed('acme', 'container', 'web', 1, served => {
      served.deleteVersion(byName.get(release.digest)!)
      served.deleteVersion(byName.get(old[0].digest)!)
    })
    const untagged = `version: 1
rules:
  - name: untagged
    packages: { type: container, names: ["web"] }
    match: { untagged: true, older-than: 30d }
`
    const result = await run(untagged)
    expect(result.exitCode).toBe(0)
    expect(result.stdout).not.toMatch(/left untouched/)
    expect(result.outputs['failed-count']).toBe('0')
    // The three untagged images still there are deleted; the two gone ones are not in the plan.
    expect(result.outputs['deleted-count']).toBe('3')
    expect([...active()]).toEqual([latest.digest])
    expect(planned(result, release.digest)).toBeUndefined()
    expect(result.stdout).toContain(`version ${byName.get(release.digest)} (v0.9) was deleted by someone else after it was listed`)
    const manifestReads = fake.registryRequests().filter(r => r.method === 'GET' && r.path.endsWith(`/manifests/${release.digest}`))
    expect(manifestReads.map(r => r.status)).toContain(404)
  })

  test('a concurrent cleanup halfway through an untagged build (its index and one platform gone): what is left is orphaned and cleaned, nothing fails', async () => {
    const latest = singleImage({ tags: ['latest'], created_at: daysAgo(1) })
    const half = multiArchImage({ tags: [], created_at: daysAgo(60), platforms: ['linux/amd64', 'linux/arm64'], salt: 'half' })
    const whole = multiArchImage({ tags: [], created_at: daysAgo(50), platforms: ['linux/amd64', 'linux/arm64'], salt: 'whole' })
    fake = await FakeGitHub.start(world([web([half, whole, latest].flatMap(i => i.versions))]))
    const byName = new Map(fake.versions('acme', 'container', 'web').map(v => [v.name, v.id]))
    // The other run deletes the older build index first, then its amd64 manifest, right after this run listed.
    fake.onPageServed('acme', 'container', 'web', 1, served => {
      served.deleteVersion(byName.get(half.digest)!)
      served.deleteVersion(byName.get(half.children[0].digest)!)
    })
    const result = await run(`version: 1
rules:
  - name: untagged
    packages: { type: container, names: ["web"] }
    match: { untagged: true, older-than: 30d }
`)
    expect(result.exitCode).toBe(0)
    expect(result.outputs['failed-count']).toBe('0')
    // The whole build (index first, as one group) and the orphaned arm64 manifest.
    expect(result.outputs['deleted-count']).toBe('4')
    expect([...active()]).toEqual([latest.digest])
    expect(fake.brokenImages()).toEqual([])
  })
})
