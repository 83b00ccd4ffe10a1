// (1.2) Randomized, seeded: other actors push, delete whole images, retag and build indexes
// (`imagetools create`) at random moments while the action lists and reads a package; then the
// action executes its plan. Whatever happened before its first DELETE: no image is broken, no
// version any look could have shown with a protected tag is deleted, and a package that only
// received pushes and retags is still planned and cleaned.
import fc from 'fast-check'
import { FakeGitHub, multiArchImage, type FakeVersionSeed } from '../fake/index.js'
import { createOctokit } from '../../src/github/client.js'
import { PackagesApi } from '../../src/github/packages-api.js'
import { RateLimitTracker } from '../../src/github/rate-limit.js'
import { executePlan } from '../../src/execute/executor.js'
import { buildImageGraphs } from '../../src/inventory/image-graph.js'
import { collectInventory } from '../../src/inventory/inventory.js'
import { resolveServedTags } from '../../src/inventory/served-tags.js'
import type { PackageInventory } from '../../src/model.js'
import { planRetention } from '../../src/plan/planner.js'
import { RegistryClient } from '../../src/registry/client.js'
import { PAT, containerVersion, daysAgo, world } from '../e2e/world.js'
import { days, policy, rule } from '../plan/builders.js'

const POLICY = policy([rule('old', { untagged: true, olderThan: days(7) })], { protectTags: ['stable', 'v*'] })
const PROTECTED = /^(stable|v.*)$/

type Op = { page: number; serving: number; kind: 'push' | 'push-tagged' | 'delete-image' | 'retag' | 'imagetools' | 'delete-single'; pick: number }

const opArb: fc.Arbitrary<Op> = fc.record({
  page: fc.integer({ min: 1, max: 3 }),
  serving: fc.integer({ min: 1, max: 2 }),
  kind: fc.constantFrom('push', 'push-tagged', 'delete-image', 'retag', 'imagetools', 'delete-single'),
  pick: fc.nat(1000)
})

const scenarioArb = fc.record({
  singles: fc.integer({ min: 60, max: 230 }),
  images: fc.integer({ min: 2, max: 12 }),
  ops: fc.array(opArb, { minLength: 1, maxLength: 6 })
})

function seeds(singles: number, images: number): FakeVersionSeed[] {
  const versions: FakeVersionSeed[] = []
  // Ages spread over 40 days, images among the singles, so page boundaries fall anywhere.
  for (let i = 0; i < images; i++) {
    // Tagged releases and untagged builds: their platform manifests look like old untagged images when the index is missed.
    const built = multiArchImage({ tags: i % 2 === 0 ? [`v${i}`] : [], created_at: daysAgo(8 + ((i * 7) % 30)), platforms: ['linux/amd64', 'linux/arm64'], salt: `img${i}` })
    versions.push(...built.versions)
  }
  for (let i = 0; i < singles; i++) versions.push(containerVersion(`single-${i}`, [], (i * 40) / singles))
  versions.push(containerVersion('stable', ['stable'], 2))
  return versions
}

