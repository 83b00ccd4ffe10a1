// Human reasons carried by every VersionPlan and the fail-closed warning. Pure string builders, so the
// wording lives in one place.
import type { PackageVersion, ReferenceKind, UnreadableManifest, VersionReference } from '../model.js'
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
  keptLatestPer: (rank: number, group: string, rule: string) => flat(`kept: ${ordinal(rank)} newest of ${group} in series '${rule}'`),
  /** Some tags match the rule's match.tags, these others do not: the version is not the rule's to take. */
  alsoTagged: (otherTags: readonly string[], rule: string, sharedPrefix?: string, hasWithTags?: boolean) =>
    flat(`kept: also tagged ${listTags(otherTags)} (rule '${rule}' takes a version only when every tag matches${companionAdvice(sharedPrefix, hasWithTags)})`),
  noSemver: (rule: string, key: string, isContainer: boolean) =>
    isContainer
      ? `rule '${rule}': no image of ${key} has a tag that is a semantic version (such as 1.4.2 or v1.4.2), so its semver condition selects nothing`
      : `rule '${rule}': no version of ${key} is a semantic version (such as 1.4.2; '1.2-SNAPSHOT' is not), so its semver condition selects nothing`,
  tooYoung: (olderThan: string, rule: string) => flat(`kept: newer than ${olderThan} (rule '${rule}')`),
  notSelected: () => 'kept: not selected by any rule',
  noRuleApplies: () => 'kept: no rule applies to this package',
  /**
   * `what` is "untagged", "tag 'pr-12' matches rule 'x'", ...; `beyondLatest` explains a selection
   * without older-than, `group` names the keep.per release line it counts in ("1.4.x").
   */
  deleteImage: (what: string, age: string, beyondLatest?: number, group?: string) =>
    flat(`delete: ${what}, ${age}${beyondLatest ? `, beyond the ${beyondLatest} newest${group ? ` of ${group}` : ''}` : ''}`),
  keptWithParent: (kind: ReferenceKind, platform: string | undefined, parentLabel: string) =>
    flat(`kept: ${describeReference(kind, platform)} of ${parentLabel}`),
  deletedWith: (groupLabel: string, kind: ReferenceKind, platform: string | undefined, viaLabel?: string) =>
    flat(`delete: deleted with ${groupLabel} (${describeReference(kind, platform)}${viaLabel ? ` of ${viaLabel}` : ''})`),
  /** (1.2) A dependant whose parents all go, kept because it carries tags of its own. */
  ownTags: (tags: readonly string[], parentLabel: string) => flat(`kept: also tagged ${listTags(tags)} (a tag of its own: it does not go with ${parentLabel})`),
  cycle: () => 'kept: part of (or below) a reference cycle between manifests, kept for safety',
  lastVersion: (isContainer: boolean) =>
    isContainer ? 'kept: last tagged version (GitHub refuses to delete it)' : 'kept: last version (GitHub refuses to delete it)'
}

/** Selection phrases for deleteImage, by the condition that put the image in the rule's series. */
export const selection = {
  byTags: (tags: readonly string[], rule: string) =>
    tags.length === 1 ? `tag '${tags[0]}' matches rule '${rule}'` : `tags ${tags.map((tag) => `'${tag}'`).join(', ')} match rule '${rule}'`,
  /** `text` is the name (or, for containers, the tag) the semver was read from. */
  bySemver: (text: string, isContainer: boolean, rule: string) => `${isContainer ? 'tag' : 'version'} '${text}' matches rule '${rule}'`,
  broken: (missing: readonly string[], rule: string) =>
    `broken image (${missing.length > 0 ? `${listTags(missing)} missing` : 'lists a missing manifest'}) matches rule '${rule}'`,
  byVersion: (name: string, isContainer: boolean, rule: string) =>
    `${isContainer ? `digest ${shortDigest(name)}` : `version '${name}'`} matches rule '${rule}'`,
  untagged: () => 'untagged',
  byRule: (rule: string) => `selected by rule '${rule}'`
}

/**
 * Contract 1.2: when the tags that keep a version out of a series all share a prefix ending in "-"
 * (docker/metadata-action's commit tags, sha-8826c28), say how with-tags takes such builds.
 */
