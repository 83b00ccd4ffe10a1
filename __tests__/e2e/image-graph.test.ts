// End-to-end for contract 1.1's "Reading manifests", the cap on whole groups and damaged images:
// the bundled action against the fake's REST API and registry, then the fake's own integrity check
// (every kept index still lists only present manifests) after every executing run.
import { FakeGitHub, type FakePackageSeed, type FakeVersionSeed } from '../fake/index.js'
import { cosignSignature, multiArchImage, referrer, referrersTagIndex, singleImage, type BuiltImage } from '../fake/images.js'
import { runAction, type ActionRun, type RunOptions } from './run-action.js'
import { PAT, READ_ONLY_PAT, daysAgo, world } from './world.js'

const SEVEN = ['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/arm/v6', 'linux/386', 'linux/ppc64le', 'linux/s390x']

const UNTAGGED = `version: 1
rules:
  - name: untagged
    packages: { type: container, names: ["web"] }
    match: { untagged: true }
`

let fake: FakeGitHub | undefined
afterEach(async () => {
  await fake?.stop()
  fake = undefined
})

function web(...images: (BuiltImage | FakeVersionSeed[])[]): FakePackageSeed {
  return { owner: 'acme', package_type: 'container', name: 'web', versions: images.flatMap(i => (Array.isArray(i) ? i : i.versions)) }
}

function run(inputs: Record<string, string>, options: Partial<RunOptions> = {}): Promise<ActionRun> {
  return runAction({
    apiUrl: fake!.url,
    inputs: { token: PAT, policy: UNTAGGED, 'registry-url': fake!.url, 'max-deletes-per-minute': '180', ...inputs },
    ...options
  })
}

const active = (): Set<string> => new Set(fake!.versions('acme', 'container', 'web').map(v => v.name))
const namesOf = (image: BuiltImage): string[] => image.versions.map(v => v.name!)
const idOf = (result: ActionRun, digest: string): number => result.planFile!.packages[0].versions.find(v => v.name === digest)!.id
const deleteOrder = (): number[] => fake!.mutations().map(r => Number(r.path.split('/').pop()))

test('an index tagged sha256-<hex> of an absent digest is an image: an untagged rule leaves its 7 platforms alone', async () => {
  const tagged = multiArchImage({ tags: [`sha256-${'5e'.repeat(32)}`], created_at: daysAgo(40), platforms: SEVEN })
  const latest = singleImage({ tags: ['latest'], created_at: daysAgo(1) })
  fake = await FakeGitHub.start(world([web(tagged, latest)]))
  const result = await run({ 'dry-run': 'false' })
  expect(result.exitCode).toBe(0)
  expect(result.outputs['planned-count']).toBe('0')
  expect(fake.mutations()).toEqual([])
  expect(fake.brokenImages()).toEqual([])
  for (const digest of namesOf(tagged)) expect(active().has(digest)).toBe(true)
  // The summary shows it as one image with its platforms.
  expect(result.summary).toMatch(/linux\/386, linux\/amd64, linux\/arm\/v6, linux\/arm\/v7, linux\/arm64, linux\/ppc64le, linux\/s390x/)
})

