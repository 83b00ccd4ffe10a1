// (1.2) Deletions of one package that last more than 60 s look again (page 1 and the registry's
// tags list) and apply what they see before going on. The clock is injected: each group is
// 61 s after the previous one. The fake plays another actor during the deletions.
import { FakeGitHub, type FakeVersion } from '../fake/index.js'
import { createOctokit } from '../../src/github/client.js'
import { PackagesApi } from '../../src/github/packages-api.js'
import { RateLimitTracker } from '../../src/github/rate-limit.js'
import { executePlan } from '../../src/execute/executor.js'
import { DeletionRelooks } from '../../src/inventory/deletion-relook.js'
import type { PackageInventory, PackageVersion } from '../../src/model.js'
import { planRetention } from '../../src/plan/planner.js'
import { RegistryClient } from '../../src/registry/client.js'
import { PAT, containerVersion, world } from '../e2e/world.js'
import { policy, rule, days } from '../plan/builders.js'

const toVersion = (v: FakeVersion): PackageVersion => ({ id: v.id, name: v.name, tags: v.tags, createdAt: v.created_at, updatedAt: v.updated_at })

async function scenario(act: (fake: FakeGitHub) => void): Promise<{ fake: FakeGitHub; details: Map<number, string> }> {
  const fake = await FakeGitHub.start(world([{ owner: 'acme', package_type: 'container', name: 'web', versions: [
    containerVersion('a', [], 30, { id: 1001 }), containerVersion('b', [], 30, { id: 1002 }), containerVersion('c', [], 30, { id: 1003 }), containerVersion('keep', ['latest'], 1, { id: 1100 })
  ] }]))
  const rateLimit = new RateLimitTracker()
  const api = new PackagesApi(createOctokit({ token: PAT, baseUrl: fake.url, writesPerMinute: 180 }, rateLimit), rateLimit)
  const registry = new RegistryClient({ registryUrl: fake.url, githubToken: PAT, onSecret: () => {} })
  const inventory: PackageInventory = { package: { owner: 'acme', ownerKind: 'org', type: 'container', name: 'web' }, versions: fake.versions('acme', 'container', 'web').map(toVersion), references: [], unreadable: [] }
  const thePolicy = policy([rule('old', { untagged: true, olderThan: days(7) })], { protectTags: ['latest', 'release'] })
  const plan = planRetention({ policy: thePolicy, inventories: [inventory], now: new Date() })
  expect(plan.scheduled.map(g => g.imageId)).toEqual([1001, 1002, 1003])
  let clock = 0
  const relooks = new DeletionRelooks([inventory], { api, tags: registry, reader: registry, policy: thePolicy, now: () => (clock += 61_000) })
  fake.beforeRequest(req => req.method === 'DELETE', () => act(fake))
  const result = await executePlan(plan, api, { log: () => {}, sleep: async () => {}, beforeGroup: group => relooks.heldBack(group) })
  const details = new Map([...result.outcomes].map(([key, outcome]) => [Number(key.split('#')[1]), `${outcome.outcome}: ${outcome.detail}`]))
  return { fake, details }
}

test('an index built during the deletions over two scheduled manifests holds them back', async () => {
  const { fake, details } = await scenario(fake => fake.actor('acme', 'container', 'web').imagetoolsCreate([1002, 1003], ['release']))
  try {
    expect(details.get(1001)).toBe('deleted: deleted')
    expect(details.get(1002)).toMatch(/^skipped: not deleted: kept: listed by sha256:/)
    expect(details.get(1003)).toMatch(/^skipped: not deleted: kept: listed by/)
    expect(fake.brokenImages()).toEqual([])
  } finally {
    await fake.stop()
  }
})

test('a protected tag moved onto a scheduled version during the deletions holds it back', async () => {
  const { fake, details } = await scenario(fake => fake.actor('acme', 'container', 'web').tag(1003, ['release']))
  try {
    expect(details.get(1002)).toBe('deleted: deleted')
    expect(details.get(1003)).toBe("skipped: not deleted: kept: a look during the deletions showed it tagged 'release'")
    expect(fake.versions('acme', 'container', 'web').map(v => v.id)).toContain(1003)
  } finally {
    await fake.stop()
  }
})
