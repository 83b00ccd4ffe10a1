// End-to-end: the container registry misbehaving, with the bundled action against the fake.
// A registry that hangs or trickles fails its package closed in bounded time (90 s) with a
// message saying the registry did not answer in time; a manifest announced (or streamed) as
// 1.5 GB is refused without being held in memory; a token service that refuses or fails for
// every container package fails the run as an authentication failure, while one package
// refused among working ones only leaves that package untouched.
import { readFileSync } from 'node:fs'
import { FakeGitHub, type ScriptedFault } from '../fake/index.js'
import { runAction, type ActionRun, type RunOptions } from './run-action.js'
import { PAT, containerVersion, world } from './world.js'

const POLICY = `version: 1
rules:
  - name: stale-prs
    packages: { type: container, names: ["web", "api"] }
    match: { tags: ["pr-*"], older-than: 7d }
`

/** web and api, each with a `latest` and old pull-request images the policy deletes. */
function packages() {
  return [
    {
      owner: 'acme',
      package_type: 'container' as const,
      name: 'web',
      versions: [containerVersion('web-latest', ['latest'], 1), containerVersion('web-pr-1', ['pr-1'], 30), containerVersion('web-pr-2', ['pr-2'], 20)]
    },
    {
      owner: 'acme',
      package_type: 'container' as const,
      name: 'api',
      versions: [containerVersion('api-latest', ['latest'], 1), containerVersion('api-pr-7', ['pr-7'], 30)]
    }
  ]
}

async function withFake(faults: ScriptedFault[], fn: (fake: FakeGitHub) => Promise<void>): Promise<void> {
  const fake = await FakeGitHub.start(world(packages()))
  for (const fault of faults) fake.failNext(fault)
  try {
    await fn(fake)
  } finally {
    await fake.stop()
  }
}

interface TimedRun extends ActionRun {
  elapsedMs: number
  /** The child's peak resident memory (VmHWM), sampled from /proc while it runs. */
  peakRssBytes: number
}

async function run(fake: FakeGitHub, options: Partial<RunOptions> = {}): Promise<TimedRun> {
  let peakRssBytes = 0
  let sampler: NodeJS.Timeout | undefined
  const started = Date.now()
  const result = await runAction({
    apiUrl: fake.url,
    inputs: { token: PAT, policy: POLICY, 'dry-run': 'false', 'max-deletes-per-minute': '180', 'registry-url': fake.url },
    // Past the 90 s the contract allows, so a hanging run fails the assertion rather than the test's timeout.
    timeoutMs: 100_000,
    onStart: child => {
      sampler = setInterval(() => {
        try {
          const peak = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))
          if (peak) peakRssBytes = Math.max(peakRssBytes, Number(peak[1]) * 1024)
        } catch {
          // The child has exited.
        }
      }, 25)
    },
    ...options
  })
  clearInterval(sampler)
  return { ...result, elapsedMs: Date.now() - started, peakRssBytes }
}

const warnings = (r: ActionRun): string[] => [...r.stdout.matchAll(/^::warning::(.*)$/gm)].map(m => m[1])
const present = (fake: FakeGitHub, name: string): string[] => fake.versions('acme', 'container', name).flatMap(v => v.tags).sort()

/** web left untouched for `reason`, api cleaned up as planned, the run green. */
function expectWebFailedClosed(result: ActionRun, fake: FakeGitHub, reason: RegExp): void {
  expect(result.exitCode).toBe(0)
  const untouched = warnings(result).filter(w => /of container\/web could not be read/.test(w))
  expect(untouched).toHaveLength(1)
  expect(untouched[0]).toMatch(reason)
  expect(untouched[0]).toMatch(/nothing in this package is deleted/)
  expect(present(fake, 'web')).toEqual(['latest', 'pr-1', 'pr-2'])
  expect(present(fake, 'api')).toEqual(['latest'])
  expect(result.outputs).toMatchObject({ 'deleted-count': '1', 'failed-count': '0' })
}

