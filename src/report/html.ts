// The pieces every part of the job summary is made of: escaped text, sizes in bytes, and
// tables and lists bounded by a row count and a byte allowance, each saying what it left out.
import { differenceInHours } from 'date-fns'
import { isUnreadableTime, parseTimestamp } from '../plan/timestamps.js'

/** Rows per version table before the rest is left to the plan file. */
export const ROWS_PER_TABLE = 250
/** Entries of a list ("not found", failures, warnings) before the rest is counted. */
export const LIST_ITEMS = 20
/** A message longer than this is cut (the plan file and the log have it whole). */
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

export function shortName(name: string): string {
  return /^sha256:[0-9a-f]{64}$/.test(name) ? `${name.slice(0, 19)}…` : name
}

export function clip(text: string): string {
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text
}

export const bytes = (text: string): number => Buffer.byteLength(text)

export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`

export function leftOutNote(count: number, what: string, planPath: string, forSize: boolean): string {
  const why = forSize ? " to stay under GitHub's 1 MiB summary limit" : ''
  return `<p><em>${count} more ${what} not shown${why}; the full list is in the plan file <code>${escapeHtml(planPath)}</code>.</em></p>`
}

/**
 * A table of at most ROWS_PER_TABLE rows and at most `allowance` bytes, the note about what
 * it left out included. `cut` when the allowance (not the row count) stopped it. Rows are
 * rendered only as far as they are shown.
 */
export function limitedTable(
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

/** At most LIST_ITEMS entries, each clipped and escaped, and how many more there are. */
export function limitedList(items: readonly string[], render: (item: string) => string, what: string): string {
  const shown = items.slice(0, LIST_ITEMS).map(item => render(escapeHtml(clip(item))))
  const more = items.length - shown.length
  return more > 0 ? `${shown.join('')}${render(`… and ${more} more ${what} (see the plan file)`)}` : shown.join('')
}
