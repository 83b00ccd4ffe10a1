// Steps 1–4 of the contract for images: each rule's series, what it keeps, what it selects; then the
// combination across rules (protect and keep always win).
import type { Policy, Rule } from '../model.js'
import { olderThanCutoff } from '../policy/duration.js'
import { zeros } from './arrays.js'
import { compileGlobs, compilePackageNameFilter } from '../policy/glob.js'
import { compileTagVersionMatcher, firstMatchingTag, type TagVersionMatcher } from './matchers.js'
import { hasTags, keep, markDeleted, tagsOf, type PackageContext, type Verdicts } from './package-context.js'
import { formatAge, reasons, selection } from './reasons.js'

export interface CompiledRule {
  name: string
  rule: Rule
  appliesTo(type: string, name: string): boolean
  /**
   * Series membership: undefined when not a member; otherwise the tag that satisfied `match.tags`
   * (for the reason), or '' when the rule has no tag condition.
   */
  seriesTag(tags: readonly string[], name: string): string | undefined
  /** keep.tags / keep.versions. */
  keeps: TagVersionMatcher
  /** What decides for an untagged version: keep.versions (undefined: never kept), match.versions (undefined: no condition), match.tags. */
  keepsName?: (name: string) => boolean
  seriesName?: (name: string) => boolean
  hasTagCondition: boolean
  /** "older-than" as an instant in ms; undefined when the rule has no older-than (everything is old enough). */
  cutoffMs?: number
  keepLatest: number
}

/** Globs are compiled once per rule for the whole run, not per package or version. */
export function compileRules(policy: Policy, now: Date): CompiledRule[] {
  return policy.rules.map((rule) => {
    const names = compilePackageNameFilter(rule.packages.names)
    const { tags, versions, untagged, olderThan } = rule.match
    const tagMatches = tags ? compileGlobs(tags) : undefined
    const versionMatches = versions ? compileGlobs(versions) : undefined
    return {
      name: rule.name,
      rule,
      appliesTo: (type, name) => type === rule.packages.type && names.matches(name),
      seriesTag: (versionTags, name) => {
        if (untagged && versionTags.length > 0) return undefined
        if (versionMatches && !versionMatches(name)) return undefined
        if (!tagMatches) return ''
        return firstMatchingTag(versionTags, tagMatches)
      },
      keeps: compileTagVersionMatcher(rule.keep.tags, rule.keep.versions),
      keepsName: rule.keep.versions.length > 0 ? compileGlobs(rule.keep.versions) : undefined,
      seriesName: versionMatches,
      hasTagCondition: tagMatches !== undefined,
      cutoffMs: olderThan ? olderThanCutoff(now, olderThan).getTime() : undefined,
      keepLatest: rule.keep.latest ?? 0
    }
  })
}

/**
 * Why the rule selects image i. Reasons that depend only on the rule and the age ("delete: untagged,
 * 41 days old") are shared through `shared` (per rule, by age text) instead of built per version.
 */
function selectionReason(ctx: PackageContext, i: number, compiled: CompiledRule, shared: Map<string, string>): string {
  const { rule } = compiled
  const version = ctx.index.versions[i]
  const time = rule.match.ageFrom === 'created' ? ctx.index.created : ctx.index.updated
  const age = formatAge(time[i], ctx.nowMs)
  // Without older-than, a selection is only explained by keep.latest: say so.
  const beyondLatest = rule.match.olderThan === undefined ? rule.keep.latest : undefined
  if (rule.match.tags) {
    const tag = compiled.seriesTag(tagsOf(ctx, version), version.name) ?? ''
    return reasons.deleteImage(selection.byTag(tag, rule.name), age, beyondLatest)
  }
  if (!rule.match.untagged && rule.match.versions) {
    return reasons.deleteImage(selection.byVersion(version.name, ctx.isContainer, rule.name), age, beyondLatest)
  }
  let reason = shared.get(age)
  if (reason === undefined) {
    reason = reasons.deleteImage(rule.match.untagged ? selection.untagged() : selection.byRule(rule.name), age, beyondLatest)
    shared.set(age, reason)
  }
  return reason
}

