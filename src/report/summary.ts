// The job summary: mode, a table of packages with counts, then per package the versions to
// delete and (collapsed) the kept ones with reasons. Everything user-controlled is
// HTML-escaped, and long lists are cut so the summary stays under GitHub's 1 MiB step limit.
import { differenceInHours } from 'date-fns'
import type { RestoreItem } from '../execute/restore.js'
import { describeParts, imageEntries, type ImageEntry } from './image-entries.js'
import type { Counts, PackageReport, RunReport } from './run-report.js'

/** GitHub drops a step summary over 1 MiB; stay well below it. */
export const SUMMARY_BUDGET_BYTES = 900 * 1024
/** Rows per version table before the rest is left to the plan file. */
export const ROWS_PER_TABLE = 250

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

export function formatAge(timestamp: string, now: string): string {
  const hours = differenceInHours(new Date(now), new Date(timestamp))
  return hours < 48 ? `${hours}h` : `${Math.floor(hours / 24)}d`
}

function shortName(name: string): string {
  return /^sha256:[0-9a-f]{64}$/.test(name) ? `${name.slice(0, 19)}…` : name
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

function countsTable(report: RunReport): string {
  const head = `<tr><th>Package</th>${COUNT_COLUMNS.map(([, title]) => `<th>${title}</th>`).join('')}</tr>`
  const row = (label: string, counts: Counts): string =>
    `<tr><td>${label}</td>${COUNT_COLUMNS.map(([key]) => `<td>${counts[key]}</td>`).join('')}</tr>`
  const rows = report.packages.map(p => row(`<code>${escapeHtml(p.key)}</code>${p.warning ? ' ⚠️' : ''}`, p.counts))
  rows.push(row('<strong>Total</strong>', report.totals))
  return `<table>${head}${rows.join('')}</table>`
}

function outcomeCell(entry: ImageEntry, mode: RunReport['mode'], publicPackage: boolean): string {
  const { image, parts } = entry
  if (!image.outcome) {
    if (mode !== 'dry-run') return ''
    return publicPackage ? 'would delete (may be refused)' : 'would delete'
  }
  let cell = escapeHtml(image.outcome)
  if (image.outcomeDetail && image.outcome !== 'deleted') cell += `: ${escapeHtml(image.outcomeDetail)}`
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

function entryRows(entries: ImageEntry[], now: string, cell?: (e: ImageEntry) => string): string[] {
  return entries.map(e => {
    const v = e.image
    return (
      `<tr><td>${v.id}</td><td><code>${escapeHtml(shortName(v.name))}</code></td><td>${v.tags.map(t => `<code>${escapeHtml(t)}</code>`).join(' ')}</td>` +
      `<td>${partsCell(e)}</td><td>${formatAge(v.createdAt, now)}</td><td>${escapeHtml(v.rule ?? '')}</td><td>${escapeHtml(v.reason)}</td>${cell ? `<td>${cell(e)}</td>` : ''}</tr>`
    )
  })
}

function limitedTable(head: string, rows: string[], what: string, planPath: string): string {
  const shown = rows.slice(0, ROWS_PER_TABLE)
  const note =
    rows.length > shown.length
      ? `<p><em>${rows.length - shown.length} more ${what} not shown; the full list is in the plan file <code>${escapeHtml(planPath)}</code>.</em></p>`
      : ''
  return `<table>${head}${shown.join('')}</table>${note}`
}

function packageSection(pkg: PackageReport, report: RunReport, planPath: string): string {
  const isPublic = pkg.package.visibility === 'public'
  const parts = [`<h3><code>${escapeHtml(pkg.key)}</code>${pkg.package.visibility ? ` (${escapeHtml(pkg.package.visibility)})` : ''}</h3>`]
  if (pkg.warning) parts.push(`<p>⚠️ ${escapeHtml(pkg.warning)}</p>`)
  if (isPublic && report.mode === 'dry-run' && pkg.counts.planned > 0) {
    parts.push('<p>Public package: GitHub refuses to delete a public version with more than 5,000 downloads; such versions will be reported as skipped.</p>')
  }
  if (pkg.wholePackage) parts.push('<p>Every version goes: the package is deleted whole (one DELETE of the package).</p>')
  const entries = imageEntries(pkg.versions)
  const toDelete = entries.filter(e => e.image.decision === 'delete')
  const kept = entries.filter(e => e.image.decision === 'keep')
  const columns = '<th>ID</th><th>Name / digest</th><th>Tags</th><th>With it</th><th>Age</th><th>Rule</th><th>Reason</th>'
  if (toDelete.length > 0) {
    const head = `<tr>${columns}<th>${report.mode === 'dry-run' ? 'Would' : 'Result'}</th></tr>`
    const rows = entryRows(toDelete, report.now, e => outcomeCell(e, report.mode, isPublic))
    parts.push(limitedTable(head, rows, 'images to delete', planPath))
  } else {
    parts.push('<p>Nothing to delete.</p>')
  }
  if (kept.length > 0) {
    const versions = new Set(kept.flatMap(e => [e.image.id, ...e.parts.map(p => p.id)])).size
    const table = limitedTable(`<tr>${columns}</tr>`, entryRows(kept, report.now), 'kept images', planPath)
    parts.push(`<details><summary>Kept: ${kept.length} image(s), ${versions} version(s)</summary>${table}</details>`)
  }
  return parts.join('\n')
}

export function renderSummary(report: RunReport, planPath: string, budgetBytes = SUMMARY_BUDGET_BYTES): string {
  const mode =
    report.mode === 'dry-run'
      ? '🔍 <strong>Dry run</strong>: nothing was deleted. Set <code>dry-run: false</code> to execute this plan.'
      : '🗑️ <strong>Executed</strong>: the plan below was carried out.'
  const head = [
    '<h2>package-retention</h2>',
    `<p>${mode}</p>`,
    `<p>Owner <code>${escapeHtml(report.owner.login)}</code> · policy <code>${escapeHtml(report.policy)}</code> · evaluated at ${escapeHtml(report.now)}</p>`,
    countsTable(report)
  ]
  if (report.missing.length > 0) {
    head.push(`<p>⚠️ Not found (or not visible to the token): ${report.missing.map(m => `<code>${escapeHtml(m)}</code>`).join(', ')}</p>`)
  }
  if (report.failures.length > 0) head.push(`<p>❌ Failures:</p><ul>${report.failures.map(f => `<li>${escapeHtml(f)}</li>`).join('')}</ul>`)
  const requests = Object.entries(report.requests)
    .map(([kind, count]) => `${escapeHtml(kind)}: ${count}`)
    .join(', ')
  if (requests) head.push(`<p>Requests: ${requests}</p>`)
  head.push(`<p>Plan file: <code>${escapeHtml(planPath)}</code></p>`)

  let html = head.join('\n')
  let size = Buffer.byteLength(html)
  for (const [index, pkg] of report.packages.entries()) {
    const section = `\n${packageSection(pkg, report, planPath)}`
    const sectionSize = Buffer.byteLength(section)
    if (size + sectionSize > budgetBytes) {
      const left = report.packages.length - index
      html += `\n<p><em>${left} more package section(s) left out to stay under GitHub's 1 MiB summary limit; the full plan is in <code>${escapeHtml(planPath)}</code>.</em></p>`
      break
    }
    html += section
    size += sectionSize
  }
  return html
}

export function renderRestoreSummary(args: { planFile: string; dryRun: boolean; items: RestoreItem[] }): string {
  const mode = args.dryRun
    ? '🔍 <strong>Dry run</strong>: nothing was restored. Set <code>dry-run: false</code> to restore.'
    : '♻️ <strong>Restore</strong> of the versions an earlier run deleted.'
  const head = '<tr><th>Package</th><th>ID</th><th>Name / digest</th><th>Tags</th><th>Result</th></tr>'
  const rows = args.items.map(
    i =>
      `<tr><td><code>${escapeHtml(i.packageKey)}</code></td><td>${i.id}</td><td><code>${escapeHtml(shortName(i.name))}</code></td>` +
      `<td>${i.tags.map(t => `<code>${escapeHtml(t)}</code>`).join(' ')}</td><td>${escapeHtml(i.outcome)}${i.outcome === 'failed' ? `: ${escapeHtml(i.detail)}` : ''}</td></tr>`
  )
  const body = rows.length > 0 ? limitedTable(head, rows, 'versions', args.planFile) : '<p>The plan file records no deleted versions: nothing to restore.</p>'
  return ['<h2>package-retention: restore</h2>', `<p>${mode}</p>`, `<p>From plan file <code>${escapeHtml(args.planFile)}</code></p>`, body].join('\n')
}
