// The job summary: mode, a table of packages with counts, then per package the versions to
// delete and (collapsed) the kept ones with reasons. Everything user-controlled is
// HTML-escaped, and every part of it is counted against a byte budget so the summary stays
// under GitHub's 1 MiB step limit: long lists are cut with a note saying what was left out
// and that the full list is in the plan file.
import { differenceInHours } from 'date-fns'
import { failureCauses, type RestoreItem } from '../execute/restore.js'
import { describeParts, imageEntries, type ImageEntry } from './image-entries.js'
import { inUseSection } from './in-use-section.js'
import type { PlanFile } from './plan-file.js'
import type { Counts, DamagedImageReport, PackageReport, ReportedVersion, RunReport } from './run-report.js'
import { isUnreadableTime, parseTimestamp } from '../plan/timestamps.js'

/** GitHub drops a step summary over 1 MiB; stay well below it. */
export const SUMMARY_BUDGET_BYTES = 900 * 1024
/** Rows per version table before the rest is left to the plan file. */
export const ROWS_PER_TABLE = 250
/** Package rows in the counts table before the rest is left to the plan file. */
export const COUNT_ROWS = 500
/** Entries of the "not found" and "failures" lists. */
export const LIST_ITEMS = 20
/** A failure message longer than this is cut (the plan file has it whole). */
const MAX_MESSAGE_CHARS = 1000

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '\n': '&#10;', '\r': '&#13;' }

/**
 * Text as HTML. Line breaks become character references: the summary is one HTML block of
 * GitHub Markdown, and a blank line inside a name or reason would end it and let the rest be
 * read as Markdown.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'\n\r]/g, c => ENTITIES[c])
}

export function formatAge(timestamp: string, now: string): string {
  const time = parseTimestamp(timestamp)
  if (isUnreadableTime(time)) return 'unknown' // as the planner reads it: "12" is no date (Date would say 2001)
  const hours = differenceInHours(new Date(now), time)
  return hours < 48 ? `${hours}h` : `${Math.floor(hours / 24)}d`
}

function shortName(name: string): string {
  return /^sha256:[0-9a-f]{64}$/.test(name) ? `${name.slice(0, 19)}…` : name
}

function clip(text: string): string {
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text
}

const bytes = (text: string): number => Buffer.byteLength(text)

/** The summary being written, and how much of the budget is left. */
class Budget {
  private readonly parts: string[] = []
  private used = 0

  constructor(private readonly limit: number) {}

  get left(): number {
    return this.limit - this.used
  }

  /** Parts are joined by a newline, counted with the part. */
  add(text: string): void {
    this.parts.push(text)
    this.used += bytes(text) + 1
  }

  toString(): string {
    return this.parts.join('\n')
  }
}

function leftOutNote(count: number, what: string, planPath: string, forSize: boolean): string {
  const why = forSize ? " to stay under GitHub's 1 MiB summary limit" : ''
  return `<p><em>${count} more ${what} not shown${why}; the full list is in the plan file <code>${escapeHtml(planPath)}</code>.</em></p>`
}

/**
 * A table of at most ROWS_PER_TABLE rows and at most `allowance` bytes, the note about what
 * it left out included. `cut` when the allowance (not the row count) stopped it. Rows are
 * rendered only as far as they are shown.
 */
function limitedTable(
  spec: { head: string; count: number; row: (index: number) => string; what: string; open?: string; close?: string },
  planPath: string,
  allowance: number
): { html: string; cut: boolean } {
  const open = `${spec.open ?? ''}<table>${spec.head}`
  const close = `</table>${spec.close ?? ''}`
  let size = bytes(open) + bytes(close) + bytes(leftOutNote(spec.count, spec.what, planPath, true))
  const rows: string[] = []
  let cut = size > allowance
  for (let i = 0; !cut && i < Math.min(spec.count, ROWS_PER_TABLE); i++) {
    const row = spec.row(i)
    if (size + bytes(row) > allowance) cut = true
    else {
      rows.push(row)
      size += bytes(row)
    }
  }
  const omitted = spec.count - rows.length
  const note = omitted > 0 ? leftOutNote(omitted, spec.what, planPath, cut) : ''
  if (rows.length === 0) return { html: bytes(note) <= allowance ? note : '', cut }
  // The note goes inside a wrapper (<details>) so it is seen where the rows are.
  return { html: `${open}${rows.join('')}</table>${note}${spec.close ?? ''}`, cut }
}

