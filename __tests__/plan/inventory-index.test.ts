// The shared "newest first" orders must equal a plain sort, however the input is ordered.
import type { PackageVersion } from '../../src/model.js'
import { indexInventory } from '../../src/plan/inventory-index.js'

function naive(versions: PackageVersion[], key: 'createdAt' | 'updatedAt'): number[] {
  return versions
    .map((v, i) => ({ i, t: Date.parse(v[key]), id: v.id }))
    .sort((a, b) => b.t - a.t || b.id - a.id)
    .map((x) => x.i)
}

describe('indexInventory orders', () => {
  it('match a plain sort for random, sorted, and partly retagged inputs', () => {
    let seed = 9
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647)
    const base = Date.UTC(2026, 0, 1)
    const at = (ms: number) => new Date(ms).toISOString()
    for (const shape of ['random', 'newest-first', 'oldest-first'] as const) {
      const versions: PackageVersion[] = Array.from({ length: 500 }, (_, k) => {
        const created = base + Math.floor(random() * 50) * 3_600_000 // many ties on created_at
        const updated = random() < 0.2 ? created + Math.floor(random() * 100) * 3_600_000 : created
        return { id: 1000 + k, name: `v${k}`, tags: [], createdAt: at(created), updatedAt: at(updated) }
      })
      if (shape !== 'random') {
        versions.sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || b.id - a.id)
        if (shape === 'oldest-first') versions.reverse()
      }
      const index = indexInventory(versions)
      expect(Array.from(index.newestFirstByCreated())).toEqual(naive(versions, 'createdAt'))
      expect(Array.from(index.newestFirst('created'))).toEqual(naive(versions, 'createdAt'))
      expect(Array.from(index.newestFirst('updated'))).toEqual(naive(versions, 'updatedAt'))
    }
  })

  it('maps ids to positions', () => {
    const index = indexInventory([
      { id: 5_000_000_123, name: 'a', tags: [], createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z' },
      { id: 7, name: 'b', tags: [], createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z' }
    ])
    expect(index.indexOf.get(5_000_000_123)).toBe(0)
    expect(index.indexOf.get(7)).toBe(1)
    expect(index.indexOf.get(8)).toBe(-1)
  })

  it('tells apart ids that hash alike (same low 32 bits)', () => {
    const ids = Array.from({ length: 40 }, (_, k) => k * 2 ** 32 + 5)
    const index = indexInventory(ids.map((id) => ({ id, name: String(id), tags: [], createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z' })))
    ids.forEach((id, k) => expect(index.indexOf.get(id)).toBe(k))
    expect(index.indexOf.get(40 * 2 ** 32 + 5)).toBe(-1)
  })
})
