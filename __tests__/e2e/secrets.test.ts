// End-to-end: no secret in anything a run writes. The GitHub token and every registry token the
// fake issued must not appear in stdout, stderr, the job summary, GITHUB_OUTPUT, the plan file or
// anything else under the run's directories — except in the `::add-mask::<secret>` command lines,
// which the runner consumes to mask the value. Checked over every kind of run: dry run,
// executing, refused tokens, invalid policy and inputs, restores, a registry whose token
// service fails or whose tokens expire.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { FakeGitHub, type FakePackageSeed } from '../fake/index.js'
import { multiArchImage, singleImage } from '../fake/images.js'
import { runAction, type ActionRun } from './run-action.js'
import { ACTIONS_TOKEN, PAT, READ_ONLY_PAT, TOKENS, daysAgo, npmVersion, world } from './world.js'

const POLICY = `version: 1
protect:
  tags: ["latest"]
rules:
  - name: stale-prs
    packages: { type: container, names: ["web"] }
    match: { tags: ["pr-*"], older-than: 7d }
  - name: untagged
    packages: { type: container, names: ["web"] }
    match: { untagged: true, older-than: 30d }
  - name: snapshots
    packages: { type: npm, names: ["lib"] }
    match: { versions: ["*-SNAPSHOT"] }
`
const POLICY_FILE = '.github/package-retention.yml'

function packages(): FakePackageSeed[] {
  const platforms = ['linux/amd64', 'linux/arm64']
  return [
    {
      owner: 'acme',
      package_type: 'container',
      name: 'web',
      visibility: 'private',
      versions: [
        ...multiArchImage({ tags: ['latest'], created_at: daysAgo(1), platforms, attestations: true }).versions,
        ...multiArchImage({ tags: ['pr-1'], created_at: daysAgo(40), platforms }).versions,
        ...multiArchImage({ tags: ['pr-2'], created_at: daysAgo(20), platforms }).versions,
        ...singleImage({ tags: [], created_at: daysAgo(60), salt: 'old' }).versions
      ]
    },
    { owner: 'acme', package_type: 'npm', name: 'lib', versions: [npmVersion('1.0.0', 90), npmVersion('1.1.0-SNAPSHOT', 50), npmVersion('1.2.0', 10)] }
  ]
}

let fake: FakeGitHub
afterEach(async () => {
  await fake?.stop()
})

async function start(extra: Parameters<typeof world>[1] = {}): Promise<FakeGitHub> {
  fake = await FakeGitHub.start(world(packages(), extra))
  return fake
}

function run(inputs: Record<string, string>, options: { files?: Record<string, string>; workDir?: string } = {}): Promise<ActionRun> {
  return runAction({
    apiUrl: fake.url,
    inputs: { token: PAT, 'registry-url': fake.url, 'max-deletes-per-minute': '180', ...inputs },
    files: options.files ?? { [POLICY_FILE]: POLICY },
    workDir: options.workDir
  })
}

/** Every file under a directory, recursively, with its text. */
function filesUnder(dir: string): { path: string; text: string }[] {
  return readdirSync(dir).flatMap(name => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? filesUnder(path) : [{ path, text: readFileSync(path, 'latin1') }]
  })
}

/** The forms a secret could leak in: as is, in an Authorization header (Basic), base64'd, percent-encoded, or cut short. */
function forms(secret: string): string[] {
  return [
    secret,
    Buffer.from(`package-retention:${secret}`).toString('base64'),
    Buffer.from(secret).toString('base64'),
    encodeURIComponent(secret),
    secret.slice(4, 24)
  ]
}

/**
 * Nothing the run wrote contains a secret: stdout (less the add-mask lines), stderr, and every
 * file under its directory (GITHUB_OUTPUT, the step summary, RUNNER_TEMP with the plan file
 * directory, the workspace). Returns what was searched, so a test can check it saw them.
 */
