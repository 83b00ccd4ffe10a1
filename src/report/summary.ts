// The job summary (contract 1.2): the first line, the counts, the account per rule, failures and
// warnings, then per package the versions to delete and (collapsed) the kept ones with reasons.
// Everything user-controlled is HTML-escaped. Every part is counted against a byte budget so the
// summary stays under GitHub's 1 MiB step limit, and the budget is spent in order of what
// matters: the first line, the counts, the account per rule, failures and the versions to
// delete come first; kept versions are cut first. A package with versions to delete is never
// left out: when even its deletions do not fit, its rows are cut with a count and the plan file
// holds them all. Parts are placed where they read best and filled in the order they matter.
import type { ImageEntry } from './image-entries.js'
import { describeParts, imageEntries } from './image-entries.js'
import { bytes, clip, escapeHtml, formatAge, leftOutNote, limitedList, limitedTable, plural, shortName, ROWS_PER_TABLE, LIST_ITEMS } from './html.js'
import { firstLine } from './first-line.js'
import { nothingToDeleteWhy, ruleAccountSection } from './rule-accounts.js'
import { inUseSection } from './in-use-section.js'
import type { Counts, DamagedImageReport, PackageReport, ReportedVersion, RunReport } from './run-report.js'

export { escapeHtml, formatAge, ROWS_PER_TABLE, LIST_ITEMS }
export { renderRestoreSummary, type RestoreSummaryInput } from './restore-summary.js'

/** GitHub drops a step summary over 1 MiB; stay well below it. */
export const SUMMARY_BUDGET_BYTES = 900 * 1024
/** Package rows in the counts table before the rest is left to the plan file. */
export const COUNT_ROWS = 500
/** Packages with nothing to do shown in the counts table itself; more are collapsed. */
const QUIET_ROWS_INLINE = 10
/** GitHub keeps deleted versions for this long (restore-from). */
const RESTORE_WINDOW_DAYS = 30

/**
 * The summary in the order it reads, filled in the order it matters: a part's place is taken
 * when the reading order needs it, its content given when its turn in the budget comes.
 */
class Layout {
  private readonly parts: string[] = []
  private used = 0

  constructor(private readonly limit: number) {}

  get left(): number {
    return this.limit - this.used
  }

  /** A place for a part given later. */
  place(): number {
    this.parts.push('')
    return this.parts.length - 1
  }

  /** Parts are joined by a newline, counted with the part. */
  fill(at: number, text: string): void {
    if (!text) return
    this.used += bytes(text) + 1 - (this.parts[at] ? bytes(this.parts[at]) + 1 : 0)
    this.parts[at] = text
  }

  add(text: string): void {
    this.fill(this.place(), text)
  }