const COUNT_COLUMNS: [keyof Counts, string][] = [
  ['scanned', 'Scanned'],
  ['kept', 'Kept'],
  ['planned', 'Planned'],
  ['deleted', 'Deleted'],
  ['skipped', 'Skipped'],
  ['failed', 'Failed'],
  ['deferred', 'Deferred']
]

function countsTable(report: RunReport, allowance: number): string {
  const head = `<tr><th>Package</th>${COUNT_COLUMNS.map(([, title]) => `<th>${title}</th>`).join('')}</tr>`
  const row = (label: string, counts: Counts): string =>
    `<tr><td>${label}</td>${COUNT_COLUMNS.map(([key]) => `<td>${counts[key]}</td>`).join('')}</tr>`
  const total = row('<strong>Total</strong>', report.totals)
  const more = (n: number): string =>
    `<tr><td colspan="${COUNT_COLUMNS.length + 1}"><em>${n} more package(s): their counts are in the plan file</em></td></tr>`
  let size = bytes(head) + bytes(total) + bytes(more(report.packages.length)) + bytes('<table></table>')
  const rows: string[] = []
  for (const p of report.packages.slice(0, COUNT_ROWS)) {
    const r = row(`<code>${escapeHtml(p.key)}</code>${p.warning ? ' ⚠️' : ''}`, p.counts)
    if (size + bytes(r) > allowance) break
    rows.push(r)
    size += bytes(r)
  }
  if (rows.length < report.packages.length) rows.push(more(report.packages.length - rows.length))
  return `<table>${head}${rows.join('')}${total}</table>`
}

/** At most LIST_ITEMS entries, each clipped, and how many more there are. */
function limitedList(items: string[], render: (item: string) => string, what: string): string {
  const shown = items.slice(0, LIST_ITEMS).map(item => render(escapeHtml(clip(item))))
  const more = items.length - shown.length
  return more > 0 ? `${shown.join('')}${render(`… and ${more} more ${what} (see the plan file)`)}` : shown.join('')
}

/** The detail without the outcome it starts with ("failed: …" under "failed"): said once. */
function detailOf(version: ReportedVersion): string {
  const detail = version.outcomeDetail ?? ''
  const prefix = `${version.outcome}: `
  return detail.startsWith(prefix) ? detail.slice(prefix.length) : detail
}

/**
 * Details that every row with an outcome shares (the same advice on each failed row, say) are said
 * once above the table; the rows then give only the outcome.
 */
function commonDetail(entries: readonly ImageEntry[]): string | undefined {
  const details = entries.filter(e => e.image.outcome && e.image.outcome !== 'deleted').map(e => `${e.image.outcome}\n${detailOf(e.image)}`)
  if (details.length < 2 || details.some(d => d !== details[0])) return undefined
  return details[0]
}

function outcomeCell(entry: ImageEntry, report: RunReport, publicPackage: boolean, saidAbove: boolean): string {
  const { image, parts } = entry
  if (!image.outcome) {
    if (report.mode !== 'dry-run') return ''
    return publicPackage ? 'would delete (may be refused)' : 'would delete'
  }
  let cell = escapeHtml(image.outcome)
  const detail = detailOf(image)
  // A failure's cause is listed once under "Failures" at the top: the row points there.
  if (image.outcome === 'failed' && image.outcomeDetail !== undefined && report.failures.includes(image.outcomeDetail)) cell += ' (the cause is under Failures above)'
  else if (detail && image.outcome !== 'deleted' && !saidAbove) cell += `: ${escapeHtml(clip(detail))}`
  const differing = parts.filter(p => p.decision === 'delete' && p.outcome !== image.outcome)
  if (differing.length > 0) {
    const tally = new Map<string, number>()
    for (const p of differing) tally.set(p.outcome ?? 'not run', (tally.get(p.outcome ?? 'not run') ?? 0) + 1)
    cell += ` (parts: ${[...tally].map(([o, n]) => `${n} ${escapeHtml(o)}`).join(', ')})`
  }
  return cell
}

/** What goes with the image, and which of its parts stay although the image goes. */
function partsCell(entry: ImageEntry): string {
  const text = escapeHtml(describeParts(entry.parts))
  if (entry.image.decision !== 'delete') return text
  const staying = entry.parts.filter(p => p.decision === 'keep')
  if (staying.length === 0) return text
  return `${text}<br>stays: ${staying.map(p => `${escapeHtml(p.platform ?? p.kind ?? 'part')} (${escapeHtml(p.reason)})`).join('; ')}`
}

