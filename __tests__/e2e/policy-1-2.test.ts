// End-to-end: the policy keys and rules of contract 1.2 through the bundled action against the fake —
// companion tags (match.with-tags) for images built by docker/metadata-action (pr-42 + sha-<7>),
// the release line named in "beyond the N newest", and globs that look like regular expressions.
import { FakeGitHub, type FakePackageSeed } from '../fake/index.js'
import { multiArchImage, type BuiltImage } from '../fake/images.js'
import { runAction, type ActionRun } from './run-action.js'
import { ACTIONS_TOKEN, PAT, daysAgo, world } from './world.js'

let fake: FakeGitHub
afterEach(async () => {
  await fake?.stop()
})

function run(policy: string, inputs: Record<string, string> = {}, files?: Record<string, string>): Promise<ActionRun> {
  return runAction({
    apiUrl: fake.url,
    inputs: { token: PAT, policy, 'registry-url': fake.url, 'max-deletes-per-minute': '180', 'dry-run': 'false', ...inputs },
    files
  })
}

const active = (name: string): string[] =>
  fake
    .versions('acme', 'container', name)
    .map(v => v.name!)
    .sort()

function planned(result: ActionRun, name: string): { decision: string; reason: string; rule?: string } {
  const version = result.planFile!.packages.flatMap(p => p.versions).find(v => v.name === name)
  if (!version) throw new Error(`${name} is not in the plan`)
  return version
}

/** A multi-arch image as docker/build-push-action pushes it: index, 2 platforms, 2 attestations. */
const image = (tags: string[], age: number, salt: string): BuiltImage =>
  multiArchImage({ tags, created_at: daysAgo(age), platforms: ['linux/amd64', 'linux/arm64'], attestations: true, salt })

const namesOf = (...images: BuiltImage[]): string[] => images.flatMap(i => i.versions.map(v => v.name!))

test('PR close with docker/metadata-action tags: with-tags takes the PR image and its commit tag, nothing of main', async () => {
  // type=ref,event=pr gives pr-42 (it moves to the PR's newest build); type=sha gives sha-<7> to every build.
  const prHead = image(['pr-42', 'sha-8826c28'], 2, 'pr-head')
  const prEarlier = image(['sha-1234567'], 3, 'pr-earlier')
  const promoted = image(['pr-42', 'sha-77aa001', 'latest'], 4, 'promoted')
  const otherPr = image(['pr-43', 'sha-4300000'], 2, 'pr-43')
  const main = image(['main', 'sha-0c0ffee'], 1, 'main')
  const web: FakePackageSeed = { owner: 'acme', package_type: 'container', name: 'web', versions: [prHead, prEarlier, promoted, otherPr, main].flatMap(i => i.versions) }
  fake = await FakeGitHub.start(world([web]))
  // The README's PR-close job, with the PR number filled in, run with the GITHUB_TOKEN.
  const result = await run(
    `version: 1
rules:
  - name: pr-42-previews
    packages:
      type: container
      names: ["web"]
    match:
      tags: ["pr-42"]
      with-tags: ["sha-*"]
`,
    { token: ACTIONS_TOKEN }
  )
  expect(result.stderr).toBe('')
  expect(result.exitCode).toBe(0)
  // The PR's image with its 2 platforms and 2 attestations.
  expect(result.outputs).toMatchObject({ 'planned-count': '5', 'deleted-count': '5', 'failed-count': '0' })
  const gone = new Set(namesOf(prHead))
  expect(active('web')).toEqual(web.versions.map(v => v.name!).filter(n => !gone.has(n)).sort())
  expect(fake.brokenImages()).toEqual([])
  expect(planned(result, prHead.digest).reason).toBe("delete: tags 'pr-42', 'sha-8826c28' match rule 'pr-42-previews', 2 days old")
  expect(planned(result, promoted.digest).reason).toBe("kept: also tagged latest (rule 'pr-42-previews' takes a version only when every tag matches)")
  expect(planned(result, prEarlier.digest).reason).toBe('kept: not selected by any rule')
  expect(planned(result, main.digest).reason).toBe('kept: not selected by any rule')
})

