// Contract 1.2, "An account per rule": how each rule that applies met a package — the images of its
// series, those it selects, those the plan deletes, what kept the others, and a plain sentence when
// it selects nothing. judgeImages records what each rule made of each image (one byte per rule and
// image, counters per rule) during its walk; the account is read once every verdict is final.
import type { RuleAccount } from '../model.js'
import type { CompiledRule } from './rules.js'
import type { PackageContext, Verdicts } from './package-context.js'
import { zeros } from './arrays.js'
import { isUnreadableTime } from './timestamps.js'

/** What one rule made of one image (RuleTally.states). */
export const RuleState = {
  /** Not in the rule's series. */
  Outside: 0,
  /** In the series, one of its keep.latest newest (of its keep.per group). */
  KeptLatest: 1,
  /** In the series, kept by the rule's keep.tags / keep.versions. */
  KeptByName: 2,
  /** In the series, not kept by the rule, newer than its older-than. */
  TooYoung: 3,
  /** Selected by the rule. */
  Selected: 4
} as const

/** Why the plan keeps or deletes an image, as judgeImages decided it (RuleTally.causes). */
export const ImageCause = {
  NotSelected: 0,
  InUse: 1,
  Protected: 2,
  /** Kept by some rule's keep (latest, tags, versions). */
  KeptByRule: 3,
  /** Selected by a rule (and marked deleted; a later step may keep it: last version, unreadable timestamp). */
  Selected: 4,
  TooYoung: 5,
  AlsoTagged: 6
} as const

/** Per rule (index in ctx.rules): how many images passed each condition, to say why a series is empty. */
export interface StageCounts {
  /** Images passing `untagged` and `versions` (for a tag rule: tagged images only). */
  named: number[]
  /** Of those, images with at least one tag matching `tags`. */
  tagHit: number[]
  /** Of those, images whose tags all match (`tags`, or `with-tags` beside one of `tags`). */
  tagged: number[]
  /** Of those, images passing `broken`. */
  unbroken: number[]
  /** Of those, images with a semver (rules with a semver condition). */
  withSemver: number[]
  /** Images left out only because they also carry other tags ("kept: also tagged ..."). */
  alsoTagged: number[]
  /**
   * The prefix (`sha-`) that the other tags of every also-tagged image share: what `with-tags`
   * would take. undefined: no such image yet; null: no common prefix.
   */
  companionPrefix: (string | null | undefined)[]
}

export interface RuleTally {
  /** What rule r made of image i, at i * rules + r (RuleState). */
  states: Uint8Array
  /** Per image (ImageCause). */
  causes: Uint8Array
  rules: number
  stages: StageCounts
}

export function createTally(ctx: PackageContext): RuleTally {
  const n = ctx.index.versions.length
  const r = ctx.rules.length
  return {
    states: new Uint8Array(n * r),
    causes: new Uint8Array(n),
    rules: r,
    stages: { named: zeros(r), tagHit: zeros(r), tagged: zeros(r), unbroken: zeros(r), withSemver: zeros(r), alsoTagged: zeros(r), companionPrefix: new Array<string | null | undefined>(r).fill(undefined) }
  }
}

/** `sha-` when every tag starts with the same word and `-` (docker/metadata-action's `sha-8826c28`); else undefined. */
export function sharedTagPrefix(tags: readonly string[]): string | undefined {
  if (tags.length === 0) return undefined
  const dash = tags[0].indexOf('-')
  if (dash < 1) return undefined
  const prefix = tags[0].slice(0, dash + 1)
  return tags.every((tag) => tag.startsWith(prefix) && tag.length > prefix.length) ? prefix : undefined
}

/** Records one also-tagged image of rule r, with the tags that kept it out of the series. */
export function recordAlsoTagged(stages: StageCounts, r: number, otherTags: readonly string[]): void {
  stages.alsoTagged[r]++
  const current = stages.companionPrefix[r]
  if (current === null) return
  const prefix = sharedTagPrefix(otherTags)
  stages.companionPrefix[r] = prefix !== undefined && (current === undefined || current === prefix) ? prefix : null
}

