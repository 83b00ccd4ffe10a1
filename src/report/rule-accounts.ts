// (1.2) The account per rule: for each rule, the images in its series, how many it selects, how
// many the plan deletes and what kept the rest, and a plain sentence when it selects nothing and
// why. The planner makes one account per rule and package (PackagePlan.accounts); the summary
// adds them up per rule, so a glob over 300 packages is one row.
import type { RuleAccount } from '../model.js'
import { bytes, clip, escapeHtml, limitedTable, plural } from './html.js'

/** Distinct reasons said per rule before the rest is counted. */
const WHY_SENTENCES = 5
import type { PackageReport, RunMode } from './run-report.js'

export interface RuleTotals {
  rule: string
  packages: number
  series: number
  selected: number
  deleted: number
  keptBy: Record<string, number>
  alsoTagged: number
  /** Distinct sentences of the packages where the rule selects nothing, in first-seen order. */
  whyNothing: string[]
  /** Packages where the rule selects nothing. */
  selectsNothingIn: number
}

/** Per rule, in the order the rules first appear; empty when no package carries accounts (an older plan file). */
export function ruleTotals(packages: readonly PackageReport[]): RuleTotals[] {
  const totals = new Map<string, RuleTotals>()
  for (const pkg of packages) {
    for (const account of pkg.accounts ?? []) add(totals, account)
  }
  return [...totals.values()]
}

function add(totals: Map<string, RuleTotals>, account: RuleAccount): void {
  const t = totals.get(account.rule) ?? { rule: account.rule, packages: 0, series: 0, selected: 0, deleted: 0, keptBy: {}, alsoTagged: 0, whyNothing: [], selectsNothingIn: 0 }
  totals.set(account.rule, t)
  t.packages++
  t.series += account.series
  t.selected += account.selected
  t.deleted += account.deleted
  t.alsoTagged += account.alsoTagged ?? 0
  for (const [by, n] of Object.entries(account.keptBy)) if (n > 0) t.keptBy[by] = (t.keptBy[by] ?? 0) + n
  if (account.selected === 0) {
    t.selectsNothingIn++
    if (account.whyNothing && !t.whyNothing.includes(account.whyNothing)) t.whyNothing.push(account.whyNothing)
  }
}

/** "keep.latest 5 · protect 2 · in use 1", then the images outside the series only because of other tags. */
function keptCell(t: RuleTotals): string {
  const kept = Object.entries(t.keptBy)
    .sort(([, a], [, b]) => b - a)
    .map(([by, n]) => `${escapeHtml(by)} ${n}`)
  if (t.alsoTagged > 0) kept.push(`${t.alsoTagged} outside the series: also tagged otherwise`)
  return kept.join(' · ')
}

/** The sentence for a rule that selects nothing anywhere, or nothing in some of its packages. */
function nothingSentence(t: RuleTotals): string | undefined {
  if (t.selectsNothingIn === 0) return undefined
  const rule = `Rule <code>${escapeHtml(t.rule)}</code>`
  const shown = t.whyNothing.slice(0, WHY_SENTENCES).map(s => escapeHtml(clip(s)))
  if (t.whyNothing.length > shown.length) shown.push(`and ${t.whyNothing.length - shown.length} more reasons (the plan file has each package's)`)
  const why = shown.length > 0 ? `: ${shown.join('; ')}` : '.'
  if (t.selected === 0) return `${rule} selects nothing${t.packages > 1 ? ` in any of its ${t.packages} packages` : ''}${why}`
  return `${rule} selects nothing in ${t.selectsNothingIn} of its ${t.packages} packages${why}`
}

/** The section, within `allowance` bytes (its sentences and table together); '' when there are no accounts. */
export function ruleAccountSection(packages: readonly PackageReport[], mode: RunMode, planPath: string, allowance: number): string {
  const totals = ruleTotals(packages)
  if (totals.length === 0) return ''
  const intro = '<h3>What each rule did</h3>'
  const sentences = totals.map(nothingSentence).filter((s): s is string => s !== undefined)
  // The sentences take at most half the allowance; those beyond are counted (the table still has every rule).
  const items: string[] = []
  for (const [i, sentence] of sentences.entries()) {
    const item = `<li>${sentence}</li>`
    if (bytes(items.join('') + item) > allowance / 2) {
      items.push(`<li>… and ${sentences.length - i} more rules that select nothing somewhere (see the plan file)</li>`)
      break
    }
    items.push(item)
  }
  const said = items.length > 0 ? `<ul>${items.join('')}</ul>` : ''
  const head = `<tr><th>Rule</th><th>Packages</th><th>Images in series</th><th>Selected</th><th>${mode === 'dry-run' ? 'To delete' : 'Planned'}</th><th>Kept, by what</th></tr>`
  const row = (i: number): string => {
    const t = totals[i]
    return `<tr><td><code>${escapeHtml(t.rule)}</code></td><td>${t.packages}</td><td>${t.series}</td><td>${t.selected}</td><td>${t.deleted}</td><td>${keptCell(t)}</td></tr>`
  }
  const table = limitedTable({ head, count: totals.length, row, what: 'rules' }, planPath, allowance - bytes(intro) - bytes(said))
  return `${intro}${said}${table.html}`
}

/**
 * Why a package has nothing to delete, from its accounts: each rule's sentence, or what kept what it
 * selected. Undefined without accounts.
 */
export function nothingToDeleteWhy(pkg: PackageReport): string | undefined {
  if (!pkg.accounts || pkg.accounts.length === 0) return undefined
  return pkg.accounts
    .map(a => {
      const rule = `rule '${a.rule}'`
      if (a.selected === 0) return `${rule} selects nothing${a.whyNothing ? `: ${a.whyNothing}` : ` (${plural(a.series, 'image')} in its series)`}`
      const by = Object.entries(a.keptBy)
        .filter(([, n]) => n > 0)
        .map(([what, n]) => `${what} ${n}`)
        .join(', ')
      return `${rule} selects ${a.selected}, none deleted${by ? `; its series is kept by ${by}` : ''}`
    })
    .join('; ')
}