function expectNoSecrets(result: ActionRun, secrets: string[]): string[] {
  expect(secrets.length).toBeGreaterThan(0)
  const masks = new Set(secrets.map(s => `::add-mask::${s}`))
  const stdout = result.stdout
    .split('\n')
    .filter(line => !masks.has(line))
    .join('\n')
  const written = [{ path: 'stdout', text: stdout }, { path: 'stderr', text: result.stderr }, ...filesUnder(result.workDir)]
  for (const { path, text } of written) {
    for (const secret of secrets) {
      for (const form of forms(secret)) {
        if (text.includes(form)) throw new Error(`a secret (${form.slice(0, 6)}…) appears in ${path}`)
      }
    }
  }
  return written.map(w => w.path)
}

/** Every token the world knows, and every registry token the fake issued so far. */
function allSecrets(...extra: string[]): string[] {
  return [...TOKENS.map(t => t.token), ...fake.issuedRegistryTokens, ...extra]
}

function expectMasked(result: ActionRun, ...secrets: string[]): void {
  for (const secret of secrets) expect(result.stdout).toContain(`::add-mask::${secret}\n`)
}

test('a dry run reading manifests: the GitHub token and the registry tokens are masked and written nowhere', async () => {
  await start()
  const result = await run({})
  expect(result.exitCode).toBe(0)
  expect(fake.issuedRegistryTokens.length).toBeGreaterThan(0)
  expectMasked(result, PAT, ...fake.issuedRegistryTokens)
  const searched = expectNoSecrets(result, allSecrets())
  // It did look at the outputs, the summary and the plan file directory.
  expect(searched.some(p => p.endsWith('github-output'))).toBe(true)
  expect(searched.some(p => p.endsWith('step-summary'))).toBe(true)
  expect(searched.some(p => /runner-temp\/package-retention\/plan-.*\.json$/.test(p))).toBe(true)
  expect(result.summary).toContain('Dry run')
})

test('an executing run: no secret in its log, outputs, summary or plan file', async () => {
  await start()
  const result = await run({ 'dry-run': 'false' })
  expect(result.exitCode).toBe(0)
  expect(Number(result.outputs['deleted-count'])).toBeGreaterThan(0)
  expectMasked(result, PAT, ...fake.issuedRegistryTokens)
  expectNoSecrets(result, allSecrets())
})

test('registry tokens that expire at once: each fresh one is masked too', async () => {
  await start({ registry: { tokenTtlSeconds: 0 } })
  const result = await run({})
  // Manifests cannot be read with tokens that are never valid: the package is left untouched, with a warning.
  expect(result.exitCode).toBe(0)
  expect(result.stdout).toMatch(/::warning::left untouched/)
  expect(fake.issuedRegistryTokens.length).toBeGreaterThan(1)
  expectMasked(result, ...fake.issuedRegistryTokens)
  expectNoSecrets(result, allSecrets())
})

test('registry token requests that fail (5xx then retried, or refused): no secret in the warnings', async () => {
  await start()
  fake.failNext({ method: 'GET', pathIncludes: '/token', status: 503, times: 2 })
  const retried = await run({ 'dry-run': 'false' })
  expect(retried.exitCode).toBe(0)
  expect(fake.requests.filter(r => r.path === '/token' && r.status === 503)).toHaveLength(2)
  expectMasked(retried, ...fake.issuedRegistryTokens)
  expectNoSecrets(retried, allSecrets())

  await fake.stop()
  await start()
  fake.failNext({ method: 'GET', pathIncludes: '/token', status: 403, message: 'denied', times: 1000 })
  const refused = await run({ 'dry-run': 'false' })
  // Refused for the only container package: the registry is usable for none, an authentication failure (contract 1.1).
  expect(refused.exitCode).toBe(1)
  expect(refused.stdout).toMatch(/::error::Authentication to the container registry .* failed for every container package/)
  expect(fake.mutations()).toEqual([])
  expectNoSecrets(refused, allSecrets())
})

