// The request budget on a fake clock: GitHub's costs, the sliding window, the in-flight cap,
// arrival order, and the even pace of writes within what the reads leave.
import { afterEach, beforeEach, expect, jest, test } from '@jest/globals'
import { RequestBudget, requestCost } from '../../src/github/request-budget.js'

beforeEach(() => {
  jest.useFakeTimers({ now: 1_000_000 })
})
afterEach(() => {
  jest.useRealTimers()
})

/** Acquires in order and records when (ms since start) each request was granted. */
function track(budget: RequestBudget, methods: string[], releaseAtOnce = true): { granted: Array<{ method: string; at: number }>; releases: Array<() => void> } {
  const start = Date.now()
  const granted: Array<{ method: string; at: number }> = []
  const releases: Array<() => void> = []
  for (const method of methods) {
    void budget.acquire(method).then(release => {
      granted.push({ method, at: Date.now() - start })
      if (releaseAtOnce) release()
      else releases.push(release)
    })
  }
  return { granted, releases }
}

/** The most points granted within any `windowMs`. */
function peakWindow(granted: Array<{ method: string; at: number }>, windowMs: number): number {
  let peak = 0
  for (const first of granted) {
    const points = granted.filter(g => g.at >= first.at && g.at < first.at + windowMs).reduce((sum, g) => sum + requestCost(g.method), 0)
    peak = Math.max(peak, points)
  }
  return peak
}

test('costs as GitHub counts them: a GET or HEAD 1 point, anything else 5', () => {
  expect(['GET', 'head', 'DELETE', 'POST', 'PATCH'].map(requestCost)).toEqual([1, 1, 5, 5, 5])
})

test('the defaults stay between 855 and 899 points a minute and well under 100 in flight', async () => {
  const budget = new RequestBudget({ writesPerMinute: 180 })
  const { granted } = track(budget, Array<string>(1000).fill('GET'))
  await jest.advanceTimersByTimeAsync(0)
  expect(granted.length).toBeGreaterThanOrEqual(855)
  expect(granted.length).toBeLessThan(900)
  await jest.advanceTimersByTimeAsync(60_000)
  expect(granted).toHaveLength(1000)
  expect(budget.stats.peakWindowPoints).toBe(granted.filter(g => g.at === 0).length)
})

test('a full window: the next request waits until the oldest leave it, never more in any window', async () => {
  const budget = new RequestBudget({ writesPerMinute: 60, pointsPerWindow: 10, windowMs: 1_000 })
  const { granted } = track(budget, Array<string>(25).fill('GET'))
  await jest.advanceTimersByTimeAsync(0)
  expect(granted).toHaveLength(10)
  await jest.advanceTimersByTimeAsync(999)
  expect(granted).toHaveLength(10)
  await jest.advanceTimersByTimeAsync(1)
  expect(granted).toHaveLength(20)
  await jest.advanceTimersByTimeAsync(1_000)
  expect(granted.map(g => g.at)).toEqual([...Array<number>(10).fill(0), ...Array<number>(10).fill(1_000), ...Array<number>(5).fill(2_000)])
})

test("a request's points count until a window after its answer was read, as GitHub may count it as late as that", async () => {
  const budget = new RequestBudget({ writesPerMinute: 60, pointsPerWindow: 10, windowMs: 1_000 })
  const { granted, releases } = track(budget, Array<string>(11).fill('GET'), false)
  await jest.advanceTimersByTimeAsync(500)
  expect(granted).toHaveLength(10)
  for (const release of releases) release()
  await jest.advanceTimersByTimeAsync(999)
  expect(granted).toHaveLength(10)
  await jest.advanceTimersByTimeAsync(1)
  expect(granted.map(g => g.at)).toEqual([...Array<number>(10).fill(0), 1_500])
})

test('a mix of reads and writes never exceeds the points of any window', async () => {
  const budget = new RequestBudget({ writesPerMinute: 180, pointsPerWindow: 50, windowMs: 1_000 })
  const methods = Array.from({ length: 120 }, (_, k) => (k % 3 === 0 ? 'DELETE' : 'GET'))
  const { granted } = track(budget, methods)
  await jest.advanceTimersByTimeAsync(30_000)
  expect(granted).toHaveLength(120)
  expect(peakWindow(granted, 1_000)).toBeLessThanOrEqual(50)
  // In arrival order: a waiting write is not overtaken by later reads.
  expect(granted.map(g => g.method)).toEqual(methods)
})

test('requests in flight are capped; a release lets the next one go', async () => {
  const budget = new RequestBudget({ writesPerMinute: 60, maxInFlight: 3 })
  const { granted, releases } = track(budget, ['GET', 'GET', 'GET', 'GET', 'GET'], false)
  await jest.advanceTimersByTimeAsync(10_000)
  expect(granted).toHaveLength(3)
  releases[0]()
  releases[0]() // a second release of the same request frees nothing more
  await jest.advanceTimersByTimeAsync(0)
  expect(granted).toHaveLength(4)
  expect(budget.stats.peakInFlight).toBe(3)
})

test('writes are evenly spaced at the ceiling when the budget allows it', async () => {
  const budget = new RequestBudget({ writesPerMinute: 60 })
  const { granted } = track(budget, Array<string>(6).fill('DELETE'))
  await jest.advanceTimersByTimeAsync(10_000)
  expect(granted.map(g => g.at)).toEqual([0, 1_000, 2_000, 3_000, 4_000, 5_000])
})

test('at 180 a minute the budget sets the pace: writes of 5 points fit 880 a minute, evenly, never in bursts', async () => {
  const budget = new RequestBudget({ writesPerMinute: 180 })
  expect(budget.writeIntervalMs()).toBeCloseTo((5 * 60_000) / 880, 6)
  const { granted } = track(budget, Array<string>(400).fill('DELETE'))
  await jest.advanceTimersByTimeAsync(200_000)
  expect(granted).toHaveLength(400)
  const gaps = granted.slice(1).map((g, k) => g.at - granted[k].at)
  expect(Math.min(...gaps)).toBeGreaterThanOrEqual(340)
  expect(Math.max(...gaps)).toBeLessThanOrEqual(342)
  expect(peakWindow(granted, 60_000)).toBeLessThanOrEqual(880)
})

test('reads in the window slow the writes down to what they leave, still evenly', async () => {
  const budget = new RequestBudget({ writesPerMinute: 180, pointsPerWindow: 100, windowMs: 60_000 })
  const reads = track(budget, Array<string>(50).fill('GET'))
  await jest.advanceTimersByTimeAsync(0)
  expect(reads.granted).toHaveLength(50)
  // 50 points left for writes of 5 in a minute: one every 6 s instead of one every 333 ms.
  expect(budget.writeIntervalMs()).toBe(6_000)
  const writes = track(budget, Array<string>(4).fill('DELETE'))
  await jest.advanceTimersByTimeAsync(20_000)
  expect(writes.granted.map(g => g.at)).toEqual([0, 6_000, 12_000, 18_000])
  // Once the reads have left the window, writes get the whole budget: 100 points, one every 3 s.
  await jest.advanceTimersByTimeAsync(41_000)
  expect(budget.writeIntervalMs()).toBe(3_000)
})
