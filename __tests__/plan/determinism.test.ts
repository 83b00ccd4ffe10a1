// The planner is deterministic (input order does not matter) and pure (its input is not mutated).
import type { PackageInventory, Policy } from '../../src/model.js'
import { planRetention } from '../../src/plan/planner.js'
import { seededRandom as prng } from '../fake/random.js'
import { NOW, containerOf, days, multiArch, pkg, policy, ref, rule, version } from './builders.js'

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = items.slice()
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[copy[i], copy[j]] = [copy[j], copy[i]]
  }
  return copy
}

function fixture(): { policy: Policy; inventories: PackageInventory[] } {
  const random = prng(42)
  const parts = []
  let id = 1000
  for (let k = 0; k < 60; k++) {
    const age = Math.floor(random() * 90)
    const kind = random()
    const tags = kind < 0.3 ? [`pr-${k}`] : kind < 0.5 ? [`nightly-${k}`] : kind < 0.6 ? [`v1.${k}`] : kind < 0.62 ? ['latest'] : undefined
    parts.push(multiArch(id, { tags, age, attestation: random() < 0.5, platforms: random() < 0.5 ? ['linux/amd64'] : ['linux/amd64', 'linux/arm64'] }))
    id += 10
  }
  // A shared child, a signature chain, an orphan and equal timestamps.
  const web = containerOf('web', ...parts, {
    versions: [version(1, { age: 40 }), version(2, { tags: ['sha256-x.sig'], age: 40 }), version(3, { age: 5 }), version(4, { age: 5 })],
    references: [ref(1, 1000), ref(1, 1010), ref(2, 1001, 'signature'), ref(3, 999_999)]
  })
  const npm = pkg('npm', 'lib', Array.from({ length: 30 }, (_, k) => version(5000 + k, { name: `0.${k}.0`, age: k % 7 })))
  return {
    policy: policy(
      [
        rule('prs', { names: ['*'], tags: ['pr-*'], olderThan: days(14) }),
        rule('nightly', { tags: ['nightly-*'], keepLatest: 3 }),
        rule('untagged', { untagged: true, olderThan: days(7), keepLatest: 2, ageFrom: 'created' }),
        rule('npm', { type: 'npm', names: ['lib'], keepLatest: 5 })
      ],
      { protectTags: ['v1.*'], maxDeletions: 40 }
    ),
    inventories: [web, npm]
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const child of Object.values(value)) deepFreeze(child)
  }
  return value
}

describe('determinism and purity', () => {
  it('shuffled versions and references give an identical plan', () => {
    const { policy: p, inventories } = fixture()
    const expected = planRetention({ policy: p, inventories, now: NOW })
    expect(expected.scheduled.length).toBeGreaterThan(0)
    expect(expected.deferredByCap.length).toBeGreaterThan(0)
    for (const seed of [1, 2, 3]) {
      const random = prng(seed)
      const reshuffled = inventories.map((inv) => ({ ...inv, versions: shuffled(inv.versions, random), references: shuffled(inv.references, random) }))
      expect(planRetention({ policy: p, inventories: reshuffled, now: NOW })).toEqual(expected)
    }
  })

  it('does not mutate its (deep-frozen) input, and gives the same plan as from an unfrozen copy', () => {
    const { policy: p, inventories } = fixture()
    const before = JSON.stringify({ p, inventories })
    const fromCopy = planRetention({ policy: structuredClone(p), inventories: structuredClone(inventories), now: NOW })
    const input = deepFreeze({ policy: p, inventories, now: NOW })
    const result = planRetention(input)
    expect(JSON.stringify({ p, inventories })).toBe(before)
    expect(result).toEqual(fromCopy)
  })

  it('the plan is plain JSON and records now', () => {
    const { policy: p, inventories } = fixture()
    const result = planRetention({ policy: p, inventories, now: NOW })
    expect(JSON.parse(JSON.stringify(result))).toEqual(result)
    expect(result.now).toBe('2026-06-15T12:00:00.000Z')
  })

  it('versions are listed newest first (created_at, then id); packages in input order', () => {
    const { policy: p, inventories } = fixture()
    const result = planRetention({ policy: p, inventories: [...inventories].reverse(), now: NOW })
    expect(result.packages.map((pp) => pp.key)).toEqual(['npm/lib', 'container/web'])
    for (const pp of result.packages) {
      const keys = pp.versions.map((v) => [Date.parse(v.createdAt), v.id] as const)
      for (let k = 1; k < keys.length; k++) {
        const [t0, id0] = keys[k - 1]
        const [t1, id1] = keys[k]
        expect(t0 > t1 || (t0 === t1 && id0 > id1)).toBe(true)
      }
    }
  })
})
