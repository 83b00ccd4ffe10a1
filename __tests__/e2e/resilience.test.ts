// End-to-end resilience: the bundled action against the fake GitHub under injected faults, a
// SIGTERM in the middle of deleting, and two runs at once on the same packages. Whatever
// happens, every planned version ends as exactly one of deleted, skipped, failed or deferred,
// the fake's state agrees with "deleted", and no image is ever left broken.
import { FakeGitHub, type FaultOptions } from '../fake/index.js'
import { POLICY, deleteGaps, expectAccounted, goneKeys, keysWhere, planVersions, scenario, type Scenario } from './accounting.js'
import { runAction, type ActionRun, type RunOptions } from './run-action.js'
import { PAT, world } from './world.js'

async function startFake(s: Scenario, extra: Parameters<typeof world>[1] = {}): Promise<FakeGitHub> {
  return FakeGitHub.start(world(s.packages, extra))
}

function run(fake: FakeGitHub, inputs: Record<string, string> = {}, options: Partial<RunOptions> = {}): Promise<ActionRun> {
  return runAction({
    apiUrl: fake.url,
    inputs: { token: PAT, policy: POLICY, 'dry-run': 'false', 'max-deletes-per-minute': '180', 'registry-url': fake.url, ...inputs },
    ...options
  })
}

