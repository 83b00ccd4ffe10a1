// End-to-end: one consistent listing of each package (contract 1.1), odd data as bad input, and
// runs that can plan nothing. The fake plays another actor between two pages of a listing
// (a second run, a PR-close workflow, a person deleting, pushing or retagging).
import { FakeGitHub, multiArchImage, type FakePackageSeed, type FakeVersionSeed } from '../fake/index.js'
import { runAction, type ActionRun } from './run-action.js'
import { ACTIONS_TOKEN, PAT, containerVersion, daysAgo, npmVersion, world } from './world.js'

const UNTAGGED_POLICY = `version: 1
protect:
  tags: ["latest"]
rules:
  - name: untagged
    packages: { type: container, names: ["web"] }
    match: { untagged: true, older-than: 7d }
`

function run(fake: FakeGitHub, inputs: Record<string, string> = {}): Promise<ActionRun> {
  return runAction({
    apiUrl: fake.url,
    inputs: { token: PAT, policy: UNTAGGED_POLICY, 'dry-run': 'false', 'max-deletes-per-minute': '180', 'registry-url': fake.url, ...inputs }
  })
}

/** Untagged single-platform versions with ids from `firstId` down, `ageDays` old. */
function untagged(label: string, count: number, firstId: number, ageDays: number): FakeVersionSeed[] {
  return Array.from({ length: count }, (_, i) => containerVersion(`${label}-${i}`, [], ageDays, { id: firstId - i }))
}

/** `latest`, a 3-platform image built 30 days ago, its index and platform manifests given these ids. */
function latestImage(indexId: number, childIds: number[]): { versions: FakeVersionSeed[]; digest: string; children: string[] } {
  const image = multiArchImage({ tags: ['latest'], created_at: daysAgo(30), platforms: ['linux/amd64', 'linux/arm64', 'linux/s390x'] })
  const children = image.children.map((child, i) => ({ ...child.version, id: childIds[i] }))
  return { versions: [{ ...image.version, id: indexId }, ...children], digest: image.digest, children: image.children.map(c => c.digest) }
}

const web = (versions: FakeVersionSeed[]): FakePackageSeed => ({ owner: 'acme', package_type: 'container', name: 'web', versions })
const deletes = (fake: FakeGitHub, pkg = '/container/web/') => fake.mutations().filter(r => r.method === 'DELETE' && r.path.includes(pkg))