test('without with-tags the commit tag keeps the PR image, and its reason says which key to add', async () => {
  const prHead = image(['pr-42', 'sha-8826c28'], 2, 'pr-head')
  fake = await FakeGitHub.start(world([{ owner: 'acme', package_type: 'container', name: 'web', versions: prHead.versions }]))
  const result = await run(`version: 1
rules:
  - name: pr-42-previews
    packages: { type: container, names: ["web"] }
    match: { tags: ["pr-42"] }
`)
  expect(result.exitCode).toBe(0)
  expect(result.outputs).toMatchObject({ 'planned-count': '0', 'deleted-count': '0' })
  expect(planned(result, prHead.digest).reason).toBe(
    'kept: also tagged sha-8826c28 (rule \'pr-42-previews\' takes a version only when every tag matches; to take builds that also carry sha-* tags, such as commit tags, add with-tags: ["sha-*"] to it)'
  )
})

test('releases tagged 1.4.2 + sha-<7>: tags ["*.*.*"] with with-tags keeps the 2 newest of each minor line, says of which line, and leaves main builds', async () => {
  const r140 = image(['1.4.0', 'sha-1400000'], 60, 'a')
  const r141 = image(['1.4.1', 'sha-1410000'], 50, 'b')
  const r142 = image(['1.4.2', 'sha-1420000'], 40, 'c')
  const r150 = image(['1.5.0', 'sha-1500000', 'latest'], 30, 'd')
  const mainOld = image(['sha-0000001'], 70, 'e')
  const web: FakePackageSeed = { owner: 'acme', package_type: 'container', name: 'web', versions: [r140, r141, r142, r150, mainOld].flatMap(i => i.versions) }
  fake = await FakeGitHub.start(world([web]))
  const result = await run(`version: 1
rules:
  - name: release-lines
    packages: { type: container, names: ["web"] }
    match:
      tags: ["*.*.*"]
      with-tags: ["sha-*"]
    keep: { latest: 2, per: minor }
`)
  expect(result.exitCode).toBe(0)
  expect(result.outputs).toMatchObject({ 'deleted-count': '5', 'failed-count': '0' })
  const gone = new Set(namesOf(r140))
  expect(active('web')).toEqual(web.versions.map(v => v.name!).filter(n => !gone.has(n)).sort())
  expect(planned(result, r140.digest).reason).toBe("delete: tags '1.4.0', 'sha-1400000' match rule 'release-lines', 60 days old, beyond the 2 newest of 1.4.x")
  expect(planned(result, r150.digest).reason).toBe("kept: also tagged latest (rule 'release-lines' takes a version only when every tag matches)")
  expect(planned(result, mainOld.digest).reason).toBe('kept: not selected by any rule')
})

test('a glob written as a regular expression is a warning on the file at its line and column; the run goes on', async () => {
  const pr = image(['pr-7'], 20, 'pr')
  const main = image(['main'], 1, 'main')
  fake = await FakeGitHub.start(world([{ owner: 'acme', package_type: 'container', name: 'web', versions: [...pr.versions, ...main.versions] }]))
  const policy = `version: 1
rules:
  - name: previews
    packages: { type: container, names: ["web"] }
    match:
      tags: ["pr-*", "^pr-\\\\d+$"]
      older-than: 14d
`
  const result = await run('.github/package-retention.yml', {}, { '.github/package-retention.yml': policy })
  expect(result.exitCode).toBe(0)
  expect(result.stdout).toContain(
    `::warning title=Retention policy,file=.github/package-retention.yml,line=6,col=22::rules[0].match.tags[1]: '^pr-\\d+$' looks like a regular expression (it starts with "^")`
  )
  expect(result.stdout).toMatch(/did you mean 'pr-\*'\?/)
  expect(result.outputs['deleted-count']).toBe('5')
  expect(active('web')).toEqual(namesOf(main).sort())
})