describe('faults: every planned version ends as exactly one outcome, and the state agrees', () => {
  // Seeded: the n-th request always meets the same fault, so a failing run can be replayed.
  const kinds: Array<[string, FaultOptions]> = [
    ['5xx answers', { seed: 4, serverErrorRate: 0.2 }],
    ['connections dropped before the request is applied', { seed: 4, dropBeforeRate: 0.2 }],
    ['connections dropped after the request is applied', { seed: 4, dropAfterRate: 0.2 }],
    ['latency', { seed: 4, latencyMs: 150, jitterMs: 250 }]
  ]

  test.concurrent.each(kinds)('%s', async (_kind, faults) => {
    const s = scenario()
    const fake = await startFake(s, { faults })
    try {
      const result = await run(fake)
      expectAccounted(result, fake)
      // These seeds let every DELETE through within its retries: the whole plan is deleted, once.
      expect(keysWhere(result, v => v.decision === 'delete')).toEqual(s.planned)
      expect(keysWhere(result, v => v.outcome === 'deleted')).toEqual(s.planned)
      expect(goneKeys(fake, s.packages)).toEqual(s.planned)
      expect(result.outputs).toMatchObject({ 'planned-count': String(s.planned.length), 'failed-count': '0', 'skipped-count': '0' })
      expect(result.planFile!.status).toBe('finished')
      // Paced at 180/min (333 ms between starts). The fake sees arrivals: after a dropped
      // connection the retry pays a new TCP connect and the next DELETE does not, so allow for that.
      for (const gap of deleteGaps(fake)) expect(gap).toBeGreaterThanOrEqual(250)

      // The faults did hit the deletions (so the retries above were exercised).
      const deletes = fake.mutations().filter(r => r.method === 'DELETE')
      if (faults.serverErrorRate) expect(deletes.some(r => r.injected && r.status >= 500)).toBe(true)
      if (faults.dropBeforeRate) expect(deletes.some(r => r.dropped === 'before')).toBe(true)
      if (faults.dropAfterRate) {
        // The DELETE was applied but its answer lost; the retry's 404 is checked, then counted once.
        const droppedAfter = deletes.filter(r => r.dropped === 'after')
        expect(droppedAfter.length).toBeGreaterThan(0)
        for (const dropped of droppedAfter) {
          const retry = deletes.find(r => r.path === dropped.path && r.at > dropped.at && !r.dropped)
          if (retry) expect(retry.status).toBe(404)
        }
        const confirmed = planVersions(result.planFile!).filter(v => /earlier attempt got no answer/.test(v.outcomeDetail ?? ''))
        expect(confirmed.length).toBeGreaterThan(0)
        expect(confirmed.every(v => v.outcome === 'deleted')).toBe(true)
      }
    } finally {
      await fake.stop()
    }
  })

  test.concurrent('the same seed meets the same faults: the deletions replay identically', async () => {
    const s = scenario()
    const faults: FaultOptions = { seed: 3, dropAfterRate: 0.2 }
    const fakes = await Promise.all([startFake(s, { faults }), startFake(s, { faults })])
    try {
      const results = await Promise.all(fakes.map(fake => run(fake)))
      const trace = (fake: FakeGitHub): string[] =>
        fake.mutations().map(r => `${r.method} ${r.path} ${r.status} ${r.dropped ?? ''}${r.injected ? ' injected' : ''}`)
      expect(trace(fakes[0])).toEqual(trace(fakes[1]))
      expect(results[0].planFile!.totals).toEqual(results[1].planFile!.totals)
      for (const [i, fake] of fakes.entries()) expectAccounted(results[i], fake)
    } finally {
      await Promise.all(fakes.map(fake => fake.stop()))
    }
  })

  test.concurrent('a run that fails midway still writes its plan file, summary and outputs, and fails by failed-count', async () => {
    const s = scenario()
    const fake = await startFake(s)
    try {
      // The second PR image's index answers 503 to every attempt: after the retries (1 s, 2 s, 4 s)
      // and a look (still there), it fails, its platforms with it, and the rest goes on.
      const failing = fake.versions('acme', 'container', 'web').find(v => v.name === s.prImages[1].digest)!
      fake.failNext({ method: 'DELETE', pathIncludes: `/versions/${failing.id}`, status: 503, message: 'Service Unavailable', times: 4 })
      const result = await run(fake)
      expectAccounted(result, fake)
      expect(result.exitCode).toBe(1)
      const group = s.prImages[1].versions.map(v => `container/web#${v.name}`).sort()
      expect(keysWhere(result, v => v.outcome === 'failed')).toEqual(group)
      expect(result.outputs).toMatchObject({ 'failed-count': '3', 'deleted-count': String(s.planned.length - 3) })
      expect(goneKeys(fake, s.packages)).toEqual(s.planned.filter(k => !group.includes(k)))
      expect(fake.mutations().filter(r => r.path.endsWith(`/versions/${failing.id}`))).toHaveLength(4)
      expect(result.stdout).toMatch(/::error::3 deletion\(s\) failed: HTTP 503: Service Unavailable \(4 attempts\)/)
      expect(result.planFile!.status).toBe('finished')
      expect(result.summary).toContain('Service Unavailable')
    } finally {
      await fake.stop()
    }
  })

  test.concurrent("one request's retries do not lengthen another's backoff", async () => {
    const s = scenario(1, { snapshots: 1 })
    const fake = await startFake(s)
    try {
      // Octokit shares one request-options object between requests; the retry plugin counts retries
      // on it, so without a copy per request the second retry here would wait (1 + 1)² = 4 s, not 1 s.
      fake.failNext({ method: 'GET', pathIncludes: '/users/acme', status: 502 })
      fake.failNext({ method: 'GET', pathIncludes: '/packages/npm/lib/versions', status: 502 })
      const result = await run(fake)
      expectAccounted(result, fake)
      const attempts = fake.requests.filter(r => r.path.endsWith('/packages/npm/lib/versions')).map(r => r.at)
      expect(attempts).toHaveLength(2)
      expect(attempts[1] - attempts[0]).toBeLessThan(2500)
    } finally {
      await fake.stop()
    }
  })
})