describe('another actor changes a package while its pages are read', () => {
  test.concurrent('a deletion right after page 1 moves the tagged index at the page boundary onto page 1: latest stays whole', async () => {
    // Newest first: 100 untagged versions 10 days old fill page 1, the `latest` index (30 days old)
    // is the first of page 2 and its platform manifests follow it. The cap of 3 takes the oldest
    // deletions first: the platform manifests, were they taken for untagged images.
    const latest = latestImage(1999, [1998, 1997, 1996])
    const fake = await FakeGitHub.start(world([web([...untagged('recent', 100, 2099, 10), ...latest.versions])]))
    try {
      fake.onPageServed('acme', 'container', 'web', 1, served => served.deleteVersion(2050))
      const result = await run(fake, { 'max-deletions': '3' })
      expect(result.exitCode).toBe(0)
      expect(fake.brokenImages()).toEqual([])
      const present = fake.versions('acme', 'container', 'web').map(v => v.name)
      expect(present).toEqual(expect.arrayContaining([latest.digest, ...latest.children]))
      expect(deletes(fake)).toHaveLength(3)
      expect(result.stdout).toMatch(/container\/web: listed again \(version\(s\) 2050 no longer listed\)/)
      const children = result.planFile!.packages[0].versions.filter(v => latest.children.includes(v.name))
      expect(children.map(v => `${v.decision}: ${v.reason}`).sort()).toEqual(['linux/amd64', 'linux/arm64', 'linux/s390x'].map(p => `keep: kept: platform ${p} of web:latest`))
    } finally {
      await fake.stop()
    }
  })

  test.concurrent('a version listed twice with different tags (retagged, and a push shifted it) is never judged by its old copy', async () => {
    // The last version of page 1 is old and untagged; after page 1 is served someone tags it
    // `release` and pushes a new version, so page 2 starts with it again, tagged.
    const versions = [...untagged('recent', 99, 2100, 1), containerVersion('to-release', [], 40, { id: 2001 }), ...untagged('more', 50, 2000, 2)]
    const fake = await FakeGitHub.start(world([web(versions)]))
    try {
      fake.onPageServed('acme', 'container', 'web', 1, served => {
        served.tag(2001, ['release'])
        served.pushVersion({ tags: ['new'] })
      })
      const result = await run(fake)
      expect(result.exitCode).toBe(0)
      expect(fake.versions('acme', 'container', 'web').find(v => v.id === 2001)?.tags).toEqual(['release'])
      expect(deletes(fake)).toEqual([])
      expect(result.stdout).toMatch(/container\/web: listed again \(version\(s\) 2001 retagged; version\(s\) 2001 listed twice\)/)
      const planned = result.planFile!.packages[0].versions.filter(v => v.id === 2001)
      expect(planned).toEqual([expect.objectContaining({ decision: 'keep', tags: ['release'] })])
    } finally {
      await fake.stop()
    }
  })

  test.concurrent('a Link header announcing fewer pages than the package has: the rest is listed all the same', async () => {
    // 250 versions, 3 pages; the Link of pages 1 and 2 says there are 2. The `latest` index is the
    // first of page 3, its platform manifests the last of page 2.
    const latest = latestImage(3096, [3099, 3098, 3097])
    const versions = [...untagged('recent', 197, 3296, 1), ...latest.versions, ...untagged('older', 49, 3095, 2)]
    const fake = await FakeGitHub.start(world([web(versions)]))
    try {
      for (const page of [1, 2]) {
        fake.onPageServed('acme', 'container', 'web', page, served => {
          served.response.headers!.link = served.response.headers!.link.replace(/page=3>; rel="last"/, 'page=2>; rel="last"')
        }, { times: Infinity })
      }
      const result = await run(fake)
      expect(result.exitCode).toBe(0)
      expect(fake.brokenImages()).toEqual([])
      expect(deletes(fake)).toEqual([])
      // One pass (the count says 250: page 3 is read though the Link says 2), then page 1 again.
      expect(fake.requests.filter(r => r.path.endsWith('/container/web/versions')).map(r => r.query.page).sort()).toEqual(['1', '1', '2', '3'])
      expect(result.planFile!.packages[0].versions).toHaveLength(250)
    } finally {
      await fake.stop()
    }
  })

  test.concurrent('a package that changes during every try is left untouched with a warning; the other packages go on', async () => {
    const lib: FakePackageSeed = { owner: 'acme', package_type: 'npm', name: 'lib', versions: [npmVersion('1.0.0-SNAPSHOT', 40), npmVersion('2.0.0', 1)] }
    const fake = await FakeGitHub.start(world([web([...untagged('recent', 140, 2139, 1), ...untagged('old', 10, 1999, 40)]), lib]))
    try {
      fake.onPageServed('acme', 'container', 'web', 1, served => served.deleteVersion(fake.versions('acme', 'container', 'web')[0].id), { times: Infinity })
      const policy = `${UNTAGGED_POLICY}  - name: snapshots
    packages: { type: npm, names: ["lib"] }
    match: { versions: ["*-SNAPSHOT"] }
`
      const result = await run(fake, { policy })
      expect(result.exitCode).toBe(0)
      expect(deletes(fake)).toEqual([])
      expect(result.stdout).toMatch(/::warning::left untouched: container\/web could not be listed consistently: its versions changed while they were listed, 3 times/)
      expect(deletes(fake, '/npm/lib/')).toHaveLength(1)
      const webPlan = result.planFile!.packages.find(p => p.key === 'container/web')!
      expect(webPlan.versions.every(v => v.decision === 'keep' && v.reason === 'kept: package left untouched, its versions changed while they were listed')).toBe(true)
    } finally {
      await fake.stop()
    }
  })

  test.concurrent('when every package is left untouched the run fails, saying so', async () => {
    const fake = await FakeGitHub.start(world([web([...untagged('recent', 140, 2139, 1), ...untagged('old', 10, 1999, 40)])]))
    try {
      fake.onPageServed('acme', 'container', 'web', 1, served => served.deleteVersion(fake.versions('acme', 'container', 'web')[0].id), { times: Infinity })
      const result = await run(fake)
      expect(result.exitCode).toBe(1)
      expect(result.stdout).toMatch(/::error::Every package was left untouched for safety, so nothing could be planned: container\/web/)
      expect(deletes(fake)).toEqual([])
      expect(result.outputs['planned-count']).toBe('0')
    } finally {
      await fake.stop()
    }
  })
})

