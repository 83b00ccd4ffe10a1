// The job summary: mode, a table of packages with counts, then per package the versions to
// delete and (collapsed) the kept ones with reasons. Everything user-controlled is
// HTML-escaped, and long lists are cut so the summary stays under GitHub's 1 MiB step limit.
import { differenceInHours } from 'date-fns'
import type { RestoreItem } from '../execute/restore.js'
import type { Counts, PackageReport, ReportedVersion, RunReport } from './run-report.js'

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

function outcomeCell(version: ReportedVersion, mode: RunReport['mode'], publicPackage: boolean): string {
  if (version.outcome) return `${escapeHtml(version.outcome)}${version.outcomeDetail && version.outcome !== 'deleted' ? `: ${escapeHtml(version.outcomeDetail)}` : ''}`
  if (mode === 'dry-run') return publicPackage ? 'would delete (may be refused)' : 'would delete'
  return ''
}

function versionRows(versions: ReportedVersion[], now: string, cell?: (v: ReportedVersion) => string): string[] {
  return versions.map(
    v =>
      `<tr><td>${v.id}</td><td><code>${escapeHtml(shortName(v.name))}</code></td><td>${v.tags.map(t => `<code>${escapeHtml(t)}</code>`).join(' ')}</td>` +
      `<td>${formatAge(v.createdAt, now)}</td><td>${escapeHtml(v.rule ?? '')}</td><td>${escapeHtml(v.reason)}</td>${cell ? `<td>${cell(v)}</td>` : ''}</tr>`
  )
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
  const toDelete = pkg.versions.filter(v => v.decision === 'delete')
  const kept = pkg.versions.filter(v => v.decision === 'keep')
  if (toDelete.length > 0) {
    const resultTitle = report.mode === 'dry-run' ? 'Would' : 'Result'
    const head = `<tr><th>ID</th><th>Name / digest</th><th>Tags</th><th>Age</th><th>Rule</th><th>Reason</th><th>${resultTitle}</th></tr>`
    parts.push(limitedTable(head, versionRows(toDelete, report.now, v => outcomeCell(v, report.mode, isPublic)), 'versions to delete', planPath))
  } else {
    parts.push('<p>Nothing to delete.</p>')
  }
  if (kept.length > 0) {
    const head = '<tr><th>ID</th><th>Name / digest</th><th>Tags</th><th>Age</th><th>Rule</th><th>Reason</th></tr>'
    parts.push(`<details><summary>Kept versions (${kept.length})</summary>${limitedTable(head, versionRows(kept, report.now), 'kept versions', planPath)}</details>`)
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
