// Shared by the resilience end-to-end tests: a small world of multi-arch images (groups of an
// index and its platform manifests) and an npm package, and the bookkeeping checks every run
// must pass — each planned version ends as exactly one outcome, the outputs agree with the plan
// file, and the fake's state agrees with "deleted".
import { multiArchImage, singleImage, type BuiltImage, type FakeGitHub, type FakePackageSeed } from '../fake/index.js'
import type { ActionRun, PlanFileJson } from './run-action.js'
import { daysAgo, npmVersion } from './world.js'

export const POLICY = `version: 1
protect:
  tags: ["latest", "v*"]
rules:
  - name: stale-pr
    packages: { type: container, names: ["web"] }
    match: { tags: ["pr-*"], older-than: 10d }
  - name: untagged
    packages: { type: container, names: ["web"] }
    match: { untagged: true, older-than: 7d }
  - name: snapshots
    packages: { type: npm, names: ["lib"] }
    match: { versions: ["*-SNAPSHOT"] }
    keep: { latest: 1 }
`

export interface Scenario {
  /** Old PR images: each is deleted as one group (the index first, then its platforms). */
  prImages: BuiltImage[]
  /** Kept images: their platform manifests must survive. */
  kept: BuiltImage[]
  packages: FakePackageSeed[]
  /** Versions the policy deletes, as "type/name#digest-or-version". */
  planned: string[]
}

/**
 * `prCount` old multi-arch PR images (3 versions each), two old untagged builds, and npm
 * snapshots. Build it once and seed every fake that must be identical from the same object.
 */
export function scenario(prCount = 2, { snapshots = 2 } = {}): Scenario {
  const platforms = ['linux/amd64', 'linux/arm64']
  const latest = multiArchImage({ tags: ['latest'], created_at: daysAgo(1), platforms })
  const release = multiArchImage({ tags: ['v1.0'], created_at: daysAgo(120), platforms })
  const prImages = Array.from({ length: prCount }, (_, i) =>
    multiArchImage({ tags: [`pr-${i + 1}`], created_at: daysAgo(60 - i), platforms, salt: `pr-${i + 1}` })
  )
  const untagged = [singleImage({ tags: [], created_at: daysAgo(40), salt: 'u1' }), singleImage({ tags: [], created_at: daysAgo(30), salt: 'u2' })]
  const web: FakePackageSeed = {
    owner: 'acme',
    package_type: 'container',
    name: 'web',
    visibility: 'private',
    versions: [latest, release, ...prImages, ...untagged].flatMap(image => image.versions)
  }
  const snapshotNames = Array.from({ length: snapshots + 1 }, (_, i) => `2.${i}.0-SNAPSHOT`)
  const lib: FakePackageSeed = {
    owner: 'acme',
    package_type: 'npm',
    name: 'lib',
    visibility: 'private',
    versions: [npmVersion('1.0.0', 200), ...snapshotNames.map((name, i) => npmVersion(name, 50 - i))]
  }
  const planned = [
    ...[...prImages, ...untagged].flatMap(image => image.versions.map(v => `container/web#${v.name}`)),
    ...snapshotNames.slice(0, -1).map(name => `npm/lib#${name}`)
  ]
  return { prImages, kept: [latest, release], packages: [web, lib], planned: planned.sort() }
}

export type PlanVersion = PlanFileJson['packages'][number]['versions'][number] & { key: string }

/** Every version of the plan file, with "type/name#name" keys. */
export function planVersions(plan: PlanFileJson): PlanVersion[] {
  return plan.packages.flatMap(p => p.versions.map(v => ({ ...v, key: `${p.key}#${v.name}` })))
}

export function keysWhere(run: ActionRun, predicate: (v: PlanVersion) => boolean): string[] {
  return planVersions(run.planFile!)
    .filter(predicate)
    .map(v => v.key)
    .sort()
}

/** "type/name#name" of every version of the seeded packages that the fake no longer serves. */
export function goneKeys(fake: FakeGitHub, scenarioPackages: FakePackageSeed[]): string[] {
  return scenarioPackages
    .flatMap(p => {
      const active = new Set(fake.versions(p.owner, p.package_type, p.name).map(v => v.name))
      return p.versions.map(v => v.name!).filter(name => !active.has(name)).map(name => `${p.package_type}/${p.name}#${name}`)
    })
    .sort()
}

/**
 * The bookkeeping every executed run must pass: each scheduled version has exactly one outcome,
 * the outputs are the plan file's counts, deleted + skipped + failed + rate-deferred = planned,
 * the exit status follows failed-count (and a cancellation), and no image is broken.
 */
export function expectAccounted(run: ActionRun, fake: FakeGitHub, { cancelled = false } = {}): void {
  const plan = run.planFile!
  expect(plan).toBeDefined()
  const scheduled = planVersions(plan).filter(v => v.scheduled)
  const count = (outcome: string): number => scheduled.filter(v => v.outcome === outcome).length
  for (const v of scheduled) expect(['deleted', 'skipped', 'failed', 'deferred']).toContain(v.outcome)
  const t = { planned: scheduled.length, deleted: count('deleted'), skipped: count('skipped'), failed: count('failed'), deferred: count('deferred') }
  expect(t.deleted + t.skipped + t.failed + t.deferred).toBe(t.planned)
  const capDeferred = planVersions(plan).filter(v => v.scheduled === false).length
  expect(plan.totals).toMatchObject({ ...t, deferred: t.deferred + capDeferred })
  expect(run.outputs).toMatchObject({
    'planned-count': String(t.planned),
    'deleted-count': String(t.deleted),
    'skipped-count': String(t.skipped),
    'failed-count': String(t.failed),
    'deferred-count': String(t.deferred + capDeferred)
  })
  expect(run.summary).not.toBe('')
  // (1.2) A cancelled run exits non-zero, whatever it did.
  expect(run.exitCode).toBe(t.failed > 0 || cancelled ? 1 : 0)
  expect(fake.brokenImages()).toEqual([])
}

/** Milliseconds between consecutive DELETEs the fake received. */
export function deleteGaps(fake: FakeGitHub): number[] {
  const at = fake.mutations().filter(r => r.method === 'DELETE').map(r => r.at)
  return at.slice(1).map((t, i) => t - at[i])
}
