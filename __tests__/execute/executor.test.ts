// The deletion engine through a fake client: outcomes, group integrity, 404 verification,
// rate-limit deferral and cancellation. Every scheduled version ends as exactly one outcome.
import type { DeletionGroup, PackageRef, Plan } from '../../src/model.js'
import { executePlan, outcomeKey, type DeletionApi } from '../../src/execute/executor.js'
import { RestTimeoutError } from '../../src/github/request-budget.js'
import { RunControl } from '../../src/run-control.js'

const web: PackageRef = { owner: 'acme', ownerKind: 'org', type: 'container', name: 'web' }
const lib: PackageRef = { owner: 'acme', ownerKind: 'org', type: 'npm', name: 'lib' }

function group(pkg: PackageRef, ids: number[], extra: Partial<DeletionGroup> = {}): DeletionGroup {
  return { packageKey: `${pkg.type}/${pkg.name}`, imageId: ids[0], createdAt: '2026-01-01T00:00:00Z', versionIds: ids, ...extra }
}

function plan(scheduled: DeletionGroup[]): Plan {
  const pkgs = [web, lib]
  return {
    now: '2026-11-20T00:00:00Z',
    packages: pkgs.map(p => ({ key: `${p.type}/${p.name}`, package: p, rules: [], versions: [], groups: [] })),
    scheduled,
    deferredByCap: []
  }
}

function httpError(status: number, message: string, headers: Record<string, string> = {}): Error {
  return Object.assign(new Error(message), { status, response: { headers, data: { message } } })
}

class FakeDeletionApi implements DeletionApi {
  readonly deleted: string[] = []
  readonly attempts: string[] = []
  rateLimit = { remaining: Number.POSITIVE_INFINITY }
  /** Errors to throw for a version id (or 'package'), consumed in order. */
  failures = new Map<number | 'package', Error[]>()
  stillThere = new Set<number>()

  async deleteVersion(pkg: PackageRef, id: number): Promise<void> {
    this.attempts.push(`${pkg.name}#${id}`)
    this.rateLimit.remaining--
    const error = this.failures.get(id)?.shift()
    if (error) throw error
    this.deleted.push(`${pkg.name}#${id}`)
  }

  async deletePackage(pkg: PackageRef): Promise<void> {
    this.attempts.push(`${pkg.name}`)
    const error = this.failures.get('package')?.shift()
    if (error) throw error
    this.deleted.push(pkg.name)
  }

  async versionState(_pkg: PackageRef, id: number): Promise<'active' | 'gone'> {
    return this.stillThere.has(id) ? 'active' : 'gone'
  }
}

const quiet = { log: () => undefined, sleep: async () => undefined }

function expectEveryVersionSettledOnce(p: Plan, result: Awaited<ReturnType<typeof executePlan>>): void {
  const scheduled = p.scheduled.flatMap(g => g.versionIds.map(id => outcomeKey(g.packageKey, id)))
  expect([...result.outcomes.keys()].sort()).toEqual([...scheduled].sort())
  expect(result.deleted + result.skipped + result.failed + result.deferred).toBe(scheduled.length)
}

test('deletes groups in order, the image before its dependants', async () => {
  const api = new FakeDeletionApi()
  const p = plan([group(web, [1, 2, 3]), group(lib, [10])])
  const result = await executePlan(p, api, quiet)
  expect(api.deleted).toEqual(['web#1', 'web#2', 'web#3', 'lib#10'])
  expect(result).toMatchObject({ deleted: 4, skipped: 0, failed: 0, deferred: 0 })
  expectEveryVersionSettledOnce(p, result)
})

test("a refused image is skipped and its dependants are not attempted, so the image stays whole", async () => {
  const api = new FakeDeletionApi()
  api.failures.set(1, [httpError(400, 'Publicly visible package versions with more than 5000 downloads cannot be deleted. Contact GitHub support for further assistance.')])
  const p = plan([group(web, [1, 2, 3]), group(web, [4])])
  const result = await executePlan(p, api, quiet)
  expect(api.attempts).toEqual(['web#1', 'web#4'])
  expect(result).toMatchObject({ deleted: 1, skipped: 3, failed: 0 })
  expect(result.outcomes.get('container/web#1')!.detail).toContain('5000 downloads')
  expect(result.outcomes.get('container/web#2')!.detail).toContain('was not deleted')
  expectEveryVersionSettledOnce(p, result)
})

test('the last-version refusal is skipped, not failed', async () => {
  const api = new FakeDeletionApi()
  api.failures.set(10, [httpError(400, 'You cannot delete the last version of a package. You must delete the package instead.')])
  const result = await executePlan(plan([group(lib, [10])]), api, quiet)
  expect(result).toMatchObject({ deleted: 0, skipped: 1, failed: 0 })
})