  toString(): string {
    return this.parts.filter(Boolean).join('\n')
  }
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

/** Something to do or to know: versions to delete (now or later), a failure, a warning. */
function hasWork(pkg: PackageReport): boolean {
  return pkg.warning !== undefined || pkg.versions.some(v => v.decision === 'delete')
}

const countRow = (label: string, counts: Counts): string =>
  `<tr><td>${label}</td>${COUNT_COLUMNS.map(([key]) => `<td>${counts[key]}</td>`).join('')}</tr>`

const packageLabel = (p: PackageReport): string => `<code>${escapeHtml(p.key)}</code>${p.warning ? ' ⚠️' : ''}`

/**
 * The counts table: packages with something to do first, then (when there are only a few) the
 * others, and the total. Many packages with nothing to do are one row here and a collapsed table
 * of their own (filled late: `quietTable`).
 */
function countsTable(report: RunReport, busy: readonly PackageReport[], quiet: readonly PackageReport[], allowance: number): string {
  const head = `<tr><th>Package</th>${COUNT_COLUMNS.map(([, title]) => `<th>${title}</th>`).join('')}</tr>`
  const total = countRow('<strong>Total</strong>', report.totals)
  const span = COUNT_COLUMNS.length + 1
  const collapsed = quiet.length > QUIET_ROWS_INLINE
  const inline = collapsed ? busy : [...busy, ...quiet]
  const quietRow = collapsed ? `<tr><td colspan="${span}"><em>${quiet.length} more package(s) with nothing to delete: listed under the table</em></td></tr>` : ''
  const more = (n: number): string => `<tr><td colspan="${span}"><em>${n} more package(s): their counts are in the plan file</em></td></tr>`
  let size = bytes(head) + bytes(total) + bytes(quietRow) + bytes(more(report.packages.length)) + bytes('<table></table>')
  const rows: string[] = []
  for (const p of inline.slice(0, COUNT_ROWS)) {
    const r = countRow(packageLabel(p), p.counts)
    if (size + bytes(r) > allowance) break
    rows.push(r)
    size += bytes(r)
  }
  if (rows.length < inline.length) rows.push(more(inline.length - rows.length))
  return `<table>${head}${rows.join('')}${quietRow}${total}</table>`
}

/** The packages with nothing to delete, collapsed: read after everything that matters. */
function quietTable(quiet: readonly PackageReport[], planPath: string, allowance: number): string {
  if (quiet.length <= QUIET_ROWS_INLINE) return ''
  const head = `<tr><th>Package</th>${COUNT_COLUMNS.map(([, title]) => `<th>${title}</th>`).join('')}</tr>`
  const open = `<details><summary>${quiet.length} package(s) with nothing to delete</summary>`
  return limitedTable({ head, count: quiet.length, row: i => countRow(packageLabel(quiet[i]), quiet[i].counts), what: 'packages', open, close: '</details>' }, planPath, allowance).html
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

/** A package's heading and what is said about it before its tables. */
function sectionHead(pkg: PackageReport, report: RunReport): string {
  const parts = [`<h3><code>${escapeHtml(pkg.key)}</code>${pkg.package.visibility ? ` (${escapeHtml(pkg.package.visibility)})` : ''}</h3>`]
  if (pkg.warning) parts.push(`<p>⚠️ ${escapeHtml(clip(pkg.warning))}</p>`)
  for (const note of pkg.notes ?? []) parts.push(`<p>ℹ️ ${escapeHtml(clip(note))}</p>`)
  if (pkg.package.visibility === 'public' && report.mode === 'dry-run' && pkg.counts.planned > 0) {
    parts.push('<p>Public package: GitHub refuses to delete a public version with more than 5,000 downloads; such versions will be reported as skipped.</p>')
  }
  if (pkg.wholePackage) parts.push('<p>Every version goes: the package is deleted whole (one DELETE of the package).</p>')
  return parts.join('\n')
}

interface SectionShape {
  entries: ImageEntry[]
  toDelete: ImageEntry[]
  kept: ImageEntry[]
  isContainer: boolean
  unit: 'images' | 'versions'
  columns: string
}

function shapeOf(pkg: PackageReport): SectionShape {
  const entries = imageEntries(pkg.versions)
  const isContainer = pkg.package.type === 'container'
  return {
    entries,
    toDelete: entries.filter(e => e.image.decision === 'delete'),
    kept: entries.filter(e => e.image.decision === 'keep'),
    isContainer,
    unit: isContainer ? 'images' : 'versions',
    columns: isContainer
      ? '<th>ID</th><th>Name / digest</th><th>Tags</th><th>With it</th><th>Age</th><th>Rule</th><th>Reason</th>'
      : '<th>ID</th><th>Version</th><th>Age</th><th>Rule</th><th>Reason</th>'
  }
}

/** The smallest form of a package's deletions: the count and where they all are. */
function deletionsNote(shape: SectionShape, planPath: string): string {
  return leftOutNote(shape.toDelete.length, `${shape.unit} to delete`, planPath, true)
}

/** The versions to delete (or, with none, why there are none), within `allowance` bytes. */
function deletionPart(pkg: PackageReport, shape: SectionShape, report: RunReport, planPath: string, allowance: number): string {
  const { toDelete, isContainer, unit } = shape
  const age = (v: ReportedVersion): string => ageOf(v, pkg, report)
  if (toDelete.length === 0) {
    // Why a rule selects nothing is the story; when every rule selected something, one reason all
    // images share ("in use with an unresolved tag, deploy/app.yaml:1") says more than the counts.
    const shared = keptForOneReason(shape)
    const countsOnly = pkg.accounts !== undefined && pkg.accounts.every(a => a.selected > 0)
    const why = shared !== undefined && (countsOnly || pkg.accounts === undefined) ? shared : (nothingToDeleteWhy(pkg) ?? shared)
    return `<p>Nothing to delete${why ? `: ${escapeHtml(clip(why))}` : ''}.</p>`
  }
  const parts: string[] = []
  const head = `<tr>${shape.columns}<th>${report.mode === 'dry-run' ? 'Would' : 'Result'}</th></tr>`
  const listed = new Set(report.failures)
  const common = commonDetail(toDelete.filter(e => !listed.has(e.image.outcomeDetail ?? '')))
  if (common !== undefined) {
    const [outcome, detail] = common.split('\n')
    if (detail) parts.push(`<p>Every ${unit === 'images' ? 'image' : 'version'} below: ${escapeHtml(outcome)}: ${escapeHtml(clip(detail))}</p>`)
  }
  const cell = (e: ImageEntry): string => outcomeCell(e, report, pkg.package.visibility === 'public', common !== undefined)
  const said = bytes(parts.join('\n')) + 1
  const table = limitedTable({ head, count: toDelete.length, row: i => entryRow(toDelete[i], age, isContainer, cell), what: `${unit} to delete` }, planPath, allowance - said)
  parts.push(table.html || deletionsNote(shape, planPath))
  return parts.join('\n')
}

/** "every image is kept: in use with an unresolved tag, charts/web/values.yaml:7": a cause shared by every kept row, said once. */
function keptForOneReason(shape: SectionShape): string | undefined {
  const reasons = new Set(shape.kept.map(e => e.image.reason))
  if (shape.kept.length < 2 || reasons.size !== 1) return undefined
  return `every ${shape.unit === 'images' ? 'image' : 'version'} is ${[...reasons][0]}`
}

/** The kept versions, collapsed, within `allowance` bytes; `cut` when the allowance stopped it. */
function keptPart(pkg: PackageReport, shape: SectionShape, report: RunReport, planPath: string, allowance: number): { html: string; cut: boolean } {
  const { kept, isContainer, unit } = shape
  if (kept.length === 0) return { html: '', cut: false }
  const age = (v: ReportedVersion): string => ageOf(v, pkg, report)
  const versions = new Set(kept.flatMap(e => [e.image.id, ...e.parts.map(p => p.id)])).size
  const open = `<details><summary>Kept: ${isContainer ? `${kept.length} image(s), ` : ''}${versions} version(s)</summary>`
  return limitedTable({ head: `<tr>${shape.columns}</tr>`, count: kept.length, row: i => entryRow(kept[i], age, isContainer), what: `kept ${unit}`, open, close: '</details>' }, planPath, allowance)
}
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


/** Every warning of the run, said here too: GitHub shows only 10 warning annotations per step. */
function warningsSection(warnings: readonly string[]): string {
  if (warnings.length === 0) return ''
  return `<p>⚠️ Warnings (${warnings.length}; also in the log, and GitHub shows at most 10 as annotations):</p><ul>${limitedList(warnings, w => `<li>${w}</li>`, 'warnings')}</ul>`
}

/** Packages a glob did not reach because `*` does not cross `/`. */
function notReachedSection(report: RunReport): string {
  const keys = report.notReached ?? []
  if (keys.length === 0) return ''
  return (
    `<p>ℹ️ <strong>Not reached by a glob</strong>: ${limitedList(keys, k => `<code>${k}</code> `, 'packages').trim()}. ` +
    'A glob\'s <code>*</code> does not cross <code>/</code>, so no rule covers these; write <code>**</code> (or <code>team/*</code>) in <code>packages.names</code> to include them, ' +
    'or exclude them with <code>!name</code> to say they are left alone on purpose.</p>'
  )
}

/** How to undo a run that deleted something, and what the next scheduled run would do. */
function restoreAdvice(report: RunReport, planPath: string): string {
  if (report.mode === 'dry-run' || report.totals.deleted === 0) return ''
  return (
    `<p>To undo: run this action with <code>restore-from</code> set to this plan file (GitHub keeps deleted versions for ${RESTORE_WINDOW_DAYS} days; ` +
    `<code>RUNNER_TEMP</code> is emptied after the job, so upload <code>${escapeHtml(planPath)}</code> as an artifact in a step with <code>if: always()</code>). ` +
    '<strong>Change the policy first</strong>: the next scheduled run deletes the restored versions again unless the policy keeps them.</p>'
  )
}

function finalNote(sections: number, withDeletions: number, planPath: string): string {
  const which = withDeletions > 0 ? ` (${withDeletions} of them with versions to delete: not even their count fitted)` : ''
  return (
    `<p><em>${sections} more package section(s) left out to stay under GitHub's 1 MiB summary limit${which}; ` +
    `the full plan, every version with its decision and reason, is in the plan file <code>${escapeHtml(planPath)}</code>.</em></p>`
  )
}

export function renderSummary(report: RunReport, planPath: string, budgetBytes = SUMMARY_BUDGET_BYTES): string {
  // Room for the closing note is set aside first: whatever is cut, the note that says so fits.
  const reserve = bytes(finalNote(report.packages.length, report.packages.length, planPath)) + 1
  const out = new Layout(budgetBytes - reserve)
  const busy = report.packages.filter(hasWork)
  const quiet = report.packages.filter(p => !hasWork(p))

  // 1. What matters most, in reading order.
  out.add('<h2>package-retention</h2>')
  out.add(`<p>${firstLine(report)}</p>`)
  out.add(`<p>Owner <code>${escapeHtml(report.owner.login)}</code> · policy <code>${escapeHtml(report.policy)}</code> · evaluated at ${escapeHtml(report.now)}</p>`)
  out.add(countsTable(report, busy, quiet, Math.floor(out.left / 4)))
  const quietAt = out.place()
  out.add(ruleAccountSection(report.packages, report.mode, planPath, Math.floor(out.left / 4)))
  // (1.2) The in-use references section (which references kept something, which are unresolved) goes here.
  if (report.missing.length > 0) out.add(missingPackages(report))
  if (report.failures.length > 0) {
    const causes = report.failures.map(f => (f.startsWith('failed: ') ? f.slice('failed: '.length) : f))
    out.add(`<p>❌ Failures:</p><ul>${limitedList(causes, f => `<li>${f}</li>`, 'failure causes')}</ul>`)
  }
  out.add(warningsSection(report.warnings ?? []))
  out.add(notReachedSection(report))
  if (report.oversizedGroup) out.add(`<p>${oversizedNote(report)}</p>`)
  const damagedAt = out.place()
  const inUseAt = out.place()
  const requests = Object.entries(report.requests)
    .map(([kind, count]) => `${escapeHtml(kind)}: ${count}`)
    .join(', ')
  if (requests) out.add(`<p>Requests: ${requests}</p>`)
  out.add(`<p>Plan file: <code>${escapeHtml(planPath)}</code></p>`)
  out.add(restoreAdvice(report, planPath))

  // 2. Every package with something to do, its deletions first. Each is sure of its smallest form
  // (heading and the count of its deletions); what is left is shared evenly, unused shares passing on.
  const sections = new Map<PackageReport, { at: number; parts: string[]; shape: SectionShape }>()
  for (const pkg of [...busy, ...quiet]) sections.set(pkg, { at: out.place(), parts: [], shape: shapeOf(pkg) })
  const noteAt = out.place()
  const smallest = busy.map(pkg => bytes(sectionHead(pkg, report)) + bytes(deletionsNote(sections.get(pkg)!.shape, planPath)) + 2)
  let stillNeeded = smallest.reduce((a, b) => a + b, 0)
  let leftOut = 0
  let leftOutWithDeletions = 0
  for (const [i, pkg] of busy.entries()) {
    const section = sections.get(pkg)!
    stillNeeded -= smallest[i]
    const share = Math.max(0, out.left - stillNeeded - smallest[i]) / (busy.length - i)
    const allowance = Math.min(out.left - stillNeeded, smallest[i] + share)
    const head = sectionHead(pkg, report)
    // Not even its smallest form (heading and count) fits: counted in the closing note.
    if (smallest[i] > allowance) {
      leftOut++
      if (section.shape.toDelete.length > 0) leftOutWithDeletions++
      continue
    }
    section.parts.push(head, deletionPart(pkg, section.shape, report, planPath, allowance - bytes(head) - 2))
    out.fill(section.at, section.parts.join('\n'))
  }

  // 3. Then the damaged images, the quiet packages' counts, and what was kept: first cut.
  if (report.damaged?.length) out.fill(damagedAt, damagedSection(report, report.damaged, planPath, Math.floor(out.left / 4)))
  out.fill(inUseAt, inUseSection(report, Math.floor(out.left / 4)) ?? '')
  out.fill(quietAt, quietTable(quiet, planPath, Math.floor(out.left / 4)))
  let full = false
  for (const pkg of busy) {
    const section = sections.get(pkg)!
    if (full || section.parts.length === 0) continue
    const kept = keptPart(pkg, section.shape, report, planPath, out.left - 1)
    if (kept.html) {
      section.parts.push(kept.html)
      out.fill(section.at, section.parts.join('\n'))
    }
    full = kept.cut
  }
  for (const pkg of quiet) {
    const section = sections.get(pkg)!
    const head = `${sectionHead(pkg, report)}\n${deletionPart(pkg, section.shape, report, planPath, out.left)}`
    if (full || bytes(head) + 1 > out.left) {
      full = true
      leftOut++
      continue
    }
    const kept = keptPart(pkg, section.shape, report, planPath, out.left - bytes(head) - 2)
    out.fill(section.at, kept.html ? `${head}\n${kept.html}` : head)
    full = kept.cut
  }
  if (leftOut > 0) out.fill(noteAt, finalNote(leftOut, leftOutWithDeletions, planPath))
  return out.toString()
}