// The three slow cases (each waits out the registry) run side by side.
describe('a registry that does not answer fails its package closed within 90 s', () => {
  const TIMED_OUT = /the registry 127\.0\.0\.1:\d+ did not answer GET \/v2\/acme\/web\/manifests\/\S+ in time \(\d attempt\(s\) of at most 20 s each, 60 s in all\)/

  test.concurrent(
    'a registry that never answers',
    () =>
      withFake([{ pathIncludes: '/v2/acme/web/manifests/', hang: true, times: 1000 }], async fake => {
        const result = await run(fake)
        expect(result.signal).toBeNull()
        expect(result.elapsedMs).toBeLessThan(90_000)
        expectWebFailedClosed(result, fake, TIMED_OUT)
      }),
    120_000
  )

  test.concurrent(
    'a registry that trickles its answers a byte a second',
    () =>
      withFake([{ pathIncludes: '/v2/acme/web/manifests/', trickleMs: 1000, times: 1000 }], async fake => {
        const result = await run(fake)
        expect(result.signal).toBeNull()
        expect(result.elapsedMs).toBeLessThan(90_000)
        expectWebFailedClosed(result, fake, TIMED_OUT)
        // The trickled answers did start: this is a slow body, not a hang before the headers.
        expect(fake.registryRequests().filter(r => r.injected && r.path.startsWith('/v2/acme/web/')).length).toBeGreaterThan(0)
      }),
    120_000
  )

  test.concurrent(
    'manifests of 1.5 GB, announced or streamed: refused unread, the action stays under 400 MB',
    () =>
      withFake(
        [
          { pathIncludes: '/v2/acme/web/manifests/', hugeBody: { bytes: 1.5e9, announce: true }, times: 1000 },
          { pathIncludes: '/v2/acme/api/manifests/', hugeBody: { bytes: 1.5e9, announce: false }, times: 1000 }
        ],
        async fake => {
          const result = await run(fake)
          expect(result.signal).toBeNull()
          // Both packages are left untouched, so the run could plan nothing: contract 1.1 fails it.
          expect(result.exitCode).toBe(1)
          expect(result.stdout).toMatch(/::error::Every package was left untouched for safety/)
          expect(result.peakRssBytes).toBeGreaterThan(0)
          expect(result.peakRssBytes).toBeLessThan(400 * 1024 * 1024)
          const untouched = warnings(result)
          expect(untouched).toHaveLength(2)
          expect(untouched).toEqual(
            expect.arrayContaining([
              expect.stringMatching(/of container\/web could not be read \(.*with a body that announces 1\.5 GB; the limit is 4\.0 MiB, so it was not read/),
              expect.stringMatching(/of container\/api could not be read \(.*with a body that sent more than 4\.0 MiB; the limit is 4\.0 MiB, so it was not read/)
            ])
          )
          expect(present(fake, 'web')).toEqual(['latest', 'pr-1', 'pr-2'])
          expect(present(fake, 'api')).toEqual(['latest', 'pr-7'])
          expect(result.outputs).toMatchObject({ 'planned-count': '0', 'deleted-count': '0', 'failed-count': '0' })
          // Measured figure, for the report and docs.
          console.log(`peak RSS with 1.5 GB manifests: ${Math.round(result.peakRssBytes / 1024 / 1024)} MB, ${result.elapsedMs} ms`)
        }
      ),
    120_000
  )
})

describe('a registry that lets the run read no package fails the run as an authentication failure', () => {
  test.concurrent.each([
    ['refuses (403 DENIED)', 403, /its token service answered 403 DENIED/],
    ['fails (503 on every retry)', 503, /the token service of 127\.0\.0\.1:\d+ answered HTTP 503 after 5 attempts/]
  ])(
    'a token service that %s for every container package',
    (_what, status, reason) =>
      withFake([{ pathIncludes: '/token', status, times: 1000 }], async fake => {
        const result = await run(fake)
        expect(result.exitCode).toBe(1)
        const failure = /^::error::(.*)$/m.exec(result.stdout)?.[1] ?? ''
        expect(failure).toMatch(
          /^Authentication to the container registry 127\.0\.0\.1:\d+ failed for every container package \(2\), so no image could be judged and nothing was deleted\. /
        )
        expect(failure).toMatch(/acme\/web: /)
        expect(failure).toMatch(/acme\/api: /)
        expect(failure).toMatch(reason)
        expect(failure).toMatch(/What to do: give the `token` input pull access to the packages .* a classic personal access token needs read:packages/)
        expect(result.summary).toContain('The run failed')
        expect(fake.mutations()).toEqual([])
      }),
    60_000
  )

  test.concurrent('one package refused while the other reads: only that package is left untouched, the run goes on', () =>
    // The first token request refused, whichever package asked first; the other gets its token.
    withFake([{ pathIncludes: '/token', status: 403, times: 1 }], async fake => {
      const result = await run(fake)
      expect(result.exitCode).toBe(0)
      const untouched = warnings(result)
      expect(untouched).toHaveLength(1)
      expect(untouched[0]).toMatch(/^left untouched: .* of container\/(web|api) could not be read \(.*its token service answered 403 DENIED/)
      const refused = /container\/(web|api)/.exec(untouched[0])![1]
      const other = refused === 'web' ? 'api' : 'web'
      expect(present(fake, refused)).toEqual(refused === 'web' ? ['latest', 'pr-1', 'pr-2'] : ['latest', 'pr-7'])
      expect(present(fake, other)).toEqual(['latest'])
      expect(result.outputs['failed-count']).toBe('0')
    })
  )
})