// What kept an image of a series: RuleAccount.keptBy's labels (documented there), in order of
// precedence; counted by position in the walk, named when the account is written.
const KEPT_LABELS = [
  'unreadable timestamp',
  'in use',
  'protect',
  'keep.latest',
  'keep.tags/versions',
  'another rule',
  'last version',
  'too young',
  'not selected',
  'left untouched'
] as const
const Kept = { Timestamp: 0, InUse: 1, Protect: 2, Latest: 3, ByName: 4, AnotherRule: 5, LastVersion: 6, TooYoung: 7, NotSelected: 8, Untouched: 9 } as const

interface Counts {
  series: number
  selected: number
  deleted: number
  deletedByAnotherRule: number
  /** By Kept code. */
  kept: number[]
}

/** What kept image i of rule r's series: the same precedence as the image's reason, the rule's own keep first among keeps. */
function keptCode(state: number, cause: number, unreadableTime: boolean): number {
  if (unreadableTime) return Kept.Timestamp
  if (cause === ImageCause.InUse) return Kept.InUse
  if (cause === ImageCause.Protected) return Kept.Protect
  if (state === RuleState.KeptLatest) return Kept.Latest
  if (state === RuleState.KeptByName) return Kept.ByName
  if (cause === ImageCause.KeptByRule) return Kept.AnotherRule
  // Selected, yet kept: GitHub's last-version rule (step 6) took it back.
  if (cause === ImageCause.Selected) return Kept.LastVersion
  if (state === RuleState.TooYoung) return Kept.TooYoung
  return Kept.NotSelected
}

function keptBy(kept: readonly number[]): Record<string, number> {
  const record: Record<string, number> = {}
  kept.forEach((count, code) => {
    if (count > 0) record[KEPT_LABELS[code]] = count
  })
  return record
}

/**
 * The account of every rule that applies, from the tally and the final verdicts. `untouched`: the
 * package is left untouched (its warning): nothing is deleted, every image of a series is kept so.
 */
export function ruleAccounts(ctx: PackageContext, verdicts: Verdicts, tally: RuleTally, untouched?: string): RuleAccount[] {
  const { states, causes, rules: r } = tally
  const counts: Counts[] = ctx.rules.map(() => ({ series: 0, selected: 0, deleted: 0, deletedByAnotherRule: 0, kept: zeros(KEPT_LABELS.length) }))
  const { created, updated } = ctx.index
  const { isDependant } = ctx.graph
  for (let i = 0; i < causes.length; i++) {
    if (isDependant[i]) continue
    const base = i * r
    const deleted = verdicts.deleted[i] === 1
    const cause = causes[i]
    const unreadableTime = isUnreadableTime(created[i]) || isUnreadableTime(updated[i])
    for (let k = 0; k < r; k++) {
      const state = states[base + k]
      if (state === RuleState.Outside) continue
      const c = counts[k]
      c.series++
      if (state === RuleState.Selected) c.selected++
      if (untouched !== undefined) c.kept[Kept.Untouched]++
      else if (deleted) {
        if (state === RuleState.Selected) c.deleted++
        else c.deletedByAnotherRule++
      } else c.kept[keptCode(state, cause, unreadableTime)]++
    }
  }
  return ctx.rules.map((rule, k) => {
    const c = counts[k]
    const account: RuleAccount = {
      rule: rule.name,
      series: c.series,
      selected: c.selected,
      deleted: c.deleted,
      keptBy: keptBy(c.kept),
      ...(c.deletedByAnotherRule > 0 && { deletedByAnotherRule: c.deletedByAnotherRule }),
      ...(tally.stages.alsoTagged[k] > 0 && { alsoTagged: tally.stages.alsoTagged[k] })
    }
    const why = untouched ?? (c.selected === 0 ? whyNothing(ctx, rule, k, tally, c) : undefined)
    return why === undefined ? account : { ...account, whyNothing: why }
  })
}

// ---------------------------------------------------------------- why a rule selects nothing

function globList(globs: readonly string[]): string {
  return globs.join(', ')
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`
}

/** "a, b and c". */
function listed(parts: string[]): string {
  return parts.length <= 1 ? parts.join('') : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`
}

function whyNothing(ctx: PackageContext, compiled: CompiledRule, k: number, tally: RuleTally, c: Counts): string {
  return c.series === 0 ? whyEmptySeries(ctx, compiled, k, tally) : whyAllKept(ctx, compiled, tally, k, c)
}