test('a 404 at the first attempt for a version that is gone was deleted elsewhere: skipped, and its group goes on', async () => {
  const api = new FakeDeletionApi()
  api.failures.set(1, [httpError(404, 'Not Found')])
  const p = plan([group(web, [1, 2])])
  const result = await executePlan(p, api, quiet)
  expect(result).toMatchObject({ deleted: 1, skipped: 1, failed: 0 })
  expect(result.outcomes.get('container/web#1')!.detail).toMatch(/already deleted outside this run/)
  expect(api.deleted).toEqual(['web#2'])
  expectEveryVersionSettledOnce(p, result)
})

test('a DELETE without an answer is retried, and a 404 then (the version gone) counts as deleted once', async () => {
  const api = new FakeDeletionApi()
  const dropped = Object.assign(new Error('fetch failed'), { status: 500 })
  api.failures.set(1, [dropped, httpError(404, 'Not Found')])
  const waits: number[] = []
  const p = plan([group(web, [1, 2])])
  const result = await executePlan(p, api, { ...quiet, sleep: async ms => void waits.push(ms) })
  expect(api.attempts).toEqual(['web#1', 'web#1', 'web#2'])
  expect(waits).toEqual([1000])
  expect(result).toMatchObject({ deleted: 2, skipped: 0, failed: 0 })
  expect(result.outcomes.get('container/web#1')!.detail).toMatch(/earlier attempt got no answer/)
  expectEveryVersionSettledOnce(p, result)
})

test('5xx answers are retried with backoff; out of retries, the version being gone still counts as deleted', async () => {
  const api = new FakeDeletionApi()
  api.failures.set(1, [httpError(502, 'Bad Gateway'), httpError(503, 'Service Unavailable')])
  api.failures.set(2, Array.from({ length: 4 }, () => httpError(502, 'Bad Gateway')))
  api.failures.set(3, Array.from({ length: 4 }, () => httpError(503, 'Service Unavailable')))
  api.stillThere.add(3)
  const waits: number[] = []
  const p = plan([group(web, [1]), group(web, [2]), group(web, [3])])
  const result = await executePlan(p, api, { ...quiet, sleep: async ms => void waits.push(ms) })
  expect(waits).toEqual([1000, 2000, 1000, 2000, 4000, 1000, 2000, 4000])
  // 2: every attempt failed, yet the version is gone (as when the last answer was lost after the DELETE was applied).
  expect(result).toMatchObject({ deleted: 2, failed: 1 })
  expect(result.outcomes.get('container/web#2')!.detail).toMatch(/no answer after 4 attempts, but the version is gone/)
  expect(result.outcomes.get('container/web#3')!.detail).toMatch(/^failed: HTTP 503: Service Unavailable \(4 attempts\)/)
  expectEveryVersionSettledOnce(p, result)
})

test('a 404 for a version still there is a permission failure, and the package is not attempted further', async () => {
  const api = new FakeDeletionApi()
  api.failures.set(1, [httpError(404, 'Not Found')])
  api.stillThere.add(1)
  const p = plan([group(web, [1]), group(web, [2]), group(lib, [10])])
  const result = await executePlan(p, api, quiet)
  expect(api.attempts).toEqual(['web#1', 'lib#10'])
  expect(result).toMatchObject({ deleted: 1, failed: 2 })
  expect(result.failures).toHaveLength(1)
  expect(result.failures[0]).toMatch(/cannot delete in this package.*not a classic personal access token.*GITHUB_TOKEN.*Admin/)
  expect(result.outcomes.get('container/web#2')!.detail).toMatch(/^not attempted/)
  expectEveryVersionSettledOnce(p, result)
})

test('the permission failure names the scope a classic PAT lacks (GitHub reports its scopes)', async () => {
  const api = new FakeDeletionApi()
  api.failures.set(1, [httpError(404, 'Package not found.', { 'x-oauth-scopes': 'read:packages', 'x-accepted-oauth-scopes': 'delete:packages, read:packages' })])
  api.stillThere.add(1)
  const p = plan([group(web, [1, 2, 3])])
  const result = await executePlan(p, api, quiet)
  expect(result).toMatchObject({ deleted: 0, failed: 3, skipped: 0 })
  expect(result.failures).toEqual([expect.stringMatching(/classic personal access token without the delete:packages scope \(it has: read:packages\)/)])
  expect(result.outcomes.get('container/web#2')!.detail).toMatch(/^not attempted: version 1 of its image was not deleted/)
})

