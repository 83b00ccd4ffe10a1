// ISO 8601 date-times to epoch ms. GitHub's form ("2026-06-15T12:00:00Z", optionally with a fraction)
// is parsed by hand, about three times faster than Date.parse, which matters at a million versions
// (two timestamps each). Other ISO 8601 date-times (an offset, no seconds) take a slower strict path.
// Anything else — a date alone, "12", "June 5" — is unreadable (UNREADABLE_TIME), never guessed at as
// Date.parse would ("12" is 2001 to it): the planner keeps a version whose timestamp it cannot read.

const ZERO = 48

/**
 * What an unreadable timestamp parses to. Such a version is kept (see unreadable-timestamps.ts);
 * as the oldest of all, it never takes the place of a readable version among "the N newest".
 */
export const UNREADABLE_TIME = Number.NEGATIVE_INFINITY

function digit(s: string, i: number): number {
  const d = s.charCodeAt(i) - ZERO
  return d >= 0 && d <= 9 ? d : -1000 // poisons the sum, failing the range checks below
}

function two(s: string, i: number): number {
  return digit(s, i) * 10 + digit(s, i + 1)
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yearOfEra = y - era * 400
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146097 + dayOfEra - 719468
}

function parseUtc(s: string): number | undefined {
  if (s.length < 20 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84) return undefined
  if (s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return undefined
  const year = two(s, 0) * 100 + two(s, 2)
  const month = two(s, 5)
  const day = two(s, 8)
  const hour = two(s, 11)
  const minute = two(s, 14)
  const second = two(s, 17)
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined
  let k = 19
  let ms = 0
  if (s.charCodeAt(k) === 46) {
    // Fraction: milliseconds from the first three digits, further digits truncated (as Date.parse does).
    k++
    const start = k
    let scale = 100
    while (k < s.length && digit(s, k) >= 0) {
      ms += digit(s, k) * scale
      scale /= 10
      k++
    }
    if (k === start) return undefined
    ms = Math.floor(ms + 1e-9) // 0.1 + 0.01 ... is inexact; the sum is a whole number of ms plus a fraction below 1
  }
  if (k !== s.length - 1 || s.charCodeAt(k) !== 90) return undefined // only "Z" on the fast path
  return ((daysFromCivil(year, month, day) * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + ms
}

// Date, "T", hours and minutes, optional seconds and fraction, then "Z" or an offset (read as UTC without one).
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?([Zz]|([+-])(\d{2})(?::?(\d{2}))?)?$/

/** Any ISO 8601 date-time, strictly: UNREADABLE_TIME for anything else. */
function parseIsoDateTime(s: string): number {
  const m = ISO_DATE_TIME.exec(s)
  if (!m) return UNREADABLE_TIME
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number)
  const second = m[6] === undefined ? 0 : Number(m[6])
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'))
  const offsetHours = m[10] === undefined ? 0 : Number(m[10])
  const offsetMinutes = m[11] === undefined ? 0 : Number(m[11])
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return UNREADABLE_TIME
  if (hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) return UNREADABLE_TIME
  const offset = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000
  return ((daysFromCivil(year, month, day) * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + ms - offset
}

/** Epoch ms of an ISO 8601 date-time; UNREADABLE_TIME when it is not one. */
export function parseTimestamp(iso: string): number {
  if (typeof iso !== 'string') return UNREADABLE_TIME
  return parseUtc(iso) ?? parseIsoDateTime(iso)
}

/** The timestamp could not be read: the version must not be deleted. */
export function isUnreadableTime(ms: number): boolean {
  return ms === UNREADABLE_TIME
}

/**
 * parseTimestamp for many timestamps in a row: versions listed in order share their day, so the
 * date part ("2026-06-15") of GitHub's form is parsed once per day and only the time of day per
 * timestamp. Same results as parseTimestamp for every input.
 */
export function createTimestampParser(): (iso: string) => number {
  let day = '' // "YYYY-MM-DDT" of the last timestamp parsed by the fast path
  let dayMs = 0
  return (iso) => {
    if (typeof iso !== 'string') return UNREADABLE_TIME
    if (iso.length === 20 && day !== '' && iso.startsWith(day) && iso.charCodeAt(19) === 90) {
      if (iso.charCodeAt(13) === 58 && iso.charCodeAt(16) === 58) {
        const hour = two(iso, 11)
        const minute = two(iso, 14)
        const second = two(iso, 17)
        if (hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 59) {
          return dayMs + ((hour * 60 + minute) * 60 + second) * 1000
        }
      }
    }
    const fast = parseUtc(iso)
    if (fast === undefined) return parseIsoDateTime(iso)
    if (iso.length === 20) {
      day = iso.slice(0, 11)
      dayMs = fast - ((two(iso, 11) * 60 + two(iso, 14)) * 60 + two(iso, 17)) * 1000
    }
    return fast
  }
}