function companionAdvice(sharedPrefix: string | undefined, hasWithTags: boolean | undefined): string {
  if (sharedPrefix === undefined) return ''
  const glob = `${sharedPrefix}*`
  const how = hasWithTags ? `add "${glob}" to its with-tags` : `add with-tags: ["${glob}"] to it`
  return `; to take builds that also carry ${glob} tags, such as commit tags, ${how}`
}

const LISTED_TAGS = 5

/** "latest, main-b001" — at most a few, then "and N more". */
function listTags(tags: readonly string[]): string {
  const more = tags.length - LISTED_TAGS
  return more > 0 ? `${tags.slice(0, LISTED_TAGS).join(', ')} and ${more} more` : tags.join(', ')
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

export const LISTING_PROBLEM_REASON = 'kept: package left untouched, its versions changed while they were listed'

export function listingProblemWarning(key: string, problem: string): string {
  return (
    `left untouched: ${key} could not be listed consistently: ${problem}. Another workflow or person was probably deleting or ` +
    'pushing versions meanwhile; nothing in this package is deleted. A later run, when nothing else changes the package, will plan it.'
  )
}

export const UNREADABLE_TIMESTAMP_REASON = 'kept: its timestamp cannot be read'

/**
 * The two reasons built once per dependant, in two flat parts (one naming the owner, one the
 * reference), so that each reason costs one concatenation: deletedWith(label, kind, platform) is
 * deletedWithHead(label) + deletedWithTail(kind, platform), keptWithParent(kind, platform, label)
 * is keptWithParentHead(kind, platform) + keptWithParentTail(label).
 */
export const reasonParts = {
  deletedWithHead: (groupLabel: string) => flat(`delete: deleted with ${groupLabel} (`),
  deletedWithTail: (kind: ReferenceKind, platform: string | undefined) => flat(`${describeReference(kind, platform)})`),
  keptWithParentHead: (kind: ReferenceKind, platform: string | undefined) => flat(`kept: ${describeReference(kind, platform)}`),
  keptWithParentTail: (parentLabel: string) => flat(` of ${parentLabel}`)
}

/** A reason part per reference description (kind, and platform for platform manifests): a handful in a package. */
export class DescriptionParts {
  private readonly byKind = new Map<ReferenceKind, string>()
  private readonly byPlatform = new Map<string, string>()

  constructor(private readonly make: (kind: ReferenceKind, platform: string | undefined) => string) {}

  get(kind: ReferenceKind, platform: string | undefined): string {
    if (kind === 'platform' && platform) {
      let part = this.byPlatform.get(platform)
      if (part === undefined) this.byPlatform.set(platform, (part = this.make(kind, platform)))
      return part
    }
    let part = this.byKind.get(kind)
    if (part === undefined) this.byKind.set(kind, (part = this.make(kind, undefined)))
    return part
  }
}

/**
 * Reasons already built for one owner (a group, or a kept parent), by what the reason says of the
 * reference (kind, platform, the parent it goes through), and the reason part naming the owner.
 * Only the latest owner's are kept: its dependants come one after another, so the memory stays a
 * handful of entries and the strings no reason keeps die young.
 */
export class ReasonMemo {
  private owner = -1
  private ownerPart: string | undefined
  private count = 0
  private readonly kinds: ReferenceKind[] = []
  private readonly platforms: (string | undefined)[] = []
  private readonly vias: number[] = []
  private readonly texts: string[] = []

  get(owner: number, reference: VersionReference, via: number): string | undefined {
    if (owner !== this.owner) return undefined
    for (let k = 0; k < this.count; k++) {
      if (this.kinds[k] === reference.kind && this.platforms[k] === reference.platform && this.vias[k] === via) return this.texts[k]
    }
    return undefined
  }

  /** The reason part naming the owner, made once per owner. */
  ownerPartOf(owner: number, make: (owner: number) => string): string {
    this.switchTo(owner)
    return (this.ownerPart ??= make(owner))
  }

  set(owner: number, reference: VersionReference, via: number, text: string): string {
    this.switchTo(owner)
    const k = this.count++
    this.kinds[k] = reference.kind
    this.platforms[k] = reference.platform
    this.vias[k] = via
    this.texts[k] = text
    return text
  }

  private switchTo(owner: number): void {
    if (owner === this.owner) return
    this.owner = owner
    this.ownerPart = undefined
    this.count = 0
  }
}