async function runScenario(scenario: { singles: number; images: number; ops: Op[] }): Promise<void> {
  const fake = await FakeGitHub.start(world([{ owner: 'acme', package_type: 'container', name: 'web', versions: seeds(scenario.singles, scenario.images) }]))
  try {
    const actor = fake.actor('acme', 'container', 'web')
    const current = () => fake.versions('acme', 'container', 'web')
    const everProtected = new Set(current().filter(v => v.tags.some(t => PROTECTED.test(t))).map(v => v.id))
    let deleting = false
    let onlyAdditions = true
    // Changes land right before a page of the listing is served (its first or second request): while the action lists, before its last look.
    const servings = new Map<number, number>()
    const act = (page: number) => {
      if (deleting) return
      const serving = (servings.get(page) ?? 0) + 1
      servings.set(page, serving)
      for (const op of scenario.ops.filter(o => o.page === page && o.serving === serving)) {
        if (process.env.DEBUG_VIEW) console.log('op', page, serving, op.kind)
        const versions = current()
        const untaggedSingles = versions.filter(v => v.tags.length === 0 && !fake.brokenImages().some(b => b.missing.includes(v.name)))
        const pick = <T>(list: T[]): T | undefined => (list.length === 0 ? undefined : list[op.pick % list.length])
        try {
          if (op.kind === 'push') actor.pushVersion({})
          else if (op.kind === 'push-tagged') actor.pushVersion({ tags: [`v-new-${op.pick}`] })
          else if (op.kind === 'retag') {
            // Onto a version of page 1 (the closing look reads it again; a tag moved deeper after its page was read is not seen: docs/concurrency.md).
            const target = pick(versions.slice(0, 100).filter(v => !v.tags.some(t => PROTECTED.test(t)) && Date.parse(v.created_at) < Date.now() - 7 * 86_400_000))
            if (target) actor.tag(target.id, ['stable'])
          } else if (op.kind === 'imagetools') {
            const a = pick(untaggedSingles)
            const b = untaggedSingles[(op.pick + 7) % Math.max(1, untaggedSingles.length)]
            if (a && b && a.id !== b.id) actor.imagetoolsCreate([a.id, b.id], [`v-tools-${op.pick}`])
          } else if (op.kind === 'delete-single') {
            // Another cleanup deleting an untagged version no index lists, on page 1 (later versions shift).
            const listed = new Set(indexChildren(fake))
            const target = pick(untaggedSingles.slice(0, 100).filter(v => !listed.has(v.name)))
            if (target) {
              actor.deleteVersion(target.id)
              onlyAdditions = false
            }
          } else if (op.kind === 'delete-image') {
            // Another cleanup deleting a whole untagged image: its index first, then what it lists.
            const index = pick(indexes(fake).filter(i => i.tags.length === 0))
            if (index) {
              onlyAdditions = false
              actor.deleteVersion(index.id)
              for (const child of index.children) {
                const version = current().find(v => v.name === child)
                if (version && !indexChildren(fake).includes(child)) actor.deleteVersion(version.id)
              }
            }
          }
        } catch (error) {
          // GitHub refused (e.g. the last tagged version): the actor's change did not happen.
          if (process.env.DEBUG_VIEW) console.log(op, error)
        }
        for (const v of current()) if (v.tags.some(t => PROTECTED.test(t))) everProtected.add(v.id)
      }
    }
    fake.beforeRequest(() => true, req => {
      if (req.method === 'DELETE') deleting = true
      if (req.method === 'GET' && req.path.endsWith('/container/web/versions')) act(Number(req.query.page ?? '1'))
    }, { times: Infinity })

    const rateLimit = new RateLimitTracker()
    const api = new PackagesApi(createOctokit({ token: PAT, baseUrl: fake.url, writesPerMinute: 180 }, rateLimit), rateLimit)
    const registry = new RegistryClient({ registryUrl: fake.url, githubToken: PAT, onSecret: () => {} })
    const now = new Date()
    const inventory = await collectInventory(api, { login: 'acme', kind: 'org' }, POLICY, undefined, registry)
    const resolved = await Promise.all(inventory.packages.map(async p => (await resolveServedTags(p, registry)).inventory))
    const keptVersions = (pkg: PackageInventory) => new Set(planRetention({ policy: POLICY, inventories: [pkg], now }).packages[0].versions.filter(v => v.decision === 'keep').map(v => v.id))
    const graphs = await buildImageGraphs(resolved, { reader: registry, keptVersions })
    // The whole plan is checked against the package as it is after the listing (executing every
    // deletion would take seconds): nothing it deletes is listed by an index it keeps, or was ever
    // protected. Then a few deletions are executed, oldest first.
    const full = planRetention({ policy: POLICY, inventories: graphs.map(g => g.inventory), now })
    const planned = new Map(full.packages[0].versions.map(v => [v.id, v.decision]))
    const byName = new Map(current().map(v => [v.name, v.id]))
    const deleted = full.packages[0].versions.filter(v => v.decision === 'delete')
    expect(deleted.filter(v => everProtected.has(v.id)).map(v => v.id)).toEqual([])
    const breaks = indexes(fake).filter(i => planned.get(i.id) !== 'delete' && i.children.some(c => planned.get(byName.get(c) ?? -1) === 'delete'))
    expect(breaks).toEqual([])
    const plan = planRetention({ policy: POLICY, inventories: graphs.map(g => g.inventory), now, maxDeletions: 3 })
    await executePlan(plan, api, { log: () => {}, sleep: async () => {} })

    expect(fake.brokenImages()).toEqual([])
    const deletedByUs = fake.mutations().filter(r => r.method === 'DELETE').map(r => Number(r.path.split('/').pop()))
    expect(deletedByUs.filter(id => everProtected.has(id))).toEqual([])
    if (onlyAdditions) {
      expect(plan.packages[0].warning).toBeUndefined()
      expect(deleted.length).toBeGreaterThan(0)
    }
  } finally {
    await fake.stop()
  }
}

/** Active indexes of the package and the digests they list. */
function indexes(fake: FakeGitHub): Array<{ id: number; tags: string[]; children: string[] }> {
  return fake.indexes('acme', 'web')
}

function indexChildren(fake: FakeGitHub): string[] {
  return indexes(fake).flatMap(i => i.children)
}

test('other actors at random moments of the listing: no broken image, no protected version deleted, busy packages cleaned', async () => {
  await fc.assert(fc.asyncProperty(scenarioArb, runScenario), { seed: 15_2026, numRuns: 20, endOnFailure: true })
}, 180_000)
