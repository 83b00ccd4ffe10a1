// How the demo shows a run in the terminal: the job summary (HTML) as plain text, whole or in
// part. The first run of a policy shows everything; a later run of the same policy shows what is
// new (its first line, its counts and its outcomes), so no table is printed twice.
import type { ActionRun, PlanFileJson } from '../../__tests__/e2e/run-action.js'

/** The job summary is HTML; render it as plain text for the terminal. */
export function summaryAsText(html: string): string {
  const entities: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" }
  return html
    .replace(/<\/(h2|h3|p|table|details|summary|ul|li)>/g, '\n')
    .replace(/<(h2|h3)>/g, '\n## ')
    .replace(/<li>/g, '  - ')
    .replace(/<\/tr>/g, '\n')
    .replace(/<\/t[dh]>/g, ' | ')
    .replace(/<tr>/g, '| ')
    .replace(/<[^>]+>/g, '')
    .replace(/&(amp|lt|gt|quot|#39);/g, e => entities[e])
    .replace(/ +\n/g, '\n')
    .replace(/\n{2,}/g, '\n')
    .replace(/\n## /g, '\n\n## ') // a blank line before each heading only: short, and still easy to scan
    .trim()
}

/**
 * Remembers the tables already printed: one that comes again unchanged (the broken images seen
 * before each run, an account that did not change) is named instead of printed twice.
 */
export class TablesShown {
  private readonly seen = new Map<string, string>()

  once(text: string, where: string): string {
    const out: string[] = []
    const lines = text.split('\n')
    for (let i = 0; i < lines.length; ) {
      if (!lines[i].startsWith('|')) {
        out.push(lines[i++])
        continue
      }
      const start = i
      while (i < lines.length && lines[i].startsWith('|')) i++
      const table = lines.slice(start, i).join('\n')
      const shown = this.seen.get(table)
      if (shown) out.push(`(the same table as in ${shown})`)
      else {
        this.seen.set(table, where)
        out.push(table)
      }
    }
    return out.join('\n')
  }
}

/** The collapsed "Kept: …" sections: the same for every run of one policy, so shown once. */
function withoutKept(html: string): string {
  return html.replace(/<details><summary>Kept:[\s\S]*?<\/details>/g, '')
}

/**
 * How much of a summary to show: `whole`; `without kept` (the collapsed kept versions left out);
 * `first part`: the title, the first line and the counts, up to the next heading — for a later run
 * of a policy already shown, whose account per rule, warnings and rows the first run showed.
 */
export type SummaryParts = 'whole' | 'without kept' | 'first part'

/** The summary as text, whole or in part. */
export function summaryText(html: string, parts: SummaryParts): string {
  const text = summaryAsText(parts === 'whole' ? html : withoutKept(html))
  if (parts !== 'first part') return text
  const lines = text.split('\n')
  const next = lines.findIndex((line, i) => i > 0 && line.startsWith('## '))
  return (next === -1 ? lines : lines.slice(0, next)).join('\n').trim()
}

export function outputsLine(run: ActionRun): string {
  return Object.entries(run.outputs)
    .filter(([name]) => name !== 'plan-path')
    .map(([name, value]) => `${name}=${value}`)
    .join(' ')
}

/** The warnings and errors the run annotated (GitHub shows them beside the summary). */
export function annotations(run: ActionRun): string[] {
  return run.stdout.split('\n').filter(line => line.startsWith('::error') || line.startsWith('::warning'))
}

type PlannedVersion = PlanFileJson['packages'][number]['versions'][number]
// The plan file holds each version's created_at (the cap's order), beyond the fields the e2e type names.
const createdAt = (v: PlannedVersion): string => String((v as PlannedVersion & { createdAt?: string }).createdAt ?? '')
const label = (v: PlannedVersion): string => (v.tags.length > 0 ? v.tags.join(' ') : v.name.startsWith('sha256:') ? v.name.slice(0, 19) + '…' : v.name)

/** One line per image the run attempted, oldest first as the cap takes them, with its outcome. */
export function attemptedImages(plan: PlanFileJson | undefined): string[] {
  if (!plan) return []
  return plan.packages
    .flatMap(pkg => pkg.versions.map(version => ({ key: pkg.key, version })))
    .filter(({ version: v }) => v.role === 'image' && v.decision === 'delete' && v.outcome !== undefined && v.outcome !== 'deferred')
    .sort((a, b) => createdAt(a.version).localeCompare(createdAt(b.version)) || a.version.id - b.version.id)
    .map(({ key, version: v }) => `  ${key} ${label(v)}: ${v.outcome}${v.outcome === 'deleted' ? '' : ` (${v.outcomeDetail ?? ''})`}`)
}

/** The images whose outcome is not what the plan said (refused, failed): the rows worth a second look. */
export function unexpectedOutcomes(plan: PlanFileJson | undefined): string[] {
  return attemptedImages(plan).filter(line => !line.endsWith(': deleted'))
}
