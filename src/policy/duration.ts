// Durations for `older-than`: "30d"-style shorthands or ISO 8601 with integer fields.
import { sub } from 'date-fns'
import type { Duration } from '../model.js'

// Zero is syntactically fine here and rejected by the positivity check, so "0d" gets a precise message.
const SHORT = /^([0-9]+)([mhdw])$/
// Each designator at most once, in ISO order; "P" and "PT" alone are rejected by the lookaheads.
// Seconds are left out on purpose: the shortest unit a retention policy needs is a minute.
const ISO = /^P(?!$)(?:([0-9]+)Y)?(?:([0-9]+)M)?(?:([0-9]+)W)?(?:([0-9]+)D)?(?:T(?=[0-9])(?:([0-9]+)H)?(?:([0-9]+)M)?)?$/

const SHORT_UNIT = { m: 'minutes', h: 'hours', d: 'days', w: 'weeks' } as const

// Far beyond any useful retention, yet small enough that `now - duration` stays a valid Date.
const MAX_YEARS = 1000
const MINUTES_PER = { years: 525_960, months: 43_830, weeks: 10_080, days: 1_440, hours: 60, minutes: 1 } as const

const DURATION_EXAMPLES = 'use 30d, 12h, 2w or P30D'

// Common near-misses get a precise hint; anything else gets the generic message.
const INVALID_HINTS: [(text: string) => boolean, string][] = [
  [(t) => /^-/.test(t.trim()), 'it cannot be negative'],
  [(t) => /\d[.,]\d/.test(t), 'fields must be whole numbers'],
  [(t) => /^\d+\s*s$|^PT.*\d+S$/i.test(t), 'seconds are not supported, the smallest unit is m (minutes)'],
  [(t) => /^\d+\s*(?:M|mo|mos|months?)$/.test(t), 'for months use ISO 8601 (P1M); m means minutes'],
  [(t) => /^\d+\s*(?:y|Y|yrs?|years?)$/.test(t), 'for years use ISO 8601 (P1Y)'],
  [(t) => parseSyntax(t.toLowerCase()) !== undefined, 'units are lower case'],
  [(t) => parseSyntax(t.toUpperCase()) !== undefined, 'ISO 8601 designators are upper case']
]

function zeroDuration(text: string): Duration {
  return { text, years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 0 }
}

function approximateMinutes(d: Duration): number {
  return (Object.keys(MINUTES_PER) as (keyof typeof MINUTES_PER)[]).reduce((sum, unit) => sum + d[unit] * MINUTES_PER[unit], 0)
}

function parseSyntax(text: string): Duration | undefined {
  const short = SHORT.exec(text)
  if (short) return { ...zeroDuration(text), [SHORT_UNIT[short[2] as keyof typeof SHORT_UNIT]]: Number(short[1]) }
  const iso = ISO.exec(text)
  if (!iso) return undefined
  const [years, months, weeks, days, hours, minutes] = iso.slice(1).map((field) => (field === undefined ? 0 : Number(field)))
  return { text, years, months, weeks, days, hours, minutes }
}

/** A positive duration as the contract defines it, or undefined for anything else ("30 days", "-1d", "P", "0d", "P1.5D"). */
export function parseDuration(text: string): Duration | undefined {
  const duration = parseSyntax(text)
  if (!duration) return undefined
  const total = approximateMinutes(duration)
  if (total <= 0 || total > MAX_YEARS * MINUTES_PER.years) return undefined
  return duration
}

/** Why `text` is not a duration, phrased to follow "'<text>' ...", ending with what is allowed. */
export function explainInvalidDuration(text: string): string {
  const duration = parseSyntax(text)
  if (duration && approximateMinutes(duration) === 0) return `is zero; a duration must be longer than 0 (${DURATION_EXAMPLES})`
  if (duration) return `is too long; a duration can be at most ${MAX_YEARS} years`
  const unitless = missingUnitHint(text)
  if (unitless) return `is not a duration: ${unitless}`
  const hint = INVALID_HINTS.find(([looksLike]) => looksLike(text))?.[1]
  if (hint) return `is not a duration: ${hint}; ${DURATION_EXAMPLES}`
  return `is not a duration; ${DURATION_EXAMPLES}`
}

/**
 * For a number written without a unit (`older-than: 14`, or "14"): which duration to write, days
 * being what retention policies almost always mean. Undefined for anything else.
 */
export function missingUnitHint(text: string): string | undefined {
  const number = /^\s*(\d+)\s*$/.exec(text)?.[1]
  if (number === undefined) return undefined
  const n = Number(number)
  if (n === 0) return `a unit is missing, and a duration must be longer than 0 (${DURATION_EXAMPLES})`
  return `a unit is missing; write ${n}d for ${n} days (or ${n}h, ${n}w, ${n}m for hours, weeks, minutes)`
}

/** The instant a version's timestamp must be strictly before to count as "older than" `d` at `now`. */
export function olderThanCutoff(now: Date, d: Duration): Date {
  // date-fns applies years and months as calendar units (Mar 31 - 1 month = Feb 28/29) in the
  // process time zone, which is UTC on GitHub-hosted runners.
  const { years, months, weeks, days, hours, minutes } = d
  return sub(now, { years, months, weeks, days, hours, minutes })
}