describe('interruption', () => {
  test('SIGTERM while deleting: no new request, the rest deferred and reported, nothing broken; the next run completes the plan', async () => {
    const s = scenario(3)
    const [fake, reference] = await Promise.all([startFake(s), startFake(s)])
    try {
      let signalled = false
      const sigterm = (child: import('node:child_process').ChildProcess): void => {
        const poll = setInterval(() => {
          // The 5th DELETE is the second version of the second PR image: stop in the middle of it.
          if (fake.mutations().length < 5) return
          clearInterval(poll)
          signalled = child.kill('SIGTERM')
        }, 10)
        child.once('exit', () => clearInterval(poll))
      }
      const [first, once] = await Promise.all([run(fake, {}, { onStart: sigterm }), run(reference)])
      expect(signalled).toBe(true)

      // Cut short (contract 1.2): exit non-zero, the rest deferred, all reported, no image broken.
      expectAccounted(first, fake, { cancelled: true })
      expect(first.signal).toBeNull()
      expect(first.stdout).toContain('Received SIGTERM')
      expect(first.planFile).toMatchObject({ status: 'stopped', stopKind: 'cancelled', stopReason: expect.stringMatching(/cancelled/) })
      const deleted = keysWhere(first, v => v.outcome === 'deleted')
      const deferred = keysWhere(first, v => v.outcome === 'deferred')
      expect(deleted.length).toBeGreaterThanOrEqual(5)
      expect(deferred.length).toBeGreaterThan(0)
      expect([...deleted, ...deferred].sort()).toEqual(s.planned)
      expect(goneKeys(fake, s.packages)).toEqual(deleted)
      // An image's index goes first: a platform manifest is never deleted while its index stays.
      for (const image of s.prImages) {
        const gone = image.versions.map(v => `container/web#${v.name}`).filter(k => deleted.includes(k))
        if (gone.length > 0) expect(gone).toContain(`container/web#${image.digest}`)
      }
      expect(deferred.every(k => planVersions(first.planFile!).find(v => v.key === k)!.outcomeDetail!.includes('cancelled'))).toBe(true)

      // The next run plans exactly what was deferred and finishes it.
      const second = await run(fake)
      expectAccounted(second, fake)
      expect(second.planFile!.status).toBe('finished')
      expect(keysWhere(second, v => v.outcome === 'deleted')).toEqual(deferred)

      // The same final state as one uninterrupted run on an identical fake.
      expectAccounted(once, reference)
      for (const p of s.packages) {
        const names = (f: FakeGitHub, state: 'active' | 'deleted'): string[] => f.versions(p.owner, p.package_type, p.name, state).map(v => v.name).sort()
        expect(names(fake, 'active')).toEqual(names(reference, 'active'))
        expect(names(fake, 'deleted')).toEqual(names(reference, 'deleted'))
      }
      expect(goneKeys(fake, s.packages)).toEqual(s.planned)
    } finally {
      await Promise.all([fake.stop(), reference.stop()])
    }
  })
})

describe('two runs at once on the same packages', () => {
  test('both finish; each version is deleted once overall, the other run reports it skipped as already deleted', async () => {
    const s = scenario(3)
    const fake = await startFake(s)
    try {
      const runs = await Promise.all([run(fake), run(fake)])
      for (const r of runs) {
        expectAccounted(r, fake)
        expect(r.exitCode).toBe(0)
        expect(r.outputs['failed-count']).toBe('0')
        expect(r.planFile!.status).toBe('finished')
      }
      const planned = runs.map(r => keysWhere(r, v => v.scheduled === true))
      const deleted = runs.map(r => keysWhere(r, v => v.outcome === 'deleted'))
      const skipped = runs.map(r => keysWhere(r, v => v.outcome === 'skipped'))

      // The union of their deletions is the plan; no version is counted as deleted twice.
      expect([...new Set(planned.flat())].sort()).toEqual(s.planned)
      expect([...deleted[0], ...deleted[1]].sort()).toEqual(s.planned)
      expect(goneKeys(fake, s.packages)).toEqual(s.planned)
      // What both planned, one deleted and the other found already gone.
      const both = planned[0].filter(k => planned[1].includes(k))
      expect(both.length).toBeGreaterThan(0)
      expect([...skipped[0], ...skipped[1]].sort()).toEqual(both)
      for (const r of runs) {
        for (const v of planVersions(r.planFile!).filter(v => v.outcome === 'skipped')) {
          expect(v.outcomeDetail).toMatch(/already deleted outside this run/)
        }
      }
      expect(fake.mutations().filter(r => r.method === 'DELETE' && r.status === 204)).toHaveLength(s.planned.length)
    } finally {
      await fake.stop()
    }
  })
})
