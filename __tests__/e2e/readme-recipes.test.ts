// End-to-end: the README's recipes, read from README.md itself (so the README cannot drift from what
// works), run through dist/index.js against the fake with images tagged as docker/metadata-action
// tags them: `pr-N` and `main` on the newest build, `1.4.2` and `1.4` on a release, and a commit
// tag `sha-<7>` on every build.
import { FakeGitHub, cosignSignature, multiArchImage, type FakePackageSeed } from '../fake/index.js'
import { EXPRESSION_VALUES, actionSteps, inlinePolicy, policyBlocks, workflow } from '../docs/readme.js'
import { runAction, type ActionRun } from './run-action.js'
import { PAT, containerVersion, daysAgo, digest, npmVersion, world } from './world.js'

const GITHUB_TOKEN = 'ghs_readmeRecipesActionsToken0000000000'

let fake: FakeGitHub
afterEach(async () => {
  await fake?.stop()
})

async function start(packages: FakePackageSeed[], adminOn: string[]): Promise<void> {
  fake = await FakeGitHub.start(world(packages, { tokens: [...world([]).tokens, { token: GITHUB_TOKEN, kind: 'github-token', owner: 'acme', adminOn }] }))
}

/** Runs a README workflow's action step with its `with:` inputs as written, pointed at the fake. */
function runStep(file: string, overrides: Record<string, string> = {}, files?: Record<string, string>): Promise<ActionRun> {
  const step = actionSteps(workflow(file))[0]
  const inputs: Record<string, string> = {}
  for (const [name, value] of Object.entries(step.with ?? {})) {
    if (name === 'policy') inputs.policy = inlinePolicy(step, EXPRESSION_VALUES) ?? String(value)
    else if (name === 'token') inputs.token = PAT // the recipe's secrets.PACKAGES_PAT: a classic PAT
    else inputs[name] = String(value)
  }
  inputs.token ??= GITHUB_TOKEN // the input's default, ${{ github.token }}
  return runAction({ apiUrl: fake.url, inputs: { ...inputs, 'registry-url': fake.url, 'max-deletes-per-minute': '180', ...overrides }, files })
}

const active = (type: string, name: string): string[] =>
  fake
    .versions('acme', type, name)
    .map(v => v.name)
    .sort()

const reasonOf = (run: ActionRun, name: string): string | undefined => run.planFile?.packages.flatMap(p => p.versions).find(v => v.name === name)?.reason

test("PR close (recipe 2): the closed pull request's image goes whole, commit tag and all; main builds, other PRs and a promoted build stay", async () => {
  const closed = multiArchImage({ tags: ['pr-42', 'sha-8826c28'], created_at: daysAgo(2), platforms: ['linux/amd64', 'linux/arm64'], attestations: true, salt: 'pr-42' })
  const signature = cosignSignature(closed, 'sig', daysAgo(2))
  await start(
    [
      {
        owner: 'acme',
        package_type: 'container',
        name: 'web',
        versions: [
          ...closed.versions,
          ...signature.versions,
          containerVersion('web-pr-42-earlier', ['sha-1234567'], 4), // pr-42 moved on to the newer build
          containerVersion('web-pr-420', ['pr-420', 'sha-aaaaaaa'], 3),
          containerVersion('web-main', ['main', 'sha-bbbbbbb'], 1),
          containerVersion('web-main-earlier', ['sha-ccccccc'], 5)
        ]
      },
      {
        owner: 'acme',
        package_type: 'container',
        name: 'api',
        versions: [containerVersion('api-pr-42-promoted', ['pr-42', 'sha-ddddddd', 'latest'], 2), containerVersion('api-main', ['main', 'sha-eeeeeee'], 1)]
      }
    ],
    ['acme/container/web', 'acme/container/api']
  )
  const before = { web: active('container', 'web'), api: active('container', 'api') }

  const result = await runStep('.github/workflows/prune-pr-images.yml')

  expect(result.stderr).toBe('')
  expect(result.exitCode).toBe(0)
  const gone = [...closed.versions, ...signature.versions].map(v => v.name).sort()
  expect(result.outputs).toMatchObject({ 'planned-count': String(gone.length), 'deleted-count': String(gone.length), 'failed-count': '0' })
  expect(active('container', 'web')).toEqual(before.web.filter(name => !gone.includes(name)))
  expect(active('container', 'api')).toEqual(before.api)
  expect(reasonOf(result, digest('api-pr-42-promoted'))).toMatch(/^kept: also tagged latest/)
  expect(reasonOf(result, digest('web-pr-42-earlier'))).not.toMatch(/^delete/)
  expect(result.summary).toContain('✅')
  expect(result.summary).not.toMatch(/⚠️|❌/)
})