test('a 403 on DELETE is a permission failure too', async () => {
  const api = new FakeDeletionApi()
  api.failures.set(1, [httpError(403, 'Resource not accessible by integration')])
  const result = await executePlan(plan([group(web, [1]), group(web, [2])]), api, quiet)
  expect(api.attempts).toEqual(['web#1'])
  expect(result).toMatchObject({ deleted: 0, failed: 2 })
  expect(result.failures[0]).toMatch(/DELETE answered 403.*Admin/)
})

test('other failures are counted, the rest of the group fails with them, and the run goes on', async () => {
  const api = new FakeDeletionApi()
  api.failures.set(1, [httpError(422, 'Unprocessable Entity')])
  const p = plan([group(web, [1, 2]), group(lib, [10])])
  const result = await executePlan(p, api, quiet)
  expect(result).toMatchObject({ deleted: 1, failed: 2, skipped: 0 })
  expect(api.deleted).toEqual(['lib#10'])
  expect(result.stoppedEarly).toBeUndefined()
  expectEveryVersionSettledOnce(p, result)
})

test('when the primary limit cannot cover the next group, it and the rest are deferred', async () => {
  const api = new FakeDeletionApi()
  api.rateLimit.remaining = 6
  const p = plan([group(web, [1, 2]), group(web, [3, 4]), group(lib, [10])])
  const result = await executePlan(p, api, { ...quiet, rateLimitReserve: 2 })
  // 6 left: group 1 (2 + reserve 2) fits, then 4 left: group 2 needs 4, fits; then 2 left: lib needs 3.
  expect(api.deleted).toEqual(['web#1', 'web#2', 'web#3', 'web#4'])
  expect(result).toMatchObject({ deleted: 4, deferred: 1 })
  expect(result.outcomes.get('npm/lib#10')!.detail).toMatch(/primary rate limit has 2 request/)
  expect(result.stoppedEarly).toMatch(/primary rate limit has 2 request/)
  expectEveryVersionSettledOnce(p, result)
})

test('a primary rate-limit answer mid-group defers the rest of the group and of the run', async () => {
  const api = new FakeDeletionApi()
  api.failures.set(2, [httpError(403, 'API rate limit exceeded for user ID 1.', { 'x-ratelimit-remaining': '0' })])
  const p = plan([group(web, [1, 2, 3]), group(lib, [10])])
  const result = await executePlan(p, api, quiet)
  expect(api.attempts).toEqual(['web#1', 'web#2'])
  expect(result).toMatchObject({ deleted: 1, deferred: 3, failed: 0 })
  expectEveryVersionSettledOnce(p, result)
})

test('a stop request (SIGTERM) defers what is left without breaking the current group', async () => {
  const api = new FakeDeletionApi()
  let stop = false
  const p = plan([group(web, [1, 2]), group(web, [3]), group(lib, [10])])
  const original = api.deleteVersion.bind(api)
  api.deleteVersion = async (pkg, id) => {
    await original(pkg, id)
    if (id === 2) stop = true
  }
  const result = await executePlan(p, api, { ...quiet, stopRequested: () => stop })
  expect(api.deleted).toEqual(['web#1', 'web#2'])
  expect(result).toMatchObject({ deleted: 2, deferred: 2, stoppedEarly: expect.stringMatching(/cancelled/) })
  expectEveryVersionSettledOnce(p, result)
})

test('a whole-package group is one DELETE of the package, counting every version', async () => {
  const api = new FakeDeletionApi()
  const p = plan([group(lib, [10, 11, 12], { wholePackage: true })])
  const result = await executePlan(p, api, quiet)
  expect(api.attempts).toEqual(['lib'])
  expect(result).toMatchObject({ deleted: 3, deletedPackages: ['npm/lib'] })
})

test('a refused whole-package DELETE leaves every version of the package with that one outcome', async () => {
  const api = new FakeDeletionApi()
  api.failures.set('package', [httpError(400, 'Publicly visible packages with more than 5000 downloads cannot be deleted. Contact GitHub support for further assistance.')])
  const p = plan([group(lib, [10, 11, 12], { wholePackage: true })])
  const result = await executePlan(p, api, quiet)
  expect(api.attempts).toEqual(['lib'])
  expect(result).toMatchObject({ deleted: 0, skipped: 3, deletedPackages: [] })
  for (const id of [10, 11, 12]) expect(result.outcomes.get(`npm/lib#${id}`)!.detail).toMatch(/^refused by GitHub: .*5000 downloads/)
  expectEveryVersionSettledOnce(p, result)
})

test('progress lines report count, rate and ETA', async () => {
  const api = new FakeDeletionApi()
  const lines: string[] = []
  let clock = 0
  const p = plan([group(lib, Array.from({ length: 120 }, (_, i) => i + 100))])
  api.deleteVersion = async () => {
    clock += 1000
  }
  await executePlan(p, api, { log: line => lines.push(line), now: () => clock })
  expect(lines[0]).toBe('Deleting: 10/120 (8%), 60.0/min, elapsed 10s, ETA 1m 50s')
  expect(lines.at(-1)).toMatch(/^Deleting: 120\/120 \(100%\)/)
})

