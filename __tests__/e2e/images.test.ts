// End-to-end for container images as graphs: a real (not dry) cleanup against the fake's
// REST API and registry, then every kept image is resolved through the registry and each of
// its children must still be there — and everything the policy meant to remove is gone.
import { FakeGitHub, type FakePackageSeed } from '../fake/index.js'
import { cosignSignature, multiArchImage, nestedIndex, referrer, referrersTagIndex, singleImage, type BuiltImage } from '../fake/images.js'
import { runAction, type ActionRun } from './run-action.js'
import { PAT, daysAgo, world } from './world.js'

const POLICY = `version: 1
protect:
  tags: ["v*", "latest"]
rules:
  - name: stale-prs
    packages: { type: container, names: ["web", "api"] }
    match: { tags: ["pr-*"], older-than: 14d }
  - name: untagged
    packages: { type: container, names: ["web", "api"] }
    match: { untagged: true, older-than: 30d }
`

interface Scenario {
  release: BuiltImage
  latest: BuiltImage
  prOld: BuiltImage
  prOldSignature: BuiltImage
  prOldReferrer: BuiltImage
  prOldReferrersIndex: BuiltImage
  prSharing: BuiltImage
  releaseReferrer: BuiltImage
  releaseReferrersIndex: BuiltImage
  orphanBuild: BuiltImage
  oldUntagged: BuiltImage[]
  prRecent: BuiltImage
  nested: BuiltImage & { inner: BuiltImage }
  web: FakePackageSeed
}