/**
 * The age the rules used: from the timestamp of the rule that decided (`age-from`), else the one the
 * package's rules share, else updated_at (the default).
 */
function ageOf(v: ReportedVersion, pkg: PackageReport, report: RunReport): string {
  const basis = report.ageFrom ?? {}
  const shared = new Set(pkg.rules.map(rule => basis[rule] ?? 'updated'))
  const from = (v.rule !== undefined ? basis[v.rule] : undefined) ?? (shared.size === 1 ? [...shared][0] : 'updated')
  return formatAge(from === 'created' ? v.createdAt : v.updatedAt, report.now)
}

/** Container images have tags and parts ("With it"); versions of other types have neither. */
function entryRow(e: ImageEntry, age: (v: ReportedVersion) => string, isContainer: boolean, cell?: (e: ImageEntry) => string): string {
  const v = e.image
  const tagsAndParts = isContainer ? `<td>${v.tags.map(t => `<code>${escapeHtml(t)}</code>`).join(' ')}</td><td>${partsCell(e)}</td>` : ''
  return (
    `<tr><td>${v.id}</td><td><code>${escapeHtml(shortName(v.name))}</code></td>${tagsAndParts}<td>${age(v)}</td><td>${escapeHtml(v.rule ?? '')}</td><td>${escapeHtml(v.reason)}</td>${cell ? `<td>${cell(e)}</td>` : ''}</tr>`
  )
}

