// Steps 1–4 of the contract for images: each rule's series, what it keeps, what it selects; then the
// combination across rules (protect and keep always win).
import type { PackageVersion, Policy, Rule } from '../model.js'
import { olderThanCutoff } from '../policy/duration.js'
import { zeros } from './arrays.js'
import { compileGlobs, compilePackageNameFilter } from '../policy/glob.js'
import { compileTagVersionMatcher, matchEveryTag, TagMatch, type TagVersionMatcher } from './matchers.js'
import { createTally, ImageCause, recordAlsoTagged, RuleState, sharedTagPrefix, type RuleTally } from './accounts.js'
import { hasTags, keep, markDeleted, tagsOf, type PackageContext, type Verdicts } from './package-context.js'
import { formatAge, reasons, selection } from './reasons.js'
import { compileSemverCondition, semverGroups, semverOf, type VersionSemver } from './semver.js'

export interface CompiledRule {
  name: string
  rule: Rule
  appliesTo(type: string, name: string): boolean
  /** match.tags (every tag must match, with-tags beside them); undefined when the rule has no tag condition. */
  tagMatch?: (tags: readonly string[]) => TagMatch
  /** The tags a version carries beyond match.tags and match.with-tags (for "kept: also tagged …"). */
  unmatchedTags(tags: readonly string[]): string[]
  /** match.versions; undefined when the rule has no version condition. */
  seriesName?: (name: string) => boolean
  untagged: boolean
  /** match.semver and match.prerelease together; undefined when the rule has neither. */
  semver?: (semver: VersionSemver | undefined) => boolean
  /** match.broken: only images PackageInventory.damaged lists. */
  broken: boolean
  /** keep.per: keep.latest counts within each semver group. */
  per?: 'major' | 'minor'
  /** keep.tags / keep.versions. */
  keeps: TagVersionMatcher
  /** keep.versions alone, for untagged versions (undefined: never kept by name). */
  keepsName?: (name: string) => boolean
  /** "older-than" as an instant in ms; undefined when the rule has no older-than (everything is old enough). */
  cutoffMs?: number
  keepLatest: number
}

/** Globs and ranges are compiled once per rule for the whole run, not per package or version. */
export function compileRules(policy: Policy, now: Date): CompiledRule[] {
  return policy.rules.map((rule) => {
    const names = compilePackageNameFilter(rule.packages.names)
    const { tags, withTags, versions, untagged, olderThan } = rule.match
    const tagMatches = tags ? compileGlobs(tags) : undefined
    const companions = withTags ? compileGlobs(withTags) : undefined
    return {
      name: rule.name,
      rule,
      appliesTo: (type, name) => type === rule.packages.type && names.matches(name),
      tagMatch: tagMatches && ((versionTags) => matchEveryTag(versionTags, tagMatches, companions)),
      unmatchedTags: (versionTags) => (tagMatches ? versionTags.filter((tag) => !tagMatches(tag) && !companions?.(tag)) : []),
      seriesName: versions ? compileGlobs(versions) : undefined,
      untagged: untagged === true,
      semver: compileSemverCondition(rule.match.semver, rule.match.prerelease),
      broken: rule.match.broken === true,
      per: rule.keep.per,
      keeps: compileTagVersionMatcher(rule.keep.tags, rule.keep.versions),
      keepsName: rule.keep.versions.length > 0 ? compileGlobs(rule.keep.versions) : undefined,
      cutoffMs: olderThan ? olderThanCutoff(now, olderThan).getTime() : undefined,
      keepLatest: rule.keep.latest ?? 0
    }
  })
}

/** What the package's images are, beyond their names and tags, for the rules that ask. */
interface ImageFacts {
  /** Each version's semver (undefined for dependants and versions without one); empty when no rule asks. */
  semvers: (VersionSemver | undefined)[]
  /** 1 for the images PackageInventory.damaged lists. */
  broken: Uint8Array
}

