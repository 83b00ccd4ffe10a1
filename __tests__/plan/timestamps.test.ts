// The hand-written ISO parser must agree with Date.parse on every ISO 8601 date-time, and read
// nothing else: Date.parse guesses ("12" is 2001 to it), a deletion tool must not.
import { createTimestampParser, isUnreadableTime, parseTimestamp } from '../../src/plan/timestamps.js'

describe('parseTimestamp', () => {
  it.each([
    '2026-06-15T12:00:00Z',
    '2026-06-15T12:00:00.000Z',
    '2026-06-15T12:00:00.5Z',
    '2026-06-15T12:00:00.05Z',
    '2026-06-15T12:00:00.123Z',
    '2026-06-15T12:00:00.1239Z',
    '2026-06-15T12:00:00.999999Z',
    '1970-01-01T00:00:00Z',
    '1969-12-31T23:59:59Z',
    '2000-02-29T23:59:59Z',
    '2024-02-29T00:00:00Z',
    '2100-03-01T00:00:00Z',
    '0001-01-01T00:00:00Z',
    '2026-12-31T23:59:59.999Z',
    '2026-06-15T12:00:00+02:00',
    '2026-06-15T12:00:00.250-05:30',
    '2026-06-15T12:00+02:00',
    '2026-06-15t12:00:00z'
  ])('%s agrees with Date.parse', (iso) => expect(parseTimestamp(iso)).toBe(Date.parse(iso)))

  it('agrees with Date.parse on every day of several years', () => {
    for (let ms = Date.UTC(1999, 0, 1); ms < Date.UTC(2030, 0, 1); ms += 86_400_000 + 3_723_001) {
      const iso = new Date(ms).toISOString()
      expect(parseTimestamp(iso)).toBe(ms)
      expect(parseTimestamp(iso.replace(/\.\d+Z$/, 'Z'))).toBe(Date.parse(iso.replace(/\.\d+Z$/, 'Z')))
    }
  })

  it.each([
    '',
    'yesterday',
    '12',
    '2001',
    '2026-06-15',
    'June 15 2026',
    '2026-06-15 12:00:00Z',
    'Mon, 15 Jun 2026 12:00:00 GMT',
    '2026-13-01T00:00:00Z',
    '2026-02-30T00:00:00Z',
    '2026-06-15T24:00:01Z',
    '2026-06-15T12:60:00Z',
    '2026-06-15T12:00:00.Z',
    '2026-06-1xT12:00:00Z',
    '2026-06-15T12:00:00+25:00'
  ])('%j is not an ISO 8601 date-time: unreadable, never a guess', (text) => {
    expect(isUnreadableTime(parseTimestamp(text))).toBe(true)
    expect(isUnreadableTime(createTimestampParser()(text))).toBe(true)
  })

  it.each([null, undefined, 1718452800000, 12])('%j (not a string) is unreadable, not a crash', (value) => {
    expect(isUnreadableTime(parseTimestamp(value as unknown as string))).toBe(true)
    expect(isUnreadableTime(createTimestampParser()(value as unknown as string))).toBe(true)
  })

  it('reading many in a row gives the same results as one at a time', () => {
    const parse = createTimestampParser()
    for (const text of ['2026-06-15T12:00:00Z', '2026-06-15T13:00:00Z', '12', '2026-06-15T14:00:00Z', '2026-06-15T12:00:00+02:00']) {
      expect(parse(text)).toBe(parseTimestamp(text))
    }
  })
})
