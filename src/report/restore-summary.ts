// The summary of a restore run (contract 1.2): the first line says how many versions came back
// and how many could not; a cause shared by many versions is said once, numbered, and the rows
// point at it; rows are grouped by image (an index with its platforms and attestations is one
// row), as the run that deleted them showed them.
import { failureCauses, type RestoreItem } from '../execute/restore.js'
import { describeParts, imageEntries } from './image-entries.js'
import { clip, escapeHtml, limitedTable, plural, shortName } from './html.js'
import type { PlanFile } from './plan-file.js'
import type { ReportedVersion } from './run-report.js'

/** GitHub drops a step summary over 1 MiB; stay well below it. */
const SUMMARY_BUDGET_BYTES = 900 * 1024
/** Causes listed before the rest is counted. */
const CAUSES_SHOWN = 20

const OUTCOME_TEXT: Record<RestoreItem['outcome'], string> = {
  restored: '✅ restored',
  'would restore': 'would restore',
  'already present': 'already present',
  failed: '❌ failed'
}

export interface RestoreSummaryInput {
  planFile: string
  /** The plan file read, to say which run it was (and, with its packages, to group rows by image). */
  file?: Pick<PlanFile, 'mode' | 'status' | 'owner' | 'now'> & Partial<Pick<PlanFile, 'packages'>>
  dryRun: boolean
  items: RestoreItem[]
  /** Warnings about the plan file (its age, a run that did not finish). */
  notes?: string[]
  /** Why there is nothing to restore, when there is nothing. */
  nothing?: string
  /** This run's own result file (the plan-path output). */
  resultFile?: string
}

/** One row: an image and the versions restored with it. */
interface RestoreRow {
  image: RestoreItem
  parts: RestoreItem[]
  /** "linux/amd64, linux/arm64 + 2 attestations", from the plan file. */
  withIt: string
}

/** Items grouped by image, using the plan file's roles; each item its own row without them. */
function rowsOf(items: readonly RestoreItem[], file: RestoreSummaryInput['file']): RestoreRow[] {
  const rows: RestoreRow[] = []
  const byPackage = new Map<string, RestoreItem[]>()
  for (const item of items) byPackage.set(item.packageKey, [...(byPackage.get(item.packageKey) ?? []), item])
  for (const [key, packageItems] of byPackage) {
    const planned = new Map((file?.packages?.find(p => p.key === key)?.versions ?? []).map(v => [v.id, v]))
    const known = packageItems.every(i => planned.has(i.id))
    if (!known) {
      rows.push(...packageItems.map(image => ({ image, parts: [], withIt: '' })))
      continue
    }
    const item = new Map(packageItems.map(i => [i.id, i]))
    for (const entry of imageEntries(packageItems.map(i => planned.get(i.id)!) as ReportedVersion[])) {
      rows.push({ image: item.get(entry.image.id)!, parts: entry.parts.map(p => item.get(p.id)!), withIt: describeParts(entry.parts) })
    }
  }
  return rows
}

function firstLine(args: RestoreSummaryInput, rows: readonly RestoreRow[]): string {
  const { items } = args
  const count = (outcome: RestoreItem['outcome']): number => items.filter(i => i.outcome === outcome).length
  const images = rows.length !== items.length ? ` (${plural(rows.length, 'image')})` : ''
  const warnings = [...(args.notes ?? [])]
  const moved = items.filter(i => (i.movedTags ?? []).length > 0).length
  if (moved > 0) warnings.push(`${plural(moved, 'version')} did not get all their old tags back (see below)`)
  const but = warnings.length > 0 ? ` But: ${warnings.map(w => escapeHtml(clip(w))).join('; ')}.` : ''
  const sign = warnings.length > 0 ? '⚠️' : '✅'
  if (items.length === 0) {
    const why = (args.nothing ?? 'the plan file records no deleted versions').replace(/: nothing to restore$/, '')
    return `${sign} <strong>Nothing to restore</strong>: ${escapeHtml(why)}.${but}`
  }
  if (args.dryRun) {
    return `${sign} <strong>Dry run</strong>: nothing was restored; ${plural(items.length, 'version')}${images} would be restored. Set <code>dry-run: false</code> to restore.${but}`
  }
  const failed = count('failed')
  const back = count('restored') + count('already present')
  const present = count('already present') > 0 ? ` (${count('already present')} of them already there)` : ''
  if (failed > 0) {
    return `❌ <strong>Restore</strong>: ${back} of ${plural(items.length, 'version')}${images} came back${present}, <strong>${failed} could not</strong>; the causes are below.${but}`
  }
  return `${sign} <strong>Restore</strong>: all ${plural(items.length, 'version')}${images} came back${present}.${but}`
}