function scenario(): Scenario {
  const platforms = ['linux/amd64', 'linux/arm64']
  // A release from long ago: its untagged platform manifests are 200 days old, so an
  // "untagged older than 30d" rule selects them — they must survive, or pulls break.
  const release = multiArchImage({ tags: ['v1.0'], created_at: daysAgo(200), platforms, attestations: true })
  const releaseReferrer = referrer(release, { artifactType: 'application/spdx+json', created_at: daysAgo(199) })
  const releaseReferrersIndex = referrersTagIndex(release, [releaseReferrer], { created_at: daysAgo(199) })
  const latest = multiArchImage({ tags: ['latest'], created_at: daysAgo(1), platforms, attestations: true })
  const prOld = multiArchImage({ tags: ['pr-1'], created_at: daysAgo(60), platforms, attestations: true })
  const prOldSignature = cosignSignature(prOld, 'sig', daysAgo(60))
  const prOldReferrer = referrer(prOld, { artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json', created_at: daysAgo(60) })
  const prOldReferrersIndex = referrersTagIndex(prOld, [prOldReferrer], { created_at: daysAgo(60) })
  // A PR build whose amd64 manifest is identical to the latest build's: shared with a kept image.
  const prSharing = multiArchImage({ tags: ['pr-2'], created_at: daysAgo(40), platforms, sharedChildren: [latest.children[0]] })
  const prRecent = multiArchImage({ tags: ['pr-3'], created_at: daysAgo(3), platforms })
  // The index of this build was deleted long ago: its platform manifests are orphans.
  const orphanBuild = multiArchImage({ tags: ['gone'], created_at: daysAgo(90), platforms, salt: 'orphan' })
  const oldUntagged = [singleImage({ tags: [], created_at: daysAgo(45), salt: 'a' }), singleImage({ tags: [], created_at: daysAgo(35), salt: 'b' })]
  const nested = nestedIndex({ tags: ['v2.0'], created_at: daysAgo(100), platforms })
  const web: FakePackageSeed = {
    owner: 'acme',
    package_type: 'container',
    name: 'web',
    visibility: 'public',
    versions: [
      ...release.versions,
      ...releaseReferrer.versions,
      ...releaseReferrersIndex.versions,
      ...latest.versions,
      ...prOld.versions,
      ...prOldSignature.versions,
      ...prOldReferrer.versions,
      ...prOldReferrersIndex.versions,
      ...prSharing.versions,
      ...prRecent.versions,
      ...orphanBuild.versions.filter(v => v !== orphanBuild.version),
      ...oldUntagged.flatMap(i => i.versions),
      ...nested.versions
    ]
  }
  return { release, latest, prOld, prOldSignature, prOldReferrer, prOldReferrersIndex, prSharing, releaseReferrer, releaseReferrersIndex, orphanBuild, oldUntagged, prRecent, nested, web }
}

let fake: FakeGitHub
afterEach(async () => {
  await fake?.stop()
})

function run(inputs: Record<string, string>): Promise<ActionRun> {
  return runAction({
    apiUrl: fake.url,
    inputs: { token: PAT, policy: POLICY, 'registry-url': fake.url, 'max-deletes-per-minute': '180', ...inputs }
  })
}

const digestsOf = (...images: BuiltImage[]): string[] => images.flatMap(i => i.versions.map(v => v.name!))

test('a real cleanup removes what the policy meant and leaves every kept image whole', async () => {
  const s = scenario()
  fake = await FakeGitHub.start(world([s.web]))
  const result = await run({ 'dry-run': 'false' })
  expect(result.exitCode).toBe(0)
  expect(result.outputs['failed-count']).toBe('0')

  // Every kept index still resolves, and so does every manifest it lists.
  expect(fake.brokenImages()).toEqual([])
  const active = new Set(fake.versions('acme', 'container', 'web').map(v => v.name))
  const kept = digestsOf(s.release, s.releaseReferrer, s.releaseReferrersIndex, s.latest, s.prRecent, s.nested)
  for (const digest of kept) expect(active.has(digest)).toBe(true)

  // Everything the policy meant to remove is gone: the old PR image with its platforms,
  // attestations, cosign signature, referrer and referrers index; the PR image that shared a
  // child (but not the shared child); the orphaned platform manifests; old untagged builds.
  const removed = [
    ...digestsOf(s.prOld, s.prOldSignature, s.prOldReferrer, s.prOldReferrersIndex, ...s.oldUntagged),
    s.prSharing.digest,
    ...s.prSharing.versions.map(v => v.name!),
    ...s.orphanBuild.versions.filter(v => v !== s.orphanBuild.version).map(v => v.name!)
  ]
  for (const digest of removed) expect(active.has(digest)).toBe(false)
  expect(active.has(s.latest.children[0].digest)).toBe(true)
  expect(active.size).toBe(kept.length)

  // Deletion order: an image before its dependants.
  const deleteOrder = fake.mutations().map(r => Number(r.path.split('/').pop()))
  const idOf = (digest: string): number => result.planFile!.packages[0].versions.find(v => v.name === digest)!.id
  const indexAt = deleteOrder.indexOf(idOf(s.prOld.digest))
  for (const child of [...s.prOld.children, ...s.prOld.attestations]) expect(deleteOrder.indexOf(idOf(child.digest))).toBeGreaterThan(indexAt)
  expect(deleteOrder.indexOf(idOf(s.prOldSignature.digest))).toBeGreaterThan(indexAt)

  // The kept shared child says why it stays.
  const shared = result.planFile!.packages[0].versions.find(v => v.name === s.latest.children[0].digest)!
  expect(shared).toMatchObject({ decision: 'keep', role: 'dependant', reason: expect.stringMatching(/platform linux\/amd64 of web:latest/) })
  const releaseChild = result.planFile!.packages[0].versions.find(v => v.name === s.release.children[1].digest)!
  expect(releaseChild).toMatchObject({ decision: 'keep', reason: expect.stringMatching(/platform linux\/arm64 of web:v1\.0/) })
})

test('only the manifests a decision needs are read, and the summary shows images whole', async () => {
  const s = scenario()
  fake = await FakeGitHub.start(world([s.web]))
  const result = await run({})
  expect(result.exitCode).toBe(0)
  expect(fake.mutations()).toEqual([])
  const manifestReads = fake.registryRequests().filter(r => r.method === 'GET' && r.path.includes('/manifests/') && r.status === 200)
  const versions = s.web.versions.length
  // Tagged images (and nested or kept indexes), not every version.
  expect(manifestReads.length).toBeLessThan(versions / 2)
  expect(result.summary).toMatch(/registry manifest reads: \d+/)
  // One entry per image, with its platforms and attestations.
  expect(result.summary).toMatch(/<code>v2\.0<\/code><\/td><td>linux\/amd64, linux\/arm64, nested index<\/td>/)
  expect(result.summary).toMatch(/<code>pr-1<\/code><\/td><td>linux\/amd64, linux\/arm64 \+ 2 attestations \+ 1 signature \+ 1 referrer \+ 1 referrers index<\/td>/)
  expect(result.summary).toMatch(/<code>pr-2<\/code><\/td><td>linux\/amd64, linux\/arm64<br>stays: linux\/amd64 \(kept: platform linux\/amd64 of web:latest\)/)
})

test('a tagged manifest that cannot be read leaves that package untouched, with a warning; others go on', async () => {
  const s = scenario()
  const api: FakePackageSeed = {
    owner: 'acme',
    package_type: 'container',
    name: 'api',
    versions: [...singleImage({ tags: ['latest'], created_at: daysAgo(1), salt: 'api' }).versions, ...singleImage({ tags: [], created_at: daysAgo(50), salt: 'api-old' }).versions]
  }
  fake = await FakeGitHub.start(world([s.web, api]))
  fake.failNext({ method: 'GET', pathIncludes: `/v2/acme/web/manifests/${s.release.digest}`, status: 503, times: 50 })
  const result = await run({ 'dry-run': 'false' })
  expect(result.exitCode).toBe(0)
  expect(result.stdout).toContain(`::warning::left untouched: manifest ${s.release.digest} of container/web could not be read`)
  expect(fake.mutations().every(r => r.path.includes('/container/api/'))).toBe(true)
  expect(fake.versions('acme', 'container', 'web')).toHaveLength(s.web.versions.length)
  expect(fake.versions('acme', 'container', 'api')).toHaveLength(1)
  const web = result.planFile!.packages.find(p => p.key === 'container/web')!
  expect(web.warning).toContain(s.release.digest)
  expect(web.versions.every(v => v.decision === 'keep')).toBe(true)
})

test('a refused image keeps its dependants: the image stays whole', async () => {
  const s = scenario()
  s.prOld.version.downloads = 6000
  fake = await FakeGitHub.start(world([s.web]))
  const result = await run({ 'dry-run': 'false' })
  expect(result.exitCode).toBe(0)
  expect(fake.brokenImages()).toEqual([])
  const active = new Set(fake.versions('acme', 'container', 'web').map(v => v.name))
  for (const digest of digestsOf(s.prOld)) expect(active.has(digest)).toBe(true)
  const skipped = Number(result.outputs['skipped-count'])
  expect(skipped).toBe(1 + s.prOld.children.length + s.prOld.attestations.length + 3)
})

test('registry tokens are registered as secrets and never written anywhere else', async () => {
  const s = scenario()
  fake = await FakeGitHub.start(world([s.web]))
  const result = await run({})
  expect(fake.issuedRegistryTokens.length).toBeGreaterThan(0)
  for (const token of [...fake.issuedRegistryTokens, PAT]) {
    expect(result.stdout).toContain(`::add-mask::${token}`)
    const written = [result.stdout.replaceAll(`::add-mask::${token}`, ''), result.stderr, result.summary, JSON.stringify(result.outputs), JSON.stringify(result.planFile)]
    for (const text of written) expect(text).not.toContain(token)
  }
})

test('a long manifest-reading phase logs progress with count, rate and ETA', async () => {
  // 110 tagged images at 1 s a request, 10 in flight: about 11 s of reads, past the 10 s cadence.
  const images = Array.from({ length: 110 }, (_, k) => singleImage({ tags: [`build-${k}`], created_at: daysAgo(10 + k), salt: `slow-${k}` }))
  const slow: FakePackageSeed = { owner: 'acme', package_type: 'container', name: 'web', versions: images.flatMap(i => i.versions) }
  fake = await FakeGitHub.start(world([slow], { faults: { seed: 1, latencyMs: 1000 } }))
  const result = await run({})
  expect(result.exitCode).toBe(0)
  const lines = result.stdout.split('\n').filter(line => line.startsWith('Reading manifests: '))
  expect(lines.length).toBeGreaterThan(0)
  for (const line of lines) expect(line).toMatch(/^Reading manifests: \d+\/\d+ \(\d+%\), [\d.]+\/min, elapsed \d+s, ETA (\d+m )?\d+s$/)
  const [done, total] = lines[0].match(/(\d+)\/(\d+)/)!.slice(1).map(Number)
  expect(done).toBeLessThan(total)
  expect(total).toBeLessThanOrEqual(110)
})
