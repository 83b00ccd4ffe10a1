// Small builders for planner tests: a fixed "now", policies, rules, versions and inventories.
import type {
  Duration,
  PackageInventory,
  PackagePlan,
  PackageType,
  PackageVersion,
  Plan,
  Policy,
  ReferenceKind,
  Rule,
  VersionPlan,
  VersionReference
} from '../../src/model.js'
import { planRetention, type PlanInput } from '../../src/plan/planner.js'

export const NOW = new Date('2026-06-15T12:00:00.000Z')
const DAY = 86_400_000
const HOUR = 3_600_000

export const daysAgo = (days: number): string => new Date(NOW.getTime() - days * DAY).toISOString()
export const hoursAgo = (hours: number): string => new Date(NOW.getTime() - hours * HOUR).toISOString()

function duration(text: string, fields: Partial<Omit<Duration, 'text'>>): Duration {
  return { text, years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 0, ...fields }
}
export const days = (n: number): Duration => duration(`${n}d`, { days: n })
export const hours = (n: number): Duration => duration(`${n}h`, { hours: n })
export const months = (n: number): Duration => duration(`P${n}M`, { months: n })

export interface RuleOptions {
  type?: PackageType
  names?: string[]
  tags?: string[]
  withTags?: string[]
  versions?: string[]
  untagged?: true
  semver?: string
  prerelease?: boolean
  broken?: true
  olderThan?: Duration
  ageFrom?: 'updated' | 'created'
  keepLatest?: number
  per?: 'major' | 'minor'
  keepTags?: string[]
  keepVersions?: string[]
}

export function rule(name: string, o: RuleOptions = {}): Rule {
  const match: Rule['match'] = { ageFrom: o.ageFrom ?? 'updated' }
  if (o.tags) match.tags = o.tags
  if (o.withTags) match.withTags = o.withTags
  if (o.versions) match.versions = o.versions
  if (o.untagged) match.untagged = true
  if (o.semver !== undefined) match.semver = o.semver
  if (o.prerelease !== undefined) match.prerelease = o.prerelease
  if (o.broken) match.broken = true
  if (o.olderThan) match.olderThan = o.olderThan
  const keep: Rule['keep'] = { tags: o.keepTags ?? [], versions: o.keepVersions ?? [] }
  if (o.keepLatest !== undefined) keep.latest = o.keepLatest
  if (o.per) keep.per = o.per
  return { name, packages: { type: o.type ?? 'container', names: o.names ?? ['web'] }, match, keep }
}

export interface PolicyOptions {
  protectTags?: string[]
  protectVersions?: string[]
  maxDeletions?: number
  onLastVersion?: 'keep' | 'delete-package'
}

export function policy(rules: Rule[], o: PolicyOptions = {}): Policy {
  const limits: Policy['limits'] = { onLastVersion: o.onLastVersion ?? 'keep' }
  if (o.maxDeletions !== undefined) limits.maxDeletions = o.maxDeletions
  return { version: 1, protect: { tags: o.protectTags ?? [], versions: o.protectVersions ?? [], inUse: [] }, limits, rules }
}

export const digest = (id: number): string => `sha256:${id.toString(16).padStart(64, '0')}`

export interface VersionOptions {
  tags?: string[]
  name?: string
  /** Age in days of both timestamps unless created/updated are given. */
  age?: number
  created?: string
  updated?: string
}

/** A container version (name = digest) by default. */
export function version(id: number, o: VersionOptions = {}): PackageVersion {
  const at = daysAgo(o.age ?? 1)
  return { id, name: o.name ?? digest(id), tags: o.tags ?? [], createdAt: o.created ?? at, updatedAt: o.updated ?? o.created ?? at }
}

export function ref(child: number, parent: number, kind: ReferenceKind = 'platform', platform?: string): VersionReference {
  return platform === undefined ? { child, parent, kind } : { child, parent, kind, platform }
}

export function container(name: string, versions: PackageVersion[], references: VersionReference[] = []): PackageInventory {
  return { package: { owner: 'acme', ownerKind: 'org', type: 'container', name }, versions, references, unreadable: [] }
}

export function pkg(type: PackageType, name: string, versions: PackageVersion[]): PackageInventory {
  return { package: { owner: 'acme', ownerKind: 'org', type, name }, versions, references: [], unreadable: [] }
}

export function plan(p: Policy, inventories: PackageInventory[], extra: Partial<PlanInput> = {}): Plan {
  return planRetention({ policy: p, inventories, now: NOW, ...extra })
}

export function packagePlan(result: Plan, key = 'container/web'): PackagePlan {
  const found = result.packages.find((p) => p.key === key)
  if (!found) throw new Error(`no package ${key}`)
  return found
}

export function versionPlan(result: Plan, id: number, key = 'container/web'): VersionPlan {
  const found = packagePlan(result, key).versions.find((v) => v.id === id)
  if (!found) throw new Error(`no version ${id} in ${key}`)
  return found
}

export function deletedIds(result: Plan, key = 'container/web'): number[] {
  return packagePlan(result, key)
    .versions.filter((v) => v.decision === 'delete')
    .map((v) => v.id)
    .sort((a, b) => a - b)
}

export const decisionOf = (result: Plan, id: number, key = 'container/web'): string => versionPlan(result, id, key).decision

/** A multi-arch image: index `id` with platform children id+1.. and an attestation after them. */
export function multiArch(
  id: number,
  o: { tags?: string[]; age?: number; platforms?: string[]; attestation?: boolean } = {}
): { versions: PackageVersion[]; references: VersionReference[] } {
  const platforms = o.platforms ?? ['linux/amd64', 'linux/arm64']
  const age = o.age ?? 1
  const versions = [version(id, { tags: o.tags, age })]
  const references: VersionReference[] = []
  platforms.forEach((platform, k) => {
    versions.push(version(id + 1 + k, { age }))
    references.push(ref(id + 1 + k, id, 'platform', platform))
  })
  if (o.attestation) {
    const att = id + 1 + platforms.length
    versions.push(version(att, { age }))
    references.push(ref(att, id, 'attestation', 'unknown/unknown'))
  }
  return { versions, references }
}

export function containerOf(name: string, ...parts: { versions: PackageVersion[]; references: VersionReference[] }[]): PackageInventory {
  return container(
    name,
    parts.flatMap((p) => p.versions),
    parts.flatMap((p) => p.references)
  )
}