export function renderRestoreSummary(args: RestoreSummaryInput, budgetBytes = SUMMARY_BUDGET_BYTES): string {
  const rows = rowsOf(args.items, args.file)
  const parts = ['<h2>package-retention: restore</h2>', `<p>${firstLine(args, rows)}</p>`]
  const run = args.file
    ? ` (a ${args.file.mode === 'dry-run' ? 'dry run' : 'deleting run'} for owner <code>${escapeHtml(args.file.owner?.login ?? '?')}</code> at ${escapeHtml(String(args.file.now))}, status <code>${escapeHtml(String(args.file.status))}</code>)`
    : ''
  parts.push(`<p>From plan file <code>${escapeHtml(args.planFile)}</code>${run}</p>`)
  if (args.resultFile) parts.push(`<p>Result file: <code>${escapeHtml(args.resultFile)}</code></p>`)
  for (const note of args.notes ?? []) parts.push(`<p>⚠️ ${escapeHtml(clip(note))}</p>`)
  if (args.items.length === 0) return parts.join('\n')

  const count = (outcome: RestoreItem['outcome']): number => args.items.filter(i => i.outcome === outcome).length
  const done = args.dryRun ? ['Would restore', count('would restore')] : ['Restored', count('restored')]
  parts.push(
    `<table><tr><th>Versions to restore</th><th>${done[0]}</th><th>Already present</th><th>Failed</th></tr>` +
      `<tr><td>${args.items.length}</td><td>${done[1]}</td><td>${count('already present')}</td><td>${count('failed')}</td></tr></table>`
  )
  if (args.dryRun || count('restored') > 0) {
    parts.push(
      '<p><strong>Change the policy before the next scheduled run</strong>: the policy that deleted these versions still selects them, ' +
        'so its next run deletes them again unless a <code>keep</code> or <code>protect</code> covers them.</p>'
    )
  }
  // Each cause once, numbered; the rows point at their number.
  const causes = failureCauses(args.items)
  const causeNumber = new Map(causes.map((c, i) => [`${c.packageKey}\u0000${c.detail}`, i + 1]))
  if (causes.length > 0) {
    const shown = causes.slice(0, CAUSES_SHOWN).map((c, i) => `<li>(${i + 1}) ${c.count} version(s) of <code>${escapeHtml(c.packageKey)}</code>: ${escapeHtml(clip(c.detail))}</li>`)
    const more = causes.length > shown.length ? `<li>… and ${causes.length - shown.length} more causes (see the result file)</li>` : ''
    parts.push(`<p>❌ Could not be restored:</p><ul>${shown.join('')}${more}</ul>`)
  }
  const result = (item: RestoreItem): string => {
    const cause = causeNumber.get(`${item.packageKey}\u0000${item.detail}`)
    return item.outcome === 'failed' && cause !== undefined ? `${OUTCOME_TEXT.failed} (cause ${cause})` : OUTCOME_TEXT[item.outcome]
  }
  // Restored versions show the tags GitHub lists after the restore, and where old tags went.
  const readBack = args.items.some(i => i.tagsAfter)
  const head = `<tr><th>Package</th><th>ID</th><th>Name / digest</th><th>${readBack ? 'Tags (after the restore)' : 'Tags'}</th><th>With it</th><th>Result</th></tr>`
  const tagsCell = (item: RestoreItem): string => {
    const tags = (item.tagsAfter ?? item.tags).map(t => `<code>${escapeHtml(t)}</code>`).join(' ')
    const moved = (item.movedTags ?? []).map(m => `<code>${escapeHtml(m.tag)}</code> is on ${m.versionId !== undefined ? `version ${m.versionId}` : 'no version'} now`)
    return moved.length > 0 ? `${tags} (${moved.join(', ')})` : tags
  }
  const resultCell = (row: RestoreRow): string => {
    const differing = row.parts.filter(p => result(p) !== result(row.image))
    if (differing.length === 0) return result(row.image)
    const tally = new Map<string, number>()
    for (const p of differing) tally.set(result(p), (tally.get(result(p)) ?? 0) + 1)
    return `${result(row.image)} (parts: ${[...tally].map(([r, n]) => `${n} ${r}`).join(', ')})`
  }
  const row = (i: number): string => {
    const { image, withIt } = rows[i]
    return (
      `<tr><td><code>${escapeHtml(image.packageKey)}</code></td><td>${image.id}</td><td><code>${escapeHtml(shortName(image.name))}</code></td>` +
      `<td>${tagsCell(image)}</td><td>${escapeHtml(withIt)}</td><td>${resultCell(rows[i])}</td></tr>`
    )
  }
  const used = Buffer.byteLength(parts.join('\n')) + 1
  parts.push(limitedTable({ head, count: rows.length, row, what: 'rows' }, args.resultFile ?? args.planFile, budgetBytes - used).html)
  return parts.join('\n')
}