/** A package's section within `allowance` bytes; `cut` when it had to stop short for size. */
function packageSection(pkg: PackageReport, report: RunReport, planPath: string, allowance: number): { html: string; cut: boolean } {
  const isPublic = pkg.package.visibility === 'public'
  const parts = [`<h3><code>${escapeHtml(pkg.key)}</code>${pkg.package.visibility ? ` (${escapeHtml(pkg.package.visibility)})` : ''}</h3>`]
  if (pkg.warning) parts.push(`<p>⚠️ ${escapeHtml(clip(pkg.warning))}</p>`)
  for (const note of pkg.notes ?? []) parts.push(`<p>ℹ️ ${escapeHtml(clip(note))}</p>`)
  if (isPublic && report.mode === 'dry-run' && pkg.counts.planned > 0) {
    parts.push('<p>Public package: GitHub refuses to delete a public version with more than 5,000 downloads; such versions will be reported as skipped.</p>')
  }
  if (pkg.wholePackage) parts.push('<p>Every version goes: the package is deleted whole (one DELETE of the package).</p>')
  let left = allowance - bytes(parts.join('\n'))
  if (left < 0) return { html: '', cut: true }

  const entries = imageEntries(pkg.versions)
  const toDelete = entries.filter(e => e.image.decision === 'delete')
  const kept = entries.filter(e => e.image.decision === 'keep')
  const isContainer = pkg.package.type === 'container'
  const unit = isContainer ? 'images' : 'versions'
  const columns = isContainer
    ? '<th>ID</th><th>Name / digest</th><th>Tags</th><th>With it</th><th>Age</th><th>Rule</th><th>Reason</th>'
    : '<th>ID</th><th>Version</th><th>Age</th><th>Rule</th><th>Reason</th>'
  const add = (html: string): void => {
    if (!html) return
    parts.push(html)
    left -= bytes(html) + 1
  }
  const age = (v: ReportedVersion): string => ageOf(v, pkg, report)
  if (toDelete.length > 0) {
    const head = `<tr>${columns}<th>${report.mode === 'dry-run' ? 'Would' : 'Result'}</th></tr>`
    const listed = new Set(report.failures)
    const common = commonDetail(toDelete.filter(e => !listed.has(e.image.outcomeDetail ?? '')))
    if (common !== undefined) {
      const [outcome, detail] = common.split('\n')
      if (detail) add(`<p>Every ${unit === 'images' ? 'image' : 'version'} below: ${escapeHtml(outcome)}: ${escapeHtml(clip(detail))}</p>`)
    }
    const cell = (e: ImageEntry): string => outcomeCell(e, report, isPublic, common !== undefined)
    const table = limitedTable({ head, count: toDelete.length, row: i => entryRow(toDelete[i], age, isContainer, cell), what: `${unit} to delete` }, planPath, left - 1)
    add(table.html)
    if (table.cut) return { html: parts.join('\n'), cut: true }
  } else {
    add('<p>Nothing to delete.</p>')
  }
  if (kept.length > 0) {
    const versions = new Set(kept.flatMap(e => [e.image.id, ...e.parts.map(p => p.id)])).size
    const open = `<details><summary>Kept: ${isContainer ? `${kept.length} image(s), ` : ''}${versions} version(s)</summary>`
    const table = limitedTable(
      { head: `<tr>${columns}</tr>`, count: kept.length, row: i => entryRow(kept[i], age, isContainer), what: `kept ${unit}`, open, close: '</details>' },
      planPath,
      left - 1
    )
    add(table.html)
    if (table.cut) return { html: parts.join('\n'), cut: true }
  }
  return { html: parts.join('\n'), cut: false }
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`

/** Packages left untouched for safety (fail closed, an inconsistent listing): a warning and nothing planned. */
function untouched(report: RunReport): PackageReport[] {
  return report.packages.filter(p => p.warning !== undefined && p.counts.planned + p.counts.deferred === 0)
}

/**
 * The first line says what happened, in this order: nothing could be planned (no package found, or
 * every one left untouched), deletions that failed, a run that stopped early, a dry run, a run that
 * carried out its plan.
 */
function headline(report: RunReport): string {
  const t = report.totals
  const dry = report.mode === 'dry-run' ? '🔍 Dry run: ' : ''
  const names = (keys: string[]): string => limitedList(keys, k => `<code>${k}</code> `, 'packages').trim()
  if (report.packages.length === 0) {
    const none = report.missing.length > 0 ? `none of the packages the policy names was found (${names(report.missing)})` : 'the policy names no package'
    return `❌ ${dry}<strong>Nothing was planned</strong>: ${none}. See below for what to do.`
  }
  const safe = untouched(report)
  if (safe.length === report.packages.length && t.planned + t.deferred === 0) {
    const missing = report.missing.length > 0 ? `; not found: ${names(report.missing)}` : ''
    return `❌ ${dry}<strong>Nothing was planned</strong>: every package was left untouched for safety (${names(safe.map(p => p.key))})${missing}. The warnings below say why.`
  }
  if (t.failed > 0) {
    const attempted = t.deleted + t.skipped + t.failed
    const stopped = report.stoppedEarly ? `; the run also stopped early (${escapeHtml(report.stoppedEarly)})` : ''
    return `❌ <strong>${t.failed} of ${plural(attempted, 'deletion')} failed</strong>: ${t.deleted} deleted, ${t.skipped} skipped${stopped}. The causes are below.`
  }
  if (report.stoppedEarly) {
    return `⏹️ <strong>Stopped early</strong>: ${escapeHtml(report.stoppedEarly)}. ${t.deleted} of ${plural(t.planned, 'planned deletion')} done, ${plural(t.deferred, 'version')} deferred to a later run.`
  }
  const deferred = t.deferred > 0 ? `; ${plural(t.deferred, 'version')} deferred by <code>max-deletions</code> to later runs` : ''
  if (report.mode === 'dry-run') {
    return `🔍 <strong>Dry run</strong>: nothing was deleted; ${plural(t.planned, 'version')} would be deleted${deferred}. Set <code>dry-run: false</code> to execute this plan.`
  }
  const skipped = t.skipped > 0 ? `, ${t.skipped} skipped (GitHub refused, or already gone)` : ''
  return `✅ <strong>Executed</strong>: the plan was carried out: ${plural(t.deleted, 'version')} deleted${skipped}${deferred}.`
}

/** The packages the policy named that were not found, and what to do about it. */
function missingPackages(report: RunReport): string {
  return (
    `<p>⚠️ <strong>Not found</strong> for owner <code>${escapeHtml(report.owner.login)}</code> (or not visible to the token): ` +
    `${limitedList(report.missing, m => `<code>${m}</code> `, 'packages')}</p>` +
    '<p>What to do: check the package name and type in the policy (as the package page shows them); ' +
    "if the package exists and the token is the workflow's <code>GITHUB_TOKEN</code>, give this workflow's repository access " +
    "under the package's settings → <strong>Manage Actions access</strong> (the Admin role to delete); " +
    'or use a classic personal access token with <code>read:packages</code> (and <code>delete:packages</code> to delete).</p>'
  )
}

/** The version a report names, by package and id, as users name it ("web:1.4" or the short digest). */
function labelOf(report: RunReport, key: string, id: number): string {
  const pkg = report.packages.find(p => p.key === key)
  const version = pkg?.versions.find(v => v.id === id)
  const name = pkg?.package.name ?? key
  if (!version) return `${name} (version ${id})`
  return version.tags.length > 0 ? `${name}:${version.tags[0]}` : `${name}@${shortName(version.name)}`
}

function oversizedNote(report: RunReport): string {
  const g = report.oversizedGroup!
  return (
    `ℹ️ The oldest image to delete, <code>${escapeHtml(labelOf(report, g.packageKey, g.imageId))}</code>, goes with ${g.versions} versions ` +
    `(its platforms, attestations and signatures), more than <code>max-deletions: ${g.maxDeletions}</code>. ` +
    `An image is never split, so it was taken alone this run; <code>max-deletions: ${g.versions}</code> would fit it.`
  )
}

/** Broken images seen before this run: which platforms each lacks, and what this run does with it. */
function damagedSection(report: RunReport, damaged: DamagedImageReport[], planPath: string, allowance: number): string {
  const intro =
    `<h3>Broken images seen before this run</h3><p>${plural(damaged.length, 'image')} ${damaged.length === 1 ? 'lists platform manifests its' : 'list platform manifests their'} package no longer has ` +
    '(typically removed by another cleanup tool): <code>docker pull</code> fails for those platforms. ' +
    'A rule with <code>match: {broken: true}</code> can remove them.</p>'
  const head = '<tr><th>Package</th><th>ID</th><th>Name / digest</th><th>Tags</th><th>Missing platforms</th><th>This run</th></tr>'
  const row = (i: number): string => {
    const d = damaged[i]
    const version = report.packages.find(p => p.key === d.packageKey)?.versions.find(v => v.id === d.id)
    const missing = d.missing.map(m => `${escapeHtml(m.platform ?? 'unknown platform')} (<code>${escapeHtml(shortName(m.digest))}</code>)`).join(', ')
    return (
      `<tr><td><code>${escapeHtml(d.packageKey)}</code></td><td>${d.id}</td><td><code>${escapeHtml(shortName(d.name))}</code></td>` +
      `<td>${d.tags.map(t => `<code>${escapeHtml(t)}</code>`).join(' ')}</td><td>${missing}</td><td>${escapeHtml(version?.reason ?? '')}</td></tr>`
    )
  }
  return intro + limitedTable({ head, count: damaged.length, row, what: 'broken images' }, planPath, allowance - bytes(intro)).html
}

export function renderSummary(report: RunReport, planPath: string, budgetBytes = SUMMARY_BUDGET_BYTES): string {
  const finalNote = (sections: number): string =>
    `<p><em>${sections} more package section(s) left out to stay under GitHub's 1 MiB summary limit; ` +
    `the full plan, every version with its decision and reason, is in the plan file <code>${escapeHtml(planPath)}</code>.</em></p>`
  // Room for the closing note is set aside first: whatever is cut, the note that says so fits.
  const out = new Budget(budgetBytes - bytes(finalNote(report.packages.length)) - 1)
  out.add('<h2>package-retention</h2>')
  out.add(`<p>${headline(report)}</p>`)
  out.add(`<p>Owner <code>${escapeHtml(report.owner.login)}</code> · policy <code>${escapeHtml(report.policy)}</code> · evaluated at ${escapeHtml(report.now)}</p>`)
  out.add(countsTable(report, Math.floor(out.left / 4)))
  if (report.missing.length > 0) out.add(missingPackages(report))
  if (report.failures.length > 0) {
    const causes = report.failures.map(f => (f.startsWith('failed: ') ? f.slice('failed: '.length) : f))
    out.add(`<p>❌ Failures:</p><ul>${limitedList(causes, f => `<li>${f}</li>`, 'failure causes')}</ul>`)
  }
  if (report.oversizedGroup) out.add(`<p>${oversizedNote(report)}</p>`)
  if (report.damaged?.length) out.add(damagedSection(report, report.damaged, planPath, Math.floor(out.left / 4)))
  const inUse = inUseSection(report, Math.floor(out.left / 4))
  if (inUse) out.add(inUse)
  const requests = Object.entries(report.requests)
    .map(([kind, count]) => `${escapeHtml(kind)}: ${count}`)
    .join(', ')
  if (requests) out.add(`<p>Requests: ${requests}</p>`)
  out.add(`<p>Plan file: <code>${escapeHtml(planPath)}</code></p>`)

  for (const [index, pkg] of report.packages.entries()) {
    const section = packageSection(pkg, report, planPath, out.left - 1)
    if (section.html) out.add(section.html)
    if (section.cut) {
      // A section cut short already says what it left out; the note counts the sections after it.
      const left = report.packages.length - index - (section.html ? 1 : 0)
      if (left > 0) out.add(finalNote(left))
      break
    }
  }
  return out.toString()
}

