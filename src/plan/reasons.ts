// Human reasons carried by every VersionPlan and the fail-closed warning. Pure string builders, so the
// wording lives in one place.
import type { PackageVersion, ReferenceKind, UnreadableManifest } from '../model.js'
import type { Hit } from './matchers.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR

export function ordinal(n: number): string {
  const lastTwo = n % 100
  if (lastTwo >= 11 && lastTwo <= 13) return `${n}th`
  switch (n % 10) {
    case 1:
      return `${n}st`
    case 2:
      return `${n}nd`
    case 3:
      return `${n}rd`
    default:
      return `${n}th`
  }
}

/**
 * Template literals build ropes (a node per piece); a plan holds up to a million reasons, so each is
 * flattened into one string at once — reading a character makes V8 flatten it — halving its memory.
 */
export function flat(text: string): string {
  text.charCodeAt(0)
  return text
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`
}

// Ages repeat across versions: one string per distinct age (a pure memo, bounded by distinct days).
const ageTexts = new Map<number, string>()

/** Whole days, or whole hours under 2 days (minutes under an hour) — "41 days old", "36 hours old". */
export function formatAge(fromMs: number, nowMs: number): string {
  if (!Number.isFinite(fromMs)) return 'of unknown age'
  const ms = Math.max(0, nowMs - fromMs)
  // Negative keys for hours and minutes keep the three units apart in one memo.
  const key = ms >= 2 * DAY ? Math.floor(ms / DAY) : ms >= HOUR ? -Math.floor(ms / HOUR) : -100 - Math.floor(ms / 60_000)
  let text = ageTexts.get(key)
  if (text === undefined) {
    text = key >= 0 ? `${plural(key, 'day')} old` : key > -100 ? `${plural(-key, 'hour')} old` : `${plural(-100 - key, 'minute')} old`
    ageTexts.set(key, flat(text))
  }
  return text
}

/** "sha256:" + 12 hex, the usual short form of a digest; other names are returned unchanged. */
export function shortDigest(name: string): string {
  const colon = name.indexOf(':')
  return colon >= 0 && name.length > colon + 13 ? name.slice(0, colon + 13) : name
}

/** A version as users name it: "web:1.4" by its first tag, else "web@sha256:0123456789ab". */
export function versionLabel(packageName: string, version: PackageVersion): string {
  return version.tags.length > 0 ? `${packageName}:${version.tags[0]}` : `${packageName}@${shortDigest(version.name)}`
}

export function describeReference(kind: ReferenceKind, platform: string | undefined): string {
  switch (kind) {
    case 'platform':
      return platform ? `platform ${platform}` : 'child'
    case 'attestation':
      return 'attestation'
    case 'signature':
      return 'signature'
    case 'subject':
      return 'referrer'
    case 'referrers-index':
      return 'referrers index'
  }
}

function describeHit(hit: Hit, isContainer: boolean): string {
  if (hit.by === 'tag') return `tag '${hit.tag}'`
  return isContainer ? `digest ${shortDigest(hit.name)}` : `version '${hit.name}'`
}

export const reasons = {
  protected: (hit: Hit, isContainer: boolean) => flat(`kept: protected by ${describeHit(hit, isContainer)}`),
  keptByRule: (hit: Hit, isContainer: boolean, rule: string) => flat(`kept: ${describeHit(hit, isContainer)} kept by rule '${rule}'`),
  keptLatest: (rank: number, rule: string) => flat(`kept: ${ordinal(rank)} newest of series '${rule}'`),
  tooYoung: (olderThan: string, rule: string) => flat(`kept: newer than ${olderThan} (rule '${rule}')`),
  notSelected: () => 'kept: not selected by any rule',
  noRuleApplies: () => 'kept: no rule applies to this package',
  /** `what` is "untagged", "tag 'pr-12' matches rule 'x'", ...; `beyondLatest` explains a selection without older-than. */
  deleteImage: (what: string, age: string, beyondLatest?: number) =>
    flat(`delete: ${what}, ${age}${beyondLatest ? `, beyond the ${beyondLatest} newest` : ''}`),
  keptWithParent: (kind: ReferenceKind, platform: string | undefined, parentLabel: string) =>
    flat(`kept: ${describeReference(kind, platform)} of ${parentLabel}`),
  deletedWith: (groupLabel: string, kind: ReferenceKind, platform: string | undefined, viaLabel?: string) =>
    flat(`delete: deleted with ${groupLabel} (${describeReference(kind, platform)}${viaLabel ? ` of ${viaLabel}` : ''})`),
  cycle: () => 'kept: part of (or below) a reference cycle between manifests, kept for safety',
  lastVersion: (isContainer: boolean) =>
    isContainer ? 'kept: last tagged version (GitHub refuses to delete it)' : 'kept: last version (GitHub refuses to delete it)'
}

/** Selection phrases for deleteImage, by the condition that put the image in the rule's series. */
export const selection = {
  byTag: (tag: string, rule: string) => `tag '${tag}' matches rule '${rule}'`,
  byVersion: (name: string, isContainer: boolean, rule: string) =>
    `${isContainer ? `digest ${shortDigest(name)}` : `version '${name}'`} matches rule '${rule}'`,
  untagged: () => 'untagged',
  byRule: (rule: string) => `selected by rule '${rule}'`
}

const LISTED_UNREADABLE = 3

function listDigests(unreadable: readonly UnreadableManifest[]): string {
  const shown = unreadable.slice(0, LISTED_UNREADABLE).map((u) => u.digest)
  const more = unreadable.length - shown.length
  return `${unreadable.length === 1 ? 'manifest' : 'manifests'} ${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`
}

export function failClosedReason(unreadable: readonly UnreadableManifest[]): string {
  return `kept: package left untouched, ${listDigests(unreadable)} could not be read`
}

export function failClosedWarning(key: string, unreadable: readonly UnreadableManifest[]): string {
  const why =
    unreadable.length === 1
      ? unreadable[0].reason
      : unreadable
          .slice(0, LISTED_UNREADABLE)
          .map((u) => `${shortDigest(u.digest)}: ${u.reason}`)
          .join('; ')
  return `left untouched: ${listDigests(unreadable)} of ${key} could not be read (${why}); nothing in this package is deleted`
}
