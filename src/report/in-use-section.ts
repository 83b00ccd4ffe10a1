// The job summary's "Images in use" section (contract 1.2): per package, the references of the
// protect.in-use scan that kept something (file:line → the versions they kept) and the unresolved
// ones (every version kept), so a misread reference is visible before it costs. Built from the
// plan's reasons (what actually kept a version) and the scan's unresolved references (as written).
import type { PackageReport, RunReport } from './run-report.js'

/** An unresolved reference as the scan found it, for the summary. */
export interface UnresolvedInUse {
  package: string
  file: string
  line: number
  written?: string
}

const REFERENCED = /^kept: in use, (.+:\d+)$/
const UNRESOLVED = /^kept: in use with an unresolved tag, (.+:\d+)$/
/** Rows shown, and versions named per row; beyond, counted. */
const MAX_ROWS = 200
const MAX_VERSIONS_PER_ROW = 10

interface Row {
  packageName: string
  place: string
  unresolved: boolean
  written?: string
  versions: string[]
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/** "1.4, latest" for a tagged version; "sha256:0123456789ab…" for an untagged one. */
function versionLabel(version: { name: string; tags: string[] }): string {
  return version.tags.length > 0 ? version.tags.join(', ') : `${version.name.slice(0, 19)}…`
}

function rowsOf(pkg: PackageReport, unresolved: readonly UnresolvedInUse[]): Row[] {
  const rows = new Map<string, Row>()
  for (const version of pkg.versions) {
    if (version.decision !== 'keep') continue
    const referenced = REFERENCED.exec(version.reason)
    const templated = referenced ? undefined : UNRESOLVED.exec(version.reason)
    const place = referenced?.[1] ?? templated?.[1]
    if (place === undefined) continue
    const key = `${templated ? 'u' : 'r'}${place}`
    let row = rows.get(key)
    if (!row) {
      const written = templated ? unresolved.find((u) => u.package === pkg.package.name.toLowerCase() && `${u.file}:${u.line}` === place)?.written : undefined
      rows.set(key, (row = { packageName: pkg.package.name, place, unresolved: templated !== null && templated !== undefined, written, versions: [] }))
    }
    row.versions.push(versionLabel(version))
  }
  return [...rows.values()]
}

function renderRow(row: Row): string {
  const shown = row.versions.slice(0, MAX_VERSIONS_PER_ROW).map((v) => `<code>${escapeHtml(v)}</code>`)
  const more = row.versions.length - shown.length
  const kept = row.unresolved
    ? `every version (${row.versions.length}): the tag cannot be resolved from the file`
    : `${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`
  const reference = `<code>${escapeHtml(row.place)}</code>${row.written ? ` <code>${escapeHtml(row.written)}</code>` : ''}${row.unresolved ? ' ⚠️ unresolved' : ''}`
  return `<tr><td><code>${escapeHtml(row.packageName)}</code></td><td>${reference}</td><td>${kept}</td></tr>`
}

/**
 * The section as HTML, or '' when no version was kept by an image in use. At most `budget` bytes:
 * rows past it (or past MAX_ROWS) are counted, not shown; the plan file holds every reason.
 */
export function inUseSection(report: RunReport, budget: number): string {
  const unresolved = report.inUseUnresolved ?? []
  const rows = report.packages.flatMap((pkg) => rowsOf(pkg, unresolved))
  if (rows.length === 0) return ''
  // Unresolved references first: they keep whole packages, and are the ones to look at.
  rows.sort((a, b) => Number(b.unresolved) - Number(a.unresolved))
  const head = '<h3>Images in use</h3><p>References found by <code>protect.in-use</code> that kept something (file:line → versions kept):</p><table><tr><th>package</th><th>reference</th><th>kept</th></tr>'
  const tail = '</table>'
  let html = head
  let shown = 0
  for (const row of rows) {
    const line = renderRow(row)
    if (shown >= MAX_ROWS || Buffer.byteLength(html) + Buffer.byteLength(line) + tail.length + 120 > budget) break
    html += line
    shown++
  }
  if (shown === 0 && Buffer.byteLength(head) + tail.length > budget) return ''
  html += tail
  if (shown < rows.length) html += `<p><em>${rows.length - shown} more reference(s) left out; each kept version's reason is in the plan file.</em></p>`
  return html
}