const RESTORE_OUTCOME_TEXT: Record<RestoreItem['outcome'], string> = {
  restored: '✅ restored',
  'would restore': 'would restore',
  'already present': 'already present',
  failed: '❌ failed'
}

export interface RestoreSummaryInput {
  planFile: string
  /** The plan file read, to say which run it was. */
  file?: Pick<PlanFile, 'mode' | 'status' | 'owner' | 'now'>
  dryRun: boolean
  items: RestoreItem[]
  /** Warnings about the plan file (its age, a run that did not finish). */
  notes?: string[]
  /** Why there is nothing to restore, when there is nothing. */
  nothing?: string
  /** This run's own result file (the plan-path output). */
  resultFile?: string
}

export function renderRestoreSummary(args: RestoreSummaryInput, budgetBytes = SUMMARY_BUDGET_BYTES): string {
  const out = new Budget(budgetBytes)
  const mode = args.dryRun
    ? '🔍 <strong>Dry run</strong>: nothing was restored. Set <code>dry-run: false</code> to restore.'
    : '♻️ <strong>Restore</strong> of the versions an earlier run deleted.'
  out.add('<h2>package-retention: restore</h2>')
  out.add(`<p>${mode}</p>`)
  const run = args.file
    ? ` (a ${args.file.mode === 'dry-run' ? 'dry run' : 'deleting run'} for owner <code>${escapeHtml(args.file.owner?.login ?? '?')}</code> at ${escapeHtml(String(args.file.now))}, status <code>${escapeHtml(String(args.file.status))}</code>)`
    : ''
  out.add(`<p>From plan file <code>${escapeHtml(args.planFile)}</code>${run}</p>`)
  if (args.resultFile) out.add(`<p>Result file: <code>${escapeHtml(args.resultFile)}</code></p>`)
  for (const note of args.notes ?? []) out.add(`<p>⚠️ ${escapeHtml(note)}</p>`)
  if (args.items.length === 0) {
    out.add(`<p>${escapeHtml(args.nothing ?? 'The plan file records no deleted versions: nothing to restore')}.</p>`)
    return out.toString()
  }

  const count = (outcome: RestoreItem['outcome']): number => args.items.filter(i => i.outcome === outcome).length
  const done = args.dryRun ? ['Would restore', count('would restore')] : ['Restored', count('restored')]
  out.add(
    `<table><tr><th>Versions to restore</th><th>${done[0]}</th><th>Already present</th><th>Failed</th></tr>` +
      `<tr><td>${args.items.length}</td><td>${done[1]}</td><td>${count('already present')}</td><td>${count('failed')}</td></tr></table>`
  )
  const causes = failureCauses(args.items)
  if (causes.length > 0) {
    const lines = causes.map(({ packageKey, detail, count }) => `${count} version(s) of ${packageKey}: ${detail}`)
    out.add(`<p>❌ Could not be restored:</p><ul>${limitedList(lines, line => `<li>${line}</li>`, 'causes')}</ul>`)
  }
  // Restored versions show the tags GitHub lists after the restore, and where old tags went.
  const readBack = args.items.some(i => i.tagsAfter)
  const head = `<tr><th>Package</th><th>ID</th><th>Name / digest</th><th>${readBack ? 'Tags (after the restore)' : 'Tags'}</th><th>Result</th></tr>`
  const tagsCell = (item: RestoreItem): string => {
    const tags = (item.tagsAfter ?? item.tags).map(t => `<code>${escapeHtml(t)}</code>`).join(' ')
    const moved = (item.movedTags ?? []).map(m => `<code>${escapeHtml(m.tag)}</code> is on ${m.versionId !== undefined ? `version ${m.versionId}` : 'no version'} now`)
    return moved.length > 0 ? `${tags} (${moved.join(', ')})` : tags
  }
  const row = (i: number): string => {
    const item = args.items[i]
    const detail = item.outcome === 'failed' || item.outcome === 'already present' ? `: ${escapeHtml(clip(item.detail))}` : ''
    return (
      `<tr><td><code>${escapeHtml(item.packageKey)}</code></td><td>${item.id}</td><td><code>${escapeHtml(shortName(item.name))}</code></td>` +
      `<td>${tagsCell(item)}</td><td>${RESTORE_OUTCOME_TEXT[item.outcome]}${detail}</td></tr>`
    )
  }
  out.add(limitedTable({ head, count: args.items.length, row, what: 'versions' }, args.planFile, out.left - 1).html)
  return out.toString()
}
