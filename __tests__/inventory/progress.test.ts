// Progress of the inventory: pages listed (PackagesApi tells each page's listing size) and
// manifests read (ProgressReader), both through the Progress line deletion uses, whose total
// grows as work is discovered.
import { FakeGitHub, type FakeVersionSeed } from '../fake/index.js'
import { createOctokit } from '../../src/github/client.js'
import { PackagesApi } from '../../src/github/packages-api.js'
import { RateLimitTracker } from '../../src/github/rate-limit.js'
import { ProgressReader } from '../../src/inventory/read-progress.js'
import { Progress } from '../../src/progress.js'
import type { FetchedManifest, ManifestReader } from '../../src/registry/manifests.js'
import { PAT, npmVersion, world } from '../e2e/world.js'

test('a growing total: lines come by time only, with the total known so far and its ETA', () => {
  const lines: string[] = []
  let clock = 0
  const progress = new Progress({ total: 0, label: 'Listing versions (pages)', log: line => lines.push(line), now: () => clock, everyCount: Number.POSITIVE_INFINITY })
  progress.expect(100)
  for (let page = 0; page < 30; page++) {
    clock += 500
    progress.advance()
  }
  expect(lines).toEqual(['Listing versions (pages): 20/100 (20%), 120.0/min, elapsed 10s, ETA 40s'])
  progress.expect(200) // a second package's first page
  for (let page = 0; page < 20; page++) {
    clock += 500
    progress.advance()
  }
  expect(lines).toEqual([
    'Listing versions (pages): 20/100 (20%), 120.0/min, elapsed 10s, ETA 40s',
    'Listing versions (pages): 40/300 (13%), 120.0/min, elapsed 20s, ETA 2m 10s'
  ])
})

class ScriptedReader implements ManifestReader {
  readonly pending: { resolve: (m: FetchedManifest) => void; reject: (e: Error) => void }[] = []
  getManifest(): Promise<FetchedManifest> {
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject }))
  }
}

test('every read asked for adds to the total; answers and failures both count as done', async () => {
  const lines: string[] = []
  let clock = 0
  const progress = new Progress({ total: 0, label: 'Reading manifests', log: line => lines.push(line), now: () => clock, everyCount: Number.POSITIVE_INFINITY })
  const scripted = new ScriptedReader()
  const reader = new ProgressReader(scripted, progress)
  const reads = Array.from({ length: 4 }, (_, k) => reader.getManifest('acme/web', `sha256:${k}`))
  reads[3].catch(() => {})
  clock = 10_000
  scripted.pending[0].resolve({} as FetchedManifest)
  scripted.pending[3].reject(new Error('503'))
  await Promise.allSettled([reads[0], reads[3]])
  expect(lines).toEqual(['Reading manifests: 1/4 (25%), 6.0/min, elapsed 10s, ETA 30s'])
  clock = 20_000
  scripted.pending[1].resolve({} as FetchedManifest)
  await reads[1]
  expect(lines.at(-1)).toBe('Reading manifests: 3/4 (75%), 9.0/min, elapsed 20s, ETA 7s')
})

describe('listing against the fake', () => {
  let fake: FakeGitHub
  afterEach(async () => {
    await fake?.stop()
  })

  test("each page arrives with its listing's page count, known from the first page's Link", async () => {
    const versions: FakeVersionSeed[] = Array.from({ length: 250 }, (_, k) => npmVersion(`1.0.${k}`, 300 - k))
    fake = await FakeGitHub.start(world([{ owner: 'acme', package_type: 'npm', name: 'lib', versions }]))
    const api = new PackagesApi(createOctokit({ token: PAT, baseUrl: fake.url, writesPerMinute: 60 }, new RateLimitTracker()), new RateLimitTracker())
    const seen: [number, number][] = []
    const listed = await api.listVersions({ owner: 'acme', ownerKind: 'org', type: 'npm', name: 'lib' }, 'active', (items, pages) => seen.push([items.length, pages]))
    expect(listed).toHaveLength(250)
    expect(seen.map(([, pages]) => pages)).toEqual([3, 3, 3])
    expect(seen.map(([count]) => count).sort()).toEqual([100, 100, 50])
  })
})
