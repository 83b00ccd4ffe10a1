// The run's stop and its bounds on asked-for waits (contract 1.2): one wait up to 5 minutes,
// 10 minutes of waits in all (overlapping waits count once), and a stop that ends every wait.
import { AdaptiveLimit } from '../../src/registry/adaptive-limit.js'
import { RunControl, RunStoppedError, describeWait } from '../../src/run-control.js'

describe('RunControl.admitWait', () => {
  test('a single wait over 5 minutes is not taken: the run stops, resuming when the wait would end', () => {
    let now = Date.parse('2026-12-08T00:00:00Z')
    const control = new RunControl({ now: () => now })
    expect(control.admitWait(300_000, 'GitHub')).toBe(true)
    now += 300_000
    expect(control.admitWait(300_001, 'GitHub')).toBe(false)
    expect(control.stop).toEqual({
      kind: 'wait',
      reason: 'GitHub asked to wait 5 min, longer than the 5 min a run waits; requests are allowed again from 2026-12-08T00:10:00.001Z',
      resumeAt: '2026-12-08T00:10:00.001Z'
    })
    expect(control.signal.aborted).toBe(true)
    expect(control.signal.reason).toBeInstanceOf(RunStoppedError)
  })

  test('waits adding up to more than 10 minutes: the one that would pass it stops the run', () => {
    let now = 0
    const control = new RunControl({ now: () => now })
    for (let k = 0; k < 5; k++) {
      expect(control.admitWait(120_000, 'GitHub')).toBe(true)
      now += 120_000
    }
    expect(control.admitWait(1_000, 'the registry')).toBe(false)
    expect(control.stop!.reason).toMatch(/^the registry asked to wait 1 s more, after 10 min of waits in this run \(at most 10 min\)/)
  })

  test('concurrent requests told to wait at once count the wall time once', () => {
    const now = 0
    const control = new RunControl({ now: () => now })
    // Fifty reads refused together, each asked to wait a minute: one minute of the run's waits.
    for (let k = 0; k < 50; k++) expect(control.admitWait(60_000, 'the registry')).toBe(true)
    // Had they counted fifty times, the run would be far past its 10 minutes.
    expect(control.admitWait(300_000, 'GitHub')).toBe(true)
    expect(control.stop).toBeUndefined()
  })

  test('a stop ends sleeps at once, and the first stop wins', async () => {
    const control = new RunControl()
    const sleeping = control.sleep(60_000)
    control.cancel('SIGINT')
    control.cancel('SIGTERM')
    await expect(sleeping).rejects.toThrow('the run was cancelled (SIGINT); no further request is sent')
    expect(() => control.throwIfStopped()).toThrow(RunStoppedError)
    expect(control.admitWait(1, 'GitHub')).toBe(false)
    expect(control.stop).toEqual({ kind: 'cancelled', reason: 'the run was cancelled (SIGINT)' })
  })

  test('describeWait', () => {
    expect([describeWait(1_000), describeWait(119_000), describeWait(600_000), describeWait(86_400_000)]).toEqual(['1 s', '119 s', '10 min', '24 h'])
  })
})

describe('AdaptiveLimit', () => {
  const settle = (): Promise<void> => new Promise(resolve => setImmediate(resolve))

  test('rises by one after as many good answers as slots, halves on a 429 (once per burst), stays within bounds', () => {
    const limit = new AdaptiveLimit({ initial: 4, min: 2, max: 6 })
    for (let k = 0; k < 4; k++) limit.succeeded()
    expect(limit.limit).toBe(5)
    for (let k = 0; k < 5; k++) limit.succeeded()
    expect(limit.limit).toBe(6)
    for (let k = 0; k < 100; k++) limit.succeeded()
    expect(limit.limit).toBe(6)
    limit.pushedBack()
    limit.pushedBack()
    expect(limit.limit).toBe(3)
    for (let k = 0; k < 3; k++) limit.succeeded()
    limit.pushedBack()
    expect(limit.limit).toBe(2)
    expect(limit.peak).toBe(6)
  })

  test('an answer far slower than the fastest (requests queueing) lowers it like a 429', () => {
    const limit = new AdaptiveLimit({ initial: 8, min: 2, max: 64 })
    limit.succeeded(20)
    limit.succeeded(1_500)
    expect(limit.limit).toBe(8)
    limit.succeeded(2_500)
    expect(limit.limit).toBe(4)
  })

  test('never runs more tasks at once than the limit', async () => {
    const limit = new AdaptiveLimit({ initial: 3, min: 1, max: 3 })
    let running = 0
    let peak = 0
    const releases: Array<() => void> = []
    const tasks = Array.from({ length: 10 }, () =>
      limit.run(async () => {
        running++
        peak = Math.max(peak, running)
        await new Promise<void>(resolve => releases.push(resolve))
        running--
      })
    )
    for (let done = 0; done < 10; done++) {
      await settle()
      releases.shift()!()
    }
    await Promise.all(tasks)
    expect(peak).toBe(3)
  })
})