/** `rank` > 0: kept as the rank-th newest of the series; 0: kept by keep.tags / keep.versions. */
function keepReason(ctx: PackageContext, i: number, compiled: CompiledRule, rank: number): string {
  if (rank > 0) return reasons.keptLatest(rank, compiled.name)
  const version = ctx.index.versions[i]
  const hit = compiled.keeps(tagsOf(ctx, version), version.name)
  return hit ? reasons.keptByRule(hit, ctx.isContainer, compiled.name) : ''
}

const NONE = 0x3fffffff // larger than any rule index (and a small integer for V8): "min" keeps the first rule in policy order

/** Writes the verdict of every image (dependants are left to judgeDependants). */
export function judgeImages(ctx: PackageContext, verdicts: Verdicts): void {
  const { versions } = ctx.index
  const n = versions.length
  const { isDependant } = ctx.graph
  // The first rule (policy order) that keeps / selects / finds too young each image; typed arrays
  // rather than an object per image, since most of a large package is selected.
  const { scratch } = ctx
  const keptBy = scratch.take(n, NONE)
  const keptRank = scratch.take(n)
  const selectedBy = scratch.take(n, NONE)
  const tooYoungFor = scratch.take(n, NONE)

  // One walk over the images per age-from (newest first), evaluating every rule of that age-from on
  // each image: a million versions are read once or twice instead of once per rule.
  for (const ageFrom of ['updated', 'created'] as const) {
    const group = ctx.rules.map((rule, r) => ({ rule, r })).filter(({ rule }) => rule.rule.match.ageFrom === ageFrom)
    if (group.length === 0) continue
    const time = ageFrom === 'created' ? ctx.index.created : ctx.index.updated
    const ranks = zeros(group.length)
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
        const { rule, r } = group[g]
        // keep.tags / keep.versions cover every image of the package, not only the series.
        let hit: boolean
        let member: boolean
        if (version) {
          hit = rule.keeps(version.tags, version.name) !== undefined
          member = rule.seriesTag(version.tags, version.name) !== undefined
        } else {
          if (name === undefined && (rule.keepsName || rule.seriesName)) name = versions[i].name
          hit = rule.keepsName !== undefined && rule.keepsName(name as string)
          member = !rule.hasTagCondition && (rule.seriesName === undefined || rule.seriesName(name as string))
        }
        if (hit && r < keptBy[i]) {
          keptBy[i] = r
          keptRank[i] = 0
        }
        if (!member) continue
        // Newest first, so the series rank is the position among members met so far.
        const rank = ++ranks[g]
        if (rank <= rule.keepLatest) {
          if (r < keptBy[i]) {
            keptBy[i] = r
            keptRank[i] = rank
          }
          continue
        }
        if (hit) continue
        if (rule.cutoffMs !== undefined && !(time[i] < rule.cutoffMs)) {
          if (r < tooYoungFor[i]) tooYoungFor[i] = r
          continue
        }
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
    if (protectedBy) {
      keep(verdicts, i, reasons.protected(protectedBy, ctx.isContainer))
    } else if (keptBy[i] !== NONE) {
      const rule = ctx.rules[keptBy[i]]
      keep(verdicts, i, keepReason(ctx, i, rule, keptRank[i]), rule.name)
    } else if (selectedBy[i] !== NONE) {
      const rule = ctx.rules[selectedBy[i]]
      markDeleted(verdicts, i, selectionReason(ctx, i, rule, sharedReasons[selectedBy[i]]), rule.name)
    } else if (tooYoungFor[i] !== NONE) {
      // The rule that would select it once old enough: named in the summary's Rule column.
      keep(verdicts, i, tooYoungReasons[tooYoungFor[i]], ctx.rules[tooYoungFor[i]].name)
    } else {
      keep(verdicts, i, noRuleReason)
    }
  }
  scratch.release(keptBy, keptRank, selectedBy, tooYoungFor)
}

/** protect, then keep.tags / keep.versions of the applying rules: what holds a dependant back regardless of its parents. */
export function heldBack(ctx: PackageContext, i: number): { reason: string; rule?: string } | undefined {
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