test('tokens GitHub refuses: an unknown token, a token without read:packages, a read-only token deleting', async () => {
  const unknown = 'ghp_notKnownToTheFake000000000000000000'
  const noScopes = 'ghp_noScopesAtAll0000000000000000000000'
  await start({ tokens: [...TOKENS, { token: noScopes, kind: 'pat', login: 'reader', scopes: ['repo'] }] })
  const bad = await run({ token: unknown })
  expect(bad.exitCode).toBe(1)
  expect(bad.stdout).toMatch(/::error::GitHub rejected the token/)
  expectMasked(bad, unknown)
  expectNoSecrets(bad, allSecrets(unknown, noScopes))

  const scopeless = await run({ token: noScopes })
  expect(scopeless.exitCode).toBe(1)
  expect(scopeless.stdout).toMatch(/::error::.*read:packages/)
  expectNoSecrets(scopeless, allSecrets(unknown, noScopes))

  const readOnly = await run({ token: READ_ONLY_PAT, 'dry-run': 'false' })
  expect(readOnly.exitCode).toBe(1)
  expect(Number(readOnly.outputs['failed-count'])).toBeGreaterThan(0)
  expectNoSecrets(readOnly, allSecrets(unknown, noScopes))
})

test('the Actions GITHUB_TOKEN, deleting where it may and refused where it may not', async () => {
  await start()
  const result = await run({ token: ACTIONS_TOKEN, 'dry-run': 'false' })
  // It has Admin on web only: lib's deletion is refused (a failure naming the permission).
  expect(result.exitCode).toBe(1)
  expectMasked(result, ACTIONS_TOKEN)
  expectNoSecrets(result, allSecrets())
})

test('an invalid policy and invalid inputs: the token is masked and written nowhere', async () => {
  await start()
  const invalidPolicy = await run({}, { files: { [POLICY_FILE]: POLICY.replace('older-than: 7d', 'older-than: 7 days') } })
  expect(invalidPolicy.exitCode).toBe(1)
  expect(invalidPolicy.stdout).toContain('::error title=Invalid retention policy,file=.github/package-retention.yml,line=7')
  expectMasked(invalidPolicy, PAT)
  expectNoSecrets(invalidPolicy, allSecrets())

  const invalidInputs = await run({ 'dry-run': 'maybe', 'max-deletions': '-3' })
  expect(invalidInputs.exitCode).toBe(1)
  expectMasked(invalidInputs, PAT)
  expectNoSecrets(invalidInputs, allSecrets())
  expect(fake.requests).toHaveLength(0)
})

test('restores (a dry run, then restoring), and a restore from a damaged plan file', async () => {
  await start()
  const deleting = await run({ 'dry-run': 'false' })
  expect(deleting.exitCode).toBe(0)
  const planPath = deleting.outputs['plan-path']
  const preview = await run({ 'restore-from': planPath }, { workDir: deleting.workDir })
  expect(preview.exitCode).toBe(0)
  expectNoSecrets(preview, allSecrets())
  const restoring = await run({ 'restore-from': planPath, 'dry-run': 'false' }, { workDir: deleting.workDir })
  expect(restoring.exitCode).toBe(0)
  expect(restoring.summary).toContain('restored')
  expectMasked(restoring, PAT)
  expectNoSecrets(restoring, allSecrets())

  const damaged = join(deleting.workDir, 'damaged.json')
  writeFileSync(damaged, '{"format": "package-retention/plan", "formatVersion": 1, "packages": [{"key": "npm/lib"')
  const corrupt = await run({ 'restore-from': damaged, 'dry-run': 'false' }, { workDir: deleting.workDir })
  expect(corrupt.exitCode).toBe(1)
  expect(corrupt.stdout).toMatch(/::error::restore-from: '.*damaged\.json' is not JSON/)
  expectNoSecrets(corrupt, allSecrets())
})