/** The first condition that no image passes, in the order the planner tests them. */
function whyEmptySeries(ctx: PackageContext, compiled: CompiledRule, k: number, tally: RuleTally): string {
  const { match } = compiled.rule
  const name = ctx.ref.name
  const noun = ctx.isContainer ? 'image' : 'version'
  const stages = tally.stages
  let images = 0
  for (let i = 0; i < ctx.graph.isDependant.length; i++) if (!ctx.graph.isDependant[i]) images++
  if (images === 0) return `${name} has no ${noun}s`
  if (stages.named[k] === 0 && match.untagged) {
    return match.versions ? `no untagged image of ${name} has a digest matching ${globList(match.versions)}` : `no image of ${name} is untagged`
  }
  if (stages.named[k] === 0 && match.versions && !match.tags) {
    return `no ${noun} of ${name} has a ${ctx.isContainer ? 'digest' : 'name'} matching ${globList(match.versions)}`
  }
  if (match.tags && stages.tagHit[k] === 0) {
    return `no image of ${name} has a tag matching ${globList(match.tags)}${match.versions ? ` and a digest matching ${globList(match.versions)}` : ''}`
  }
  if (match.tags && stages.tagged[k] === 0) return whyAlsoTagged(name, match.tags, match.withTags, stages.companionPrefix[k])
  if (match.broken && stages.unbroken[k] === 0) return `no ${noun} of ${name} that meets the rule's other conditions is broken`
  if (compiled.semver && stages.withSemver[k] === 0) {
    return ctx.isContainer
      ? `no image of ${name} that meets the rule's other conditions has a tag that is a semantic version (such as 1.4.2 or v1.4.2)`
      : `no version of ${name} that meets the rule's other conditions is a semantic version (such as 1.4.2; '1.2-SNAPSHOT' is not)`
  }
  if (compiled.semver) {
    const range = match.semver !== undefined ? ` in the range "${match.semver}"` : ''
    const kind = match.prerelease === undefined ? '' : ` that is ${match.prerelease ? 'a prerelease' : 'a release'}`
    return `no ${noun} of ${name} has a semver${range}${kind}`
  }
  return `no ${noun} of ${name} meets the rule's conditions`
}

/** Every image with a matching tag also carries tags the rule does not take. */
function whyAlsoTagged(name: string, tags: readonly string[], withTags: readonly string[] | undefined, prefix: string | null | undefined): string {
  const subject = `every image of ${name} with a tag matching ${globList(tags)}`
  if (typeof prefix === 'string') {
    const key = withTags ? `add "${prefix}*" to with-tags` : `see with-tags (with-tags: ["${prefix}*"])`
    return `${subject} also carries a ${prefix}* tag: ${key}`
  }
  return `${subject} also carries other tags, and the rule takes an image only when every tag matches (see the "kept: also tagged" reasons)`
}

/** The series is not empty, yet nothing is selected: the rule's own keeps and older-than hold all of it. */
function whyAllKept(ctx: PackageContext, compiled: CompiledRule, tally: RuleTally, k: number, c: Counts): string {
  const noun = ctx.isContainer ? 'image' : 'version'
  let latest = 0
  let byName = 0
  let young = 0
  const { states, rules } = tally
  for (let i = 0, at = k; i < tally.causes.length; i++, at += rules) {
    const state = states[at]
    if (state === RuleState.KeptLatest) latest++
    else if (state === RuleState.KeptByName) byName++
    else if (state === RuleState.TooYoung) young++
  }
  const olderThan = compiled.rule.match.olderThan?.text
  const all = c.series === 1 ? `the only ${noun} of the series` : `all ${plural(c.series, noun)} of the series`
  if (byName === 0 && young === 0) return `keep.latest ${compiled.keepLatest} keeps ${all}`
  if (latest === 0 && young === 0) return `keep.tags/versions keep ${all}`
  if (latest === 0 && byName === 0) {
    return c.series === 1 ? `the only ${noun} of the series is not older than ${olderThan}` : `none of the ${plural(c.series, noun)} of the series is older than ${olderThan}`
  }
  const parts = [
    latest > 0 ? `keep.latest ${compiled.keepLatest} keeps ${latest}` : '',
    byName > 0 ? `keep.tags/versions keep ${byName}` : '',
    young > 0 ? `${young} ${young === 1 ? 'is' : 'are'} not older than ${olderThan}` : ''
  ].filter(Boolean)
  return `of the ${plural(c.series, noun)} of the series, ${listed(parts)}`
}