function imageFacts(ctx: PackageContext): ImageFacts {
  const { versions } = ctx.index
  const { isDependant } = ctx.graph
  const needsSemver = ctx.rules.some((rule) => rule.semver !== undefined || rule.per !== undefined)
  // Filled, not sized by `length`: V8 keeps a filled array flat, a sized-up one as a slow dictionary.
  const semvers = new Array<VersionSemver | undefined>(needsSemver ? versions.length : 0).fill(undefined)
  if (needsSemver) {
    // Untagged containers have no semver: only tagged images are parsed.
    for (let i = 0; i < versions.length; i++) {
      if (!isDependant[i] && (!ctx.isContainer || hasTags(ctx, i))) semvers[i] = semverOf(versions[i], ctx.isContainer)
    }
  }
  const broken = new Uint8Array(ctx.damaged.size > 0 && ctx.rules.some((rule) => rule.broken) ? versions.length : 0)
  for (const id of broken.length > 0 ? ctx.damaged.keys() : []) {
    const i = ctx.index.indexOf.get(id)
    if (i >= 0) broken[i] = 1
  }
  return { semvers, broken }
}

/**
 * Why the rule selects image i. Reasons that depend only on the rule and the age ("delete: untagged,
 * 41 days old") are shared through `shared` (per rule, by age text) instead of built per version.
 */
function selectionReason(ctx: PackageContext, i: number, compiled: CompiledRule, facts: ImageFacts, shared: Map<string, string>): string {
  const { rule } = compiled
  const version = ctx.index.versions[i]
  const time = rule.match.ageFrom === 'created' ? ctx.index.created : ctx.index.updated
  const age = formatAge(time[i], ctx.nowMs)
  // Without older-than, a selection is only explained by keep.latest: say so, and of which release line with keep.per.
  const beyondLatest = rule.match.olderThan === undefined ? rule.keep.latest : undefined
  const group = beyondLatest !== undefined && compiled.per ? perGroupLabel(facts.semvers[i], compiled.per) : undefined
  if (rule.match.tags) return reasons.deleteImage(selection.byTags(tagsOf(ctx, version), rule.name), age, beyondLatest, group)
  if (!rule.match.untagged && rule.match.versions) {
    return reasons.deleteImage(selection.byVersion(version.name, ctx.isContainer, rule.name), age, beyondLatest, group)
  }
  if (compiled.broken) {
    const missing = ctx.damaged.get(version.id)?.missing ?? []
    return reasons.deleteImage(selection.broken(missing.map((m) => m.platform ?? m.digest), rule.name), age, beyondLatest, group)
  }
  const semver = compiled.semver ? facts.semvers[i] : undefined
  if (semver) return reasons.deleteImage(selection.bySemver(semver.text, ctx.isContainer, rule.name), age, beyondLatest, group)
  const key = group === undefined ? age : `${age}\u0000${group}`
  let reason = shared.get(key)
  if (reason === undefined) {
    reason = reasons.deleteImage(rule.match.untagged ? selection.untagged() : selection.byRule(rule.name), age, beyondLatest, group)
    shared.set(key, reason)
  }
  return reason
}

/** The keep.per group an image's rank counts in: "1.4.x", "2.x", or "without semver". */
function perGroupLabel(semver: VersionSemver | undefined, per: 'major' | 'minor'): string {
  if (!semver) return 'versions without semver'
  const { major, minor } = semver.version
  return per === 'major' ? `${major}.x` : `${major}.${minor}.x`
}

/** `rank` > 0: kept as the rank-th newest of the series (of its keep.per group); 0: kept by keep.tags / keep.versions. */
function keepReason(ctx: PackageContext, i: number, compiled: CompiledRule, rank: number, facts: ImageFacts): string {
  if (rank > 0) {
    return compiled.per ? reasons.keptLatestPer(rank, perGroupLabel(facts.semvers[i], compiled.per), compiled.name) : reasons.keptLatest(rank, compiled.name)
  }
  const version = ctx.index.versions[i]
  const hit = compiled.keeps(tagsOf(ctx, version), version.name)
  return hit ? reasons.keptByRule(hit, ctx.isContainer, compiled.name) : ''
}

const NONE = 0x3fffffff // larger than any rule index (and a small integer for V8): "min" keeps the first rule in policy order

/**
 * Writes the verdict of every image (dependants are left to judgeDependants). Returns notes for the
 * package (rules whose semver condition found nothing because no candidate version is semver) and
 * what each rule made of each image, for the account per rule (accounts.ts).
 */