test('nightly sweep (quick start): superseded commit-only builds beyond the 5 newest, old releases but the newest of each minor line, untagged builds', async () => {
  const untagged = multiArchImage({ tags: [], created_at: daysAgo(10), platforms: ['linux/amd64', 'linux/arm64'], attestations: true, salt: 'web-untagged' })
  const sha = (i: number): string => `sha-${String(i).padStart(7, '0')}`
  await start(
    [
      {
        owner: 'acme',
        package_type: 'container',
        name: 'web',
        versions: [
          containerVersion('main', ['latest', 'main', sha(0)], 1),
          ...Array.from({ length: 8 }, (_, i) => containerVersion(`superseded-${i + 1}`, [sha(i + 1)], 15 + i * 5)),
          containerVersion('1.4.2', ['1.4.2', '1.4', sha(20)], 100),
          containerVersion('1.4.1', ['1.4.1', sha(21)], 120),
          containerVersion('1.4.0', ['1.4.0', sha(22)], 130),
          containerVersion('1.3.5', ['1.3.5', '1.3', sha(23)], 200),
          containerVersion('1.3.4', ['1.3.4', sha(24)], 210),
          containerVersion('1.3.3-prod', ['1.3.3', 'prod', sha(25)], 220), // another tag: not in the release series
          ...untagged.versions
        ]
      },
      { owner: 'acme', package_type: 'container', name: 'api', versions: [containerVersion('api-main', ['latest', 'main', sha(30)], 1)] }
    ],
    ['acme/container/web', 'acme/container/api']
  )
  const policy = policyBlocks().find(p => p.file === '.github/package-retention.yml')!.block.text
  const files = { '.github/package-retention.yml': policy }

  const dryRun = await runStep('.github/workflows/package-retention.yml', {}, files)
  expect(dryRun.stderr).toBe('')
  expect(dryRun.exitCode).toBe(0)
  expect(fake.mutations()).toEqual([])

  // Step 4 of the quick start: the summaries look right, dry-run: false.
  const result = await runStep('.github/workflows/package-retention.yml', { 'dry-run': 'false' }, files)
  expect(result.exitCode).toBe(0)
  const deleted = [
    ...['superseded-6', 'superseded-7', 'superseded-8', '1.4.1', '1.4.0', '1.3.4'].map(digest),
    ...untagged.versions.map(v => v.name)
  ].sort()
  expect(result.outputs).toMatchObject({ 'planned-count': dryRun.outputs['planned-count'], 'deleted-count': String(deleted.length), 'failed-count': '0' })
  expect(active('container', 'web')).toEqual(
    ['main', 'superseded-1', 'superseded-2', 'superseded-3', 'superseded-4', 'superseded-5', '1.4.2', '1.3.5', '1.3.3-prod'].map(digest).sort()
  )
  expect(reasonOf(result, digest('1.3.3-prod'))).toMatch(/^kept: also tagged (.*, )?prod\b/)
})

test('npm release lines (recipe 3): the two newest patches of each minor line and the three newest prereleases stay, as the README says', async () => {
  const names = ['1.0.0', '1.0.1', '1.0.2', '1.0.3', '1.0.4', '1.1.0', '1.1.1', '1.1.2', '2.0.0-rc.1', '2.0.0-rc.2', '2.0.0-rc.3', '2.0.0-rc.4', '2.0.0-rc.5']
  await start([{ owner: 'acme', package_type: 'npm', name: 'ui-kit', versions: names.map((name, i) => npmVersion(name, 300 - i * 20)) }], ['acme/npm/ui-kit'])

  const result = await runStep('.github/workflows/npm-retention.yml')

  expect(result.exitCode).toBe(0)
  expect(active('npm', 'ui-kit')).toEqual(['1.0.3', '1.0.4', '1.1.1', '1.1.2', '2.0.0-rc.3', '2.0.0-rc.4', '2.0.0-rc.5'])
  expect(reasonOf(result, '1.1.2')).toBe("kept: 1st newest of 1.1.x in series 'ui-kit-release-lines'")
})

test('organization-wide sweep (recipe 4): a classic PAT lists every package, "**" reaches team/tools, "!legacy/**" is left alone', async () => {
  const oldUntagged = (label: string) => containerVersion(label, [], 40)
  await start(
    [
      { owner: 'acme', package_type: 'container', name: 'web', versions: [containerVersion('web-latest', ['latest'], 1), oldUntagged('web-old')] },
      { owner: 'acme', package_type: 'container', name: 'team/tools', versions: [containerVersion('tools-latest', ['latest'], 1), oldUntagged('tools-old')] },
      { owner: 'acme', package_type: 'container', name: 'legacy/app', versions: [containerVersion('legacy-latest', ['latest'], 1), oldUntagged('legacy-old')] }
    ],
    []
  )

  const result = await runStep('.github/workflows/org-package-retention.yml')

  expect(result.exitCode).toBe(0)
  expect(result.outputs).toMatchObject({ 'deleted-count': '2', 'failed-count': '0' })
  expect(active('container', 'web')).toEqual([digest('web-latest')])
  expect(active('container', 'team/tools')).toEqual([digest('tools-latest')])
  expect(active('container', 'legacy/app')).toEqual([digest('legacy-latest'), digest('legacy-old')].sort())
})
