import schema from '../../policies/policy.schema.json' with { type: 'json' }
import { explainInvalidDuration, olderThanCutoff, parseDuration } from '../../src/policy/duration.js'
import type { Duration } from '../../src/model.js'

const zero = { years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 0 }

describe('parseDuration', () => {
  it.each<[string, Partial<Duration>]>([
    ['90m', { minutes: 90 }],
    ['12h', { hours: 12 }],
    ['30d', { days: 30 }],
    ['2w', { weeks: 2 }],
    ['1m', { minutes: 1 }],
    ['P30D', { days: 30 }],
    ['PT12H', { hours: 12 }],
    ['PT90M', { minutes: 90 }],
    ['P1M', { months: 1 }],
    ['P1Y', { years: 1 }],
    ['P1Y2M', { years: 1, months: 2 }],
    ['P2W', { weeks: 2 }],
    ['P1DT12H', { days: 1, hours: 12 }],
    ['P1Y2M3W4DT5H6M', { years: 1, months: 2, weeks: 3, days: 4, hours: 5, minutes: 6 }],
    ['P0DT1M', { minutes: 1 }]
  ])('%s', (text, fields) => {
    expect(parseDuration(text)).toEqual({ ...zero, ...fields, text })
  })

  it.each([
    '30 days', '-1d', 'P', 'PT', '30', '90s', '0d', '00d', 'P0D', 'PT0H0M', '1.5d', 'P1.5D', 'P1,5D',
    '', ' 30d', '30d ', '30D', 'p30d', 'P30d', '1y', '1M', 'P1D2M', 'PT1D', 'P1DT', 'P1H', 'PT30S', '+30d', '30dd', 'd', 'P-1D', 'P5000Y', '99999999999999999999m'
  ])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined()
  })
})

describe('explainInvalidDuration', () => {
  it.each([
    ['30 days', 'is not a duration; use 30d, 12h, 2w or P30D'],
    ['-1d', 'is not a duration: it cannot be negative; use 30d, 12h, 2w or P30D'],
    ['1.5d', 'is not a duration: fields must be whole numbers; use 30d, 12h, 2w or P30D'],
    ['90s', 'is not a duration: seconds are not supported, the smallest unit is m (minutes); use 30d, 12h, 2w or P30D'],
    ['PT30S', 'is not a duration: seconds are not supported, the smallest unit is m (minutes); use 30d, 12h, 2w or P30D'],
    ['30', 'is not a duration: a unit is missing; write 30d for 30 days (or 30h, 30w, 30m for hours, weeks, minutes)'],
    ['0', 'is not a duration: a unit is missing, and a duration must be longer than 0 (use 30d, 12h, 2w or P30D)'],
    ['3M', 'is not a duration: for months use ISO 8601 (P1M); m means minutes; use 30d, 12h, 2w or P30D'],
    ['1y', 'is not a duration: for years use ISO 8601 (P1Y); use 30d, 12h, 2w or P30D'],
    ['12H', 'is not a duration: units are lower case; use 30d, 12h, 2w or P30D'],
    ['p1m', 'is not a duration: ISO 8601 designators are upper case; use 30d, 12h, 2w or P30D'],
    ['0d', 'is zero; a duration must be longer than 0 (use 30d, 12h, 2w or P30D)'],
    ['P0Y0M', 'is zero; a duration must be longer than 0 (use 30d, 12h, 2w or P30D)'],
    ['P1001Y', 'is too long; a duration can be at most 1000 years']
  ])('%s %s', (text, explanation) => {
    expect(explainInvalidDuration(text)).toBe(explanation)
  })
})

describe('the schema pattern for durations', () => {
  // Editors validate with the schema alone, so it should flag what parseDuration rejects; it
  // cannot see zero ISO durations or the upper bound, which validation re-checks.
  const pattern = new RegExp(schema.definitions.duration.pattern, 'u')
  it.each(['90m', '12h', '30d', '2w', '030d', 'P30D', 'PT12H', 'P1M', 'P1Y2M', 'P2W', 'P1DT12H', 'P1Y2M3W4DT5H6M'])('accepts %s', (text) => {
    expect(pattern.test(text)).toBe(true)
    expect(parseDuration(text)).toBeDefined()
  })
  it.each(['30 days', '-1d', 'P', 'PT', '30', '90s', '0d', '00d', '1.5d', 'P1.5D', 'PT30S', 'P1DT', '30D', 'p30d', ''])('rejects %j', (text) => {
    expect(pattern.test(text)).toBe(false)
    expect(parseDuration(text)).toBeUndefined()
  })
})

describe('olderThanCutoff', () => {
  // Calendar arithmetic happens in the process time zone (UTC on GitHub-hosted runners); the
  // assertions on calendar fields hold in any zone.
  const local = (d: Date): string => `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()} ${d.getHours()}:${d.getMinutes()}`
  const at = (y: number, m: number, d: number, h = 12, min = 0): Date => new Date(y, m - 1, d, h, min)

  it('subtracts calendar months, clamping to the end of a shorter month', () => {
    expect(local(olderThanCutoff(at(2026, 3, 31), parseDuration('P1M')!))).toBe('2026-2-28 12:0')
    expect(local(olderThanCutoff(at(2024, 3, 31), parseDuration('P1M')!))).toBe('2024-2-29 12:0')
    expect(local(olderThanCutoff(at(2026, 5, 31), parseDuration('P3M')!))).toBe('2026-2-28 12:0')
  })

  it('subtracts calendar years', () => {
    expect(local(olderThanCutoff(at(2024, 2, 29), parseDuration('P1Y')!))).toBe('2023-2-28 12:0')
    expect(local(olderThanCutoff(at(2026, 3, 31), parseDuration('P1Y2M')!))).toBe('2025-1-31 12:0')
  })

  it('subtracts weeks, days, hours and minutes', () => {
    expect(local(olderThanCutoff(at(2026, 3, 10), parseDuration('2w')!))).toBe('2026-2-24 12:0')
    expect(local(olderThanCutoff(at(2026, 3, 1), parseDuration('30d')!))).toBe('2026-1-30 12:0')
    const now = new Date('2026-03-31T12:00:00Z')
    expect(olderThanCutoff(now, parseDuration('12h')!).toISOString()).toBe('2026-03-31T00:00:00.000Z')
    expect(olderThanCutoff(now, parseDuration('90m')!).toISOString()).toBe('2026-03-31T10:30:00.000Z')
    expect(olderThanCutoff(now, parseDuration('PT12H30M')!).toISOString()).toBe('2026-03-30T23:30:00.000Z')
  })

  it('combines calendar and fixed units like ISO 8601 (months before days)', () => {
    expect(local(olderThanCutoff(at(2026, 3, 31), parseDuration('P1M1D')!))).toBe('2026-2-27 12:0')
  })

  it('stays a valid date for the longest duration accepted', () => {
    expect(Number.isNaN(olderThanCutoff(new Date(), parseDuration('P1000Y')!).getTime())).toBe(false)
  })

  it('does not change its argument', () => {
    const now = new Date('2026-03-31T12:00:00Z')
    olderThanCutoff(now, parseDuration('P1M')!)
    expect(now.toISOString()).toBe('2026-03-31T12:00:00.000Z')
  })
})