describe('odd data is bad input, not a crash', () => {
  test.concurrent('versions without a readable timestamp are kept whatever the rules say; the others are planned as usual', async () => {
    const lib: FakePackageSeed = {
      owner: 'acme',
      package_type: 'npm',
      name: 'lib',
      versions: ['0.1.0', '0.2.0', '0.3.0', '0.4.0', '0.5.0', '0.6.0'].map(name => npmVersion(name, 300)).concat([npmVersion('1.0.0', 100), npmVersion('1.1.0', 90), npmVersion('2.0.0', 1)])
    }
    const fake = await FakeGitHub.start(world([lib]))
    try {
      const odd: Record<string, Record<string, unknown>> = {
        '0.1.0': { created_at: null, updated_at: null },
        '0.2.0': { created_at: 1718452800 },
        '0.3.0': { created_at: undefined, updated_at: undefined },
        '0.4.0': { created_at: '12', updated_at: '12' },
        '0.5.0': { updated_at: 'yesterday' },
        '0.6.0': { created_at: '2024-06-15', updated_at: '2024-06-15' }
      }
      fake.onPageServed('acme', 'npm', 'lib', 1, served => {
        for (const version of served.response.body as Array<Record<string, unknown>>) {
          for (const [key, value] of Object.entries(odd[version.name as string] ?? {})) {
            if (value === undefined) delete version[key]
            else version[key] = value
          }
        }
      }, { times: Infinity })
      const policy = `version: 1
rules:
  - name: old
    packages: { type: npm, names: ["lib"] }
    match: { older-than: 30d }
`
      const result = await run(fake, { policy })
      expect(result.exitCode).toBe(0)
      expect(fake.versions('acme', 'npm', 'lib').map(v => v.name).sort()).toEqual(['0.1.0', '0.2.0', '0.3.0', '0.4.0', '0.5.0', '0.6.0', '2.0.0'])
      const kept = result.planFile!.packages[0].versions.filter(v => v.reason === 'kept: its timestamp cannot be read')
      expect(kept.map(v => v.name).sort()).toEqual(Object.keys(odd))
      expect(result.summary).not.toMatch(/NaN/)
    } finally {
      await fake.stop()
    }
  })

  test.concurrent('a page that is not a list of versions: the run fails saying what GitHub answered', async () => {
    const fake = await FakeGitHub.start(world([web(untagged('old', 3, 1999, 40))]))
    try {
      fake.onPageServed('acme', 'container', 'web', 1, served => {
        served.response.body = { message: 'Something unexpected' }
      }, { times: Infinity })
      const result = await run(fake)
      expect(result.exitCode).toBe(1)
      expect(result.stdout).toMatch(/::error::Listing the versions of container\/web owned by 'acme' failed: GitHub answered GET \/orgs\/acme\/packages\/container\/web\/versions\?\S+ with something that is not a list of versions \(it begins "\{\\"message\\":\\"Something unexpected\\"\}"\)/)
      expect(fake.mutations()).toEqual([])
    } finally {
      await fake.stop()
    }
  })

  test.concurrent('a page answering 500 on every retry is a server error, not a scope problem', async () => {
    const fake = await FakeGitHub.start(world([web(untagged('old', 3, 1999, 40))]))
    try {
      // GitHub sends a classic PAT's scope headers with every answer, errors included.
      const headers = { 'x-oauth-scopes': 'delete:packages, read:packages, write:packages', 'x-accepted-oauth-scopes': 'read:packages' }
      fake.failNext({ method: 'GET', pathIncludes: '/container/web/versions', status: 500, message: 'Internal Server Error', headers, times: 10 })
      const result = await run(fake)
      expect(result.exitCode).toBe(1)
      expect(result.stdout).toMatch(/::error::GitHub failed while listing the versions of container\/web owned by 'acme': HTTP 500: Internal Server Error, still failing after retries\. This is a server error on GitHub's side, not a problem with the token or its scopes/)
      expect(result.stdout).not.toMatch(/::error::.*needs a classic personal access token/)
      expect(fake.mutations()).toEqual([])
    } finally {
      await fake.stop()
    }
  })

  test.concurrent('a GITHUB_TOKEN meeting a glob gets one fix: literal names or a classic PAT', async () => {
    const fake = await FakeGitHub.start(world([web(untagged('old', 3, 1999, 40))]))
    try {
      const result = await run(fake, { token: ACTIONS_TOKEN, policy: UNTAGGED_POLICY.replace('names: ["web"]', 'names: ["we*"]') })
      expect(result.exitCode).toBe(1)
      const errors = result.stdout.split('\n').filter(line => line.startsWith('::error'))
      expect(errors).toHaveLength(1)
      expect(errors[0]).toMatch(/Rule 'untagged' selects container packages by glob \(we\*\).*an Actions GITHUB_TOKEN cannot list packages, whatever its permissions\. Either name the packages literally in packages\.names .*, or pass a classic personal access token with read:packages/)
      expect(errors[0]).not.toMatch(/Grant|Admin|packages: write/)
      expect(fake.mutations()).toEqual([])
    } finally {
      await fake.stop()
    }
  })
})

describe('a run that can plan nothing fails', () => {
  test.concurrent('none of the packages the policy names is found: exit 1, with what to do', async () => {
    const fake = await FakeGitHub.start(world([web(untagged('old', 3, 1999, 40))]))
    try {
      const result = await run(fake, { policy: UNTAGGED_POLICY.replace('names: ["web"]', 'names: ["wbe"]') })
      expect(result.exitCode).toBe(1)
      expect(result.stdout).toMatch(/::error::None of the packages the policy names was found \(owner 'acme'\): container\/wbe\. Check the names in packages\.names.*Manage Actions access.*classic personal access token with read:packages/)
      expect(result.outputs['planned-count']).toBe('0')
      expect(fake.mutations()).toEqual([])
    } finally {
      await fake.stop()
    }
  })

  test.concurrent('globs that match no package: exit 1 too', async () => {
    const fake = await FakeGitHub.start(world([web(untagged('old', 3, 1999, 40))]))
    try {
      const result = await run(fake, { policy: UNTAGGED_POLICY.replace('names: ["web"]', 'names: ["api-*"]') })
      expect(result.exitCode).toBe(1)
      expect(result.stdout).toMatch(/::error::No package of owner 'acme' matches the policy's names: container\/api-\*\. Check the names/)
    } finally {
      await fake.stop()
    }
  })
})