test('an OCI referrer of a kept image is kept without a referrers-tag index; a protected referrers-tag index keeps what it lists', async () => {
  const image = singleImage({ tags: ['v1'], created_at: daysAgo(40) })
  const bundle = referrer(image, { artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json', created_at: daysAgo(40) })
  // A referrers-tag index whose image another tool deleted, protected by the policy: it must stay whole.
  const gone = singleImage({ tags: ['gone'], created_at: daysAgo(60), salt: 'gone' })
  const goneBundle = referrer(gone, { artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json', created_at: daysAgo(60) })
  const goneIndex = referrersTagIndex(gone, [goneBundle], { created_at: daysAgo(60) })
  const stale = singleImage({ tags: [], created_at: daysAgo(50), salt: 'stale' })
  fake = await FakeGitHub.start(world([web(image, bundle, goneBundle, goneIndex, stale)]))
  const policy = `${UNTAGGED}protect:\n  tags: ["sha256-*"]\n`
  const result = await run({ 'dry-run': 'false', policy })
  expect(result.exitCode).toBe(0)
  expect(fake.brokenImages()).toEqual([])
  const left = active()
  for (const digest of [image.digest, bundle.digest, goneIndex.digest, goneBundle.digest]) expect(left.has(digest)).toBe(true)
  expect(left.has(stale.digest)).toBe(false)
  const plan = result.planFile!.packages[0].versions
  expect(plan.find(v => v.name === bundle.digest)).toMatchObject({ decision: 'keep', role: 'dependant', reason: 'kept: referrer of web:v1' })
})

describe('an untagged multi-arch build goes index first, as one group', () => {
  const builds = (): { older: BuiltImage; newer: BuiltImage; latest: BuiltImage } => ({
    older: multiArchImage({ tags: [], created_at: daysAgo(20), platforms: SEVEN, salt: 'older' }),
    newer: multiArchImage({ tags: [], created_at: daysAgo(10), platforms: SEVEN, salt: 'newer' }),
    latest: multiArchImage({ tags: ['latest'], created_at: daysAgo(1), platforms: ['linux/amd64', 'linux/arm64'] })
  })

  test('a cap of 10 with two 7-platform builds (8 versions each): 8 planned, 8 deferred, no image ever broken', async () => {
    const b = builds()
    fake = await FakeGitHub.start(world([web(b.older, b.newer, b.latest)]))
    const first = await run({ 'dry-run': 'false', 'max-deletions': '10' })
    expect(first.exitCode).toBe(0)
    expect([first.outputs['planned-count'], first.outputs['deleted-count'], first.outputs['deferred-count']]).toEqual(['8', '8', '8'])
    expect(fake.brokenImages()).toEqual([])
    // Index first, then its platforms; the newer build untouched.
    const order = deleteOrder()
    expect(order[0]).toBe(idOf(first, b.older.digest))
    expect(order.slice(1).sort()).toEqual(b.older.children.map(c => idOf(first, c.digest)).sort())
    for (const digest of namesOf(b.newer)) expect(active().has(digest)).toBe(true)
    // One entry per build in the summary, with its platforms.
    expect(first.summary).toMatch(/linux\/386, linux\/amd64, linux\/arm\/v6, linux\/arm\/v7, linux\/arm64, linux\/ppc64le, linux\/s390x<\/td><td>20d<\/td><td>untagged<\/td>/)
    expect(first.summary.match(/<td>untagged<\/td><td>delete: untagged/g)).toHaveLength(2)

    const second = await run({ 'dry-run': 'false', 'max-deletions': '10' })
    expect([second.outputs['planned-count'], second.outputs['deleted-count'], second.outputs['deferred-count']]).toEqual(['8', '8', '0'])
    expect(fake.brokenImages()).toEqual([])
    expect([...active()].sort()).toEqual(namesOf(b.latest).sort())
  })

  test('a group larger than the cap is taken alone, and the run says so with the cap that would fit it', async () => {
    const b = builds()
    fake = await FakeGitHub.start(world([web(b.older, b.newer, b.latest)]))
    const result = await run({ 'dry-run': 'false', 'max-deletions': '5' })
    expect(result.exitCode).toBe(0)
    expect([result.outputs['planned-count'], result.outputs['deferred-count']]).toEqual(['8', '8'])
    expect(fake.brokenImages()).toEqual([])
    expect(result.stdout).toMatch(/::warning::container\/web: the oldest image to delete .* goes with 8 versions, more than max-deletions 5\..*max-deletions 8 would fit it/)
    expect(result.summary).toContain('<code>max-deletions: 8</code> would fit it')
  })

  test('SIGTERM in the middle of a build: no new request (1.2), nothing is left broken', async () => {
    const b = builds()
    fake = await FakeGitHub.start(world([web(b.older, b.newer, b.latest)]))
    let signalled = false
    const sigterm = (child: import('node:child_process').ChildProcess): void => {
      const poll = setInterval(() => {
        if (fake!.mutations().length < 3) return
        clearInterval(poll)
        signalled = child.kill('SIGTERM')
      }, 10)
      child.once('exit', () => clearInterval(poll))
    }
    const result = await run({ 'dry-run': 'false' }, { onStart: sigterm })
    expect(signalled).toBe(true)
    expect(result.stdout).toContain('Received SIGTERM')
    expect(fake.brokenImages()).toEqual([])
    expect(result.exitCode).toBe(1)
    const deleted = Number(result.outputs['deleted-count'])
    expect(deleted).toBeGreaterThanOrEqual(3)
    expect(deleted).toBeLessThan(8)
    expect(fake.mutations()).toHaveLength(deleted)
    expect(result.outputs['deferred-count']).toBe(String(16 - deleted))
    expect(result.summary.split('\n')[1]).toMatch(new RegExp(`Cancelled.*cancelled.*${deleted} of 16 planned deletions done, ${16 - deleted} versions deferred`))
  })
})

test('a run whose 3 of 3 deletions failed says so on its first line, and the shared advice once', async () => {
  const images = [1, 2, 3].map(k => singleImage({ tags: [], created_at: daysAgo(10 + k), salt: `doomed-${k}` }))
  fake = await FakeGitHub.start(world([web(...images, singleImage({ tags: ['latest'], created_at: daysAgo(1) }))]))
  const result = await run({ 'dry-run': 'false', token: READ_ONLY_PAT })
  expect(result.exitCode).toBe(1)
  expect(result.outputs['failed-count']).toBe('3')
  const first = result.summary.split('\n')[1]
  expect(first).toContain('3 of 3 deletions failed')
  expect(first).not.toMatch(/carried out/)
  expect(result.summary).not.toContain('failed: failed')
})

test('broken images seen before the run are reported with their missing platforms, and counted in damaged-count', async () => {
  const broken = multiArchImage({ tags: ['v1'], created_at: daysAgo(30), platforms: ['linux/amd64', 'linux/arm64', 'linux/arm/v7'], attestations: true })
  const noAttestation = multiArchImage({ tags: ['v2'], created_at: daysAgo(20), platforms: ['linux/amd64', 'linux/arm64'], attestations: true })
  const whole = multiArchImage({ tags: ['latest'], created_at: daysAgo(1), platforms: ['linux/amd64', 'linux/arm64'], attestations: true })
  // Another tool deleted the arm64 manifest of v1 (and an attestation), and only an attestation of v2.
  const removed = new Set([broken.children[1].digest, broken.attestations[0].digest, noAttestation.attestations[1].digest])
  const versions = [broken, noAttestation, whole].flatMap(i => i.versions).filter(v => !removed.has(v.name!))
  fake = await FakeGitHub.start(world([web(versions)]))
  const result = await run({})
  expect(result.exitCode).toBe(0)
  expect(result.outputs['damaged-count']).toBe('1')
  const section = result.summary.split('<h3>Broken images seen before this run</h3>')[1].split('<h3>')[0]
  expect(section).toMatch(new RegExp(`<code>v1</code></td><td>linux/arm64 \\(<code>${broken.children[1].digest.slice(0, 19)}…</code>\\)</td>`))
  expect(section).not.toContain('<code>v2</code>')
  const plan = result.planFile as unknown as { damaged: { id: number; missing: { platform?: string }[] }[] }
  expect(plan.damaged).toEqual([expect.objectContaining({ id: idOf(result, broken.digest), missing: [expect.objectContaining({ platform: 'linux/arm64' })] })])
})

test('the orphaned-signatures example removes exactly the cosign artifacts whose image is gone', async () => {
  const { readFileSync } = await import('node:fs')
  const { join } = await import('node:path')
  const { ROOT } = await import('./run-action.js')
  const policy = readFileSync(join(ROOT, 'policies', 'orphaned-signatures.yml'), 'utf8')
  const image = multiArchImage({ tags: ['v1'], created_at: daysAgo(40), platforms: ['linux/amd64', 'linux/arm64'] })
  const signatures = (['sig', 'att', 'sbom'] as const).map(kind => cosignSignature(image, kind, daysAgo(40)))
  const goneDigest = `sha256:${'0d'.repeat(32)}`
  const orphans = (['sig', 'att', 'sbom'] as const).map(kind => cosignSignature(goneDigest, kind, daysAgo(30)))
  // Not cosign artifacts: an orphaned referrers-tag index and a referrer it lists stay (sha256-* alone would take the index).
  const orphanBundle = referrer({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: goneDigest, size: 1 }, { artifactType: 'application/spdx+json', created_at: daysAgo(30) })
  const orphanIndex = referrersTagIndex(goneDigest, [orphanBundle], { created_at: daysAgo(30) })
  const latest = singleImage({ tags: ['latest'], created_at: daysAgo(1) })
  fake = await FakeGitHub.start(world([web(image, ...signatures, ...orphans, orphanBundle, orphanIndex, latest)]))
  const result = await run({ 'dry-run': 'false', policy })
  expect(result.exitCode).toBe(0)
  expect(fake.brokenImages()).toEqual([])
  const left = active()
  for (const orphan of orphans) expect(left.has(orphan.digest)).toBe(false)
  for (const kept of [image, ...signatures, orphanBundle, orphanIndex, latest]) for (const digest of namesOf(kept)) expect(left.has(digest)).toBe(true)
  expect(result.outputs['deleted-count']).toBe('3')
})

test('the broken-images example removes a broken image with what is left of it, and keeps a broken image tagged latest', async () => {
  const { readFileSync } = await import('node:fs')
  const { join } = await import('node:path')
  const { ROOT } = await import('./run-action.js')
  const policy = readFileSync(join(ROOT, 'policies', 'broken-images.yml'), 'utf8')
  const broken = multiArchImage({ tags: ['v1'], created_at: daysAgo(30), platforms: ['linux/amd64', 'linux/arm64'], attestations: true })
  const brokenLatest = multiArchImage({ tags: ['latest'], created_at: daysAgo(2), platforms: ['linux/amd64', 'linux/arm64'] })
  const whole = multiArchImage({ tags: ['v2'], created_at: daysAgo(10), platforms: ['linux/amd64', 'linux/arm64'], attestations: true })
  // Another tool deleted the arm64 manifests of v1 and of latest.
  const removed = new Set([broken.children[1].digest, brokenLatest.children[1].digest])
  fake = await FakeGitHub.start(world([web([broken, brokenLatest, whole].flatMap(i => i.versions).filter(v => !removed.has(v.name!)))]))
  expect(fake.brokenImages()).toHaveLength(2)
  const result = await run({ policy, 'dry-run': 'false' })
  expect(result.exitCode).toBe(0)
  expect(result.outputs['damaged-count']).toBe('2')
  // v1 goes whole (index first): what is left of it, the amd64 manifest and both attestations.
  const v1Left = namesOf(broken).filter(name => !removed.has(name))
  expect(result.outputs['deleted-count']).toBe(String(v1Left.length))
  expect(deleteOrder()[0]).toBe(idOf(result, broken.digest))
  for (const name of v1Left) expect(active().has(name)).toBe(false)
  // Keep and protect still win: latest stays broken (it was before the run), v2 stays whole.
  for (const name of namesOf(whole)) expect(active().has(name)).toBe(true)
  expect(active().has(brokenLatest.digest)).toBe(true)
  expect(fake.brokenImages().map(b => b.digest)).toEqual([brokenLatest.digest])
})