test('a DELETE GitHub did not answer in time is not retried: the version decides, and the run stops with the rest deferred', async () => {
  const api = new FakeDeletionApi()
  api.failures.set(1, [new RestTimeoutError('DELETE', '/orgs/acme/packages/container/web/versions/1', 30_000, 1)])
  api.stillThere.add(1)
  const p = plan([group(web, [1, 2]), group(lib, [10])])
  const result = await executePlan(p, api, quiet)
  expect(api.attempts).toEqual(['web#1'])
  expect(result).toMatchObject({ deleted: 0, failed: 2, deferred: 1, stoppedEarly: 'GitHub did not answer a DELETE within 30 s' })
  expect(result.outcomes.get('container/web#1')!.detail).toBe('failed: GitHub did not answer DELETE /orgs/acme/packages/container/web/versions/1 within 30 s, once')
  expectEveryVersionSettledOnce(p, result)
})

describe('the run stopped (contract 1.2: cancellation, a wait too long)', () => {
  test('no DELETE after the stop, not even inside an image: the rest is deferred with the reason and the stop kind', async () => {
    const api = new FakeDeletionApi()
    const control = new RunControl()
    const original = api.deleteVersion.bind(api)
    api.deleteVersion = async (pkg, id) => {
      await original(pkg, id)
      if (id === 1) control.cancel('SIGINT')
    }
    const p = plan([group(web, [1, 2, 3]), group(lib, [10])])
    const result = await executePlan(p, api, { ...quiet, control })
    expect(api.attempts).toEqual(['web#1'])
    expect(result).toMatchObject({ deleted: 1, deferred: 3, stoppedEarly: 'the run was cancelled (SIGINT)', stopKind: 'cancelled' })
    expect(result.outcomes.get('container/web#2')!.detail).toBe('deferred: the run was cancelled (SIGINT)')
    expectEveryVersionSettledOnce(p, result)
  })

  test('a DELETE in flight when the run stops is awaited for the grace, then its outcome is unknown (deferred)', async () => {
    const api = new FakeDeletionApi()
    const control = new RunControl()
    api.deleteVersion = async () => {
      control.cancel('SIGTERM')
      await new Promise(() => undefined)
    }
    const p = plan([group(web, [1, 2])])
    const started = Date.now()
    const result = await executePlan(p, api, { ...quiet, control, inFlightGraceMs: 50 })
    expect(Date.now() - started).toBeLessThan(1_000)
    expect(result).toMatchObject({ deleted: 0, deferred: 2, stopKind: 'cancelled' })
    expect(result.outcomes.get('container/web#1')!.detail).toMatch(/^outcome unknown: the DELETE was sent before the run stopped and got no answer within 0\.05 s/)
  })

  test('a DELETE answered within the grace keeps its outcome', async () => {
    const api = new FakeDeletionApi()
    const control = new RunControl()
    const original = api.deleteVersion.bind(api)
    api.deleteVersion = async (pkg, id) => {
      control.cancel('SIGINT')
      await new Promise(resolve => setTimeout(resolve, 20))
      await original(pkg, id)
    }
    const result = await executePlan(plan([group(web, [1, 2])]), api, { ...quiet, control, inFlightGraceMs: 1_000 })
    expect(result).toMatchObject({ deleted: 1, deferred: 1 })
  })

  test('a wait too long stops the run with kind "wait" and when requests are allowed again', async () => {
    const api = new FakeDeletionApi()
    const control = new RunControl()
    api.deleteVersion = async () => {
      control.admitWait(86_400_000, "GitHub's secondary rate limit (DELETE /x)")
      throw control.signal.reason
    }
    const result = await executePlan(plan([group(web, [1, 2]), group(lib, [10])]), api, { ...quiet, control })
    expect(result).toMatchObject({ deleted: 0, failed: 0, deferred: 3, stopKind: 'wait', resumeAt: expect.stringMatching(/^\d{4}-/) })
    expect(result.stoppedEarly).toMatch(/asked to wait 24 h, longer than the 5 min a run waits/)
  })

  test('the primary limit: kind "rate-limit", resuming at its reset', async () => {
    const api = new FakeDeletionApi()
    api.rateLimit = Object.assign(api.rateLimit, { remaining: 1, snapshot: { reset: 1_800_000_000 } })
    const result = await executePlan(plan([group(web, [1, 2])]), api, quiet)
    expect(result).toMatchObject({ deferred: 2, stopKind: 'rate-limit', resumeAt: new Date(1_800_000_000_000).toISOString() })
  })
})