export function judgeImages(ctx: PackageContext, verdicts: Verdicts): { notes: string[]; tally: RuleTally } {
  const { versions } = ctx.index
  const n = versions.length
  const { isDependant } = ctx.graph
  const facts = imageFacts(ctx)
  const { semvers, broken } = facts
  // The first rule (policy order) that keeps / selects / finds too young / nearly takes (some tags
  // match, not all) each image; typed arrays rather than an object per image, since most of a large
  // package is selected.
  const { scratch } = ctx
  const keptBy = scratch.take(n, NONE)
  const keptRank = scratch.take(n)
  const selectedBy = scratch.take(n, NONE)
  const tooYoungFor = scratch.take(n, NONE)
  const alsoTaggedFor = scratch.take(n, NONE)
  // Per rule with a semver condition: images meeting its other conditions, those with a semver, members.
  const candidates = zeros(ctx.rules.length)
  const withSemver = zeros(ctx.rules.length)
  const members = zeros(ctx.rules.length)
  // keep.per: each image's group number for the rules that have one (0: without semver).
  const perGroups = ctx.rules.map((rule) => (rule.per ? semverGroups(semvers, rule.per) : undefined))
  const tally = createTally(ctx)
  const { states, causes, stages } = tally
  const { named, tagHit, tagged: taggedCounts, unbroken } = stages
  const ruleCount = ctx.rules.length

  // One walk over the images per age-from (newest first), evaluating every rule of that age-from on
  // each image: a million versions are read once or twice instead of once per rule.
  for (const ageFrom of ['updated', 'created'] as const) {
    const group = ctx.rules
      .map((rule, r) => ({ rule, r, perGroup: perGroups[r]?.group }))
      .filter(({ rule }) => rule.rule.match.ageFrom === ageFrom)
    if (group.length === 0) continue
    const time = ageFrom === 'created' ? ctx.index.created : ctx.index.updated
    // Series ranks: one counter per rule, or per rule and keep.per group.
    const ranks = group.map(({ r }) => zeros(perGroups[r]?.count ?? 1))
    const order = ctx.index.newestFirst(ageFrom)
    for (let k = 0; k < n; k++) {
      const i = order[k]
      if (isDependant[i]) continue
      // Most images are untagged: they are judged without their tags, and their name is read only
      // when a rule has a version glob.
      const tagged = hasTags(ctx, i)
      const version = tagged ? versions[i] : undefined
      let name = version?.name
      for (let g = 0; g < group.length; g++) {
        const { rule, r, perGroup } = group[g]
        // keep.tags / keep.versions cover every image of the package, not only the series.
        let hit: boolean
        let member: boolean
        // Some tags match match.tags but not all, and every other condition holds.
        let alsoTagged = false
        if (version) {
          hit = rule.keeps(version.tags, version.name) !== undefined
          member = !rule.untagged && (rule.seriesName === undefined || rule.seriesName(version.name))
          if (member) named[r]++
          if (member && rule.tagMatch) {
            const tagMatch = rule.tagMatch(version.tags)
            if (tagMatch !== TagMatch.None) tagHit[r]++
            alsoTagged = tagMatch === TagMatch.Some
            member = tagMatch === TagMatch.Every
          }
        } else {
          if (name === undefined && (rule.keepsName || rule.seriesName)) name = versions[i].name
          hit = rule.keepsName !== undefined && rule.keepsName(name as string)
          member = rule.tagMatch === undefined && (rule.seriesName === undefined || rule.seriesName(name as string))
          if (member) named[r]++
        }
        if (member) taggedCounts[r]++
        if (rule.broken && broken[i] !== 1) member = alsoTagged = false
        if (member) unbroken[r]++
        if (rule.semver) {
          const semver = semvers[i]
          if (member) {
            candidates[r]++
            if (semver) withSemver[r]++
          }
          // Most images (untagged builds) have no semver: no call for them.
          if (semver === undefined || !rule.semver(semver)) member = alsoTagged = false
          else if (member) members[r]++
        }
        if (alsoTagged) {
          if (r < alsoTaggedFor[i]) alsoTaggedFor[i] = r
          recordAlsoTagged(stages, r, rule.unmatchedTags((version as PackageVersion).tags))
        }
        if (hit && r < keptBy[i]) {
          keptBy[i] = r
          keptRank[i] = 0
        }
        if (!member) continue
        const at = i * ruleCount + r
        // Newest first, so the series rank is the position among members met so far (in its group).
        const rank = ++ranks[g][perGroup ? perGroup[i] : 0]
        if (rank <= rule.keepLatest) {
          states[at] = RuleState.KeptLatest
          if (r < keptBy[i]) {
            keptBy[i] = r
            keptRank[i] = rank
          }
          continue
        }
        if (hit) {
          states[at] = RuleState.KeptByName
          continue
        }
        if (rule.cutoffMs !== undefined && !(time[i] < rule.cutoffMs)) {
          states[at] = RuleState.TooYoung
          if (r < tooYoungFor[i]) tooYoungFor[i] = r
          continue
        }
        states[at] = RuleState.Selected
        if (r < selectedBy[i]) selectedBy[i] = r
      }
    }
  }

  const noRuleReason = ctx.rules.length > 0 ? reasons.notSelected() : reasons.noRuleApplies()
  const sharedReasons = ctx.rules.map(() => new Map<string, string>())
  const tooYoungReasons = ctx.rules.map((rule) => (rule.rule.match.olderThan ? reasons.tooYoung(rule.rule.match.olderThan.text, rule.name) : ''))
  for (let i = 0; i < n; i++) {
    if (isDependant[i]) continue
    const protectedBy = ctx.protectsNames || hasTags(ctx, i) ? ctx.protect(tagsOf(ctx, versions[i]), versions[i].name) : undefined
    const inUse = ctx.inUse?.(versions[i])
    if (inUse !== undefined) {
      causes[i] = ImageCause.InUse
      keep(verdicts, i, inUse)
    } else if (protectedBy) {
      causes[i] = ImageCause.Protected
      keep(verdicts, i, reasons.protected(protectedBy, ctx.isContainer))
    } else if (keptBy[i] !== NONE) {
      causes[i] = ImageCause.KeptByRule
      const rule = ctx.rules[keptBy[i]]
      keep(verdicts, i, keepReason(ctx, i, rule, keptRank[i], facts), rule.name)
    } else if (selectedBy[i] !== NONE) {
      causes[i] = ImageCause.Selected
      const rule = ctx.rules[selectedBy[i]]
      markDeleted(verdicts, i, selectionReason(ctx, i, rule, facts, sharedReasons[selectedBy[i]]), rule.name)
    } else if (tooYoungFor[i] !== NONE) {
      causes[i] = ImageCause.TooYoung
      // The rule that would select it once old enough: named in the summary's Rule column.
      keep(verdicts, i, tooYoungReasons[tooYoungFor[i]], ctx.rules[tooYoungFor[i]].name)
    } else if (alsoTaggedFor[i] !== NONE) {
      causes[i] = ImageCause.AlsoTagged
      const rule = ctx.rules[alsoTaggedFor[i]]
      const otherTags = rule.unmatchedTags(versions[i].tags)
      keep(verdicts, i, reasons.alsoTagged(otherTags, rule.name, sharedTagPrefix(otherTags), rule.rule.match.withTags !== undefined), rule.name)
    } else {
      keep(verdicts, i, noRuleReason)
    }
  }
  scratch.release(keptBy, keptRank, selectedBy, tooYoungFor, alsoTaggedFor)
  // A rule whose semver series is empty because none of its candidates is a semantic version says so.
  const notes = ctx.rules
    .filter((rule, r) => rule.semver && members[r] === 0 && candidates[r] > 0 && withSemver[r] === 0)
    .map((rule) => reasons.noSemver(rule.name, ctx.key, ctx.isContainer))
  for (let r = 0; r < ruleCount; r++) stages.withSemver[r] = withSemver[r]
  return { notes, tally }
}

/** protect, then keep.tags / keep.versions of the applying rules: what holds a dependant back regardless of its parents. */
export function heldBack(ctx: PackageContext, i: number): { reason: string; rule?: string } | undefined {
  const inUse = ctx.inUse?.(ctx.index.versions[i])
  if (inUse !== undefined) return { reason: inUse }
  // Most dependants (platform manifests, attestations) are untagged: only name globs could hold them.
  if (!ctx.namesHold && !hasTags(ctx, i)) return undefined
  const version = ctx.index.versions[i]
  const tags = tagsOf(ctx, version)
  const protectedBy = ctx.protect(tags, version.name)
  if (protectedBy) return { reason: reasons.protected(protectedBy, ctx.isContainer) }
  for (const rule of ctx.rules) {
    const hit = rule.keeps(tags, version.name)
    if (hit) return { reason: reasons.keptByRule(hit, ctx.isContainer, rule.name), rule: rule.name }
  }
  return undefined
}
