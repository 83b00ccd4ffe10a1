// End-to-end: the policy keys and tag rules of contract 1.1 through the bundled action against the
// fake — the user stories of semver (npm prereleases, Maven minor lines, containers per major),
// the promoted PR build that keeps `latest`, and the protect.tags warning.
import { FakeGitHub, type FakePackageSeed } from '../fake/index.js'
import { multiArchImage, type BuiltImage } from '../fake/images.js'
import { runAction, type ActionRun } from './run-action.js'
import { ACTIONS_TOKEN, PAT, containerVersion, daysAgo, digest, npmVersion, world } from './world.js'

let fake: FakeGitHub
afterEach(async () => {
  await fake?.stop()
})

async function start(packages: FakePackageSeed[]): Promise<FakeGitHub> {
  fake = await FakeGitHub.start(world(packages))
  return fake
}

function run(policy: string, inputs: Record<string, string> = {}, files?: Record<string, string>): Promise<ActionRun> {
  return runAction({
    apiUrl: fake.url,
    inputs: { token: PAT, policy, 'registry-url': fake.url, 'max-deletes-per-minute': '180', 'dry-run': 'false', ...inputs },
    files
  })
}

const active = (type: string, name: string): string[] =>
  fake
    .versions('acme', type, name)
    .map(v => v.name)
    .sort()

function planned(result: ActionRun, name: string): { decision: string; reason: string; rule?: string } {
  const version = result.planFile!.packages.flatMap(p => p.versions).find(v => v.name === name)
  if (!version) throw new Error(`${name} is not in the plan`)
  return version
}

const versionSeeds = (entries: [string, number][]): FakePackageSeed['versions'] => entries.map(([name, age]) => npmVersion(name, age))

test('npm: prereleases older than 30 days go, the 3 newest prereleases and every release stay', async () => {
  await start([
    {
      owner: 'acme',
      package_type: 'npm',
      name: 'sdk',
      versions: versionSeeds([
        ['1.0.0-rc.1', 120],
        ['1.0.0', 110],
        ['1.1.0-beta.1', 90],
        ['1.1.0-beta.2', 80],
        ['1.1.0', 75],
        ['2.0.0-alpha.1', 60],
        ['2.0.0-rc.1', 50],
        ['2.0.0-rc.2', 40],
        ['2.0.0', 35],
        ['2.1.0-rc.1', 5]
      ])
    }
  ])
  const result = await run(`version: 1
rules:
  - name: old-prereleases
    packages: { type: npm, names: ["sdk"] }
    match: { prerelease: true, older-than: 30d }
    keep: { latest: 3 }
`)
  expect(result.stderr).toBe('')
  expect(result.exitCode).toBe(0)
  expect(result.outputs).toMatchObject({ 'planned-count': '4', 'deleted-count': '4', 'failed-count': '0' })
  expect(active('npm', 'sdk')).toEqual(['1.0.0', '1.1.0', '2.0.0', '2.0.0-rc.1', '2.0.0-rc.2', '2.1.0-rc.1'].sort())
  expect(planned(result, '2.0.0-rc.1').reason).toBe("kept: 3rd newest of series 'old-prereleases'")
  expect(planned(result, '1.1.0-beta.1').reason).toBe("delete: version '1.1.0-beta.1' matches rule 'old-prereleases', 90 days old")
})

test('Maven: the 2 newest stable releases of each 1.x minor line stay; SNAPSHOTs are not semver, and the summary says so', async () => {
  await start([
    {
      owner: 'acme',
      package_type: 'maven',
      name: 'com.acme.lib',
      versions: versionSeeds([
        ['1.0.0', 200],
        ['1.0.1', 190],
        ['1.0.2', 180],
        ['1.1.0', 170],
        ['1.1.1-rc.1', 165],
        ['1.1.1', 160],
        ['1.1.2', 150],
        ['1.2.0', 140],
        ['2.0.0-rc.1', 130],
        ['2.0.0', 120],
        ['1.3-SNAPSHOT', 10]
      ])
    },
    { owner: 'acme', package_type: 'maven', name: 'com.acme.tool', versions: versionSeeds([['1.2-SNAPSHOT', 50], ['1.3-SNAPSHOT', 10]]) }
  ])
  const result = await run(`version: 1
rules:
  - name: minor-lines
    packages: { type: maven, names: ["com.acme.lib", "com.acme.tool"] }
    match: { semver: "1.x", prerelease: false }
    keep: { latest: 2, per: minor }
`)
  expect(result.exitCode).toBe(0)
  expect(result.outputs).toMatchObject({ 'planned-count': '2', 'deleted-count': '2', 'failed-count': '0' })
  expect(active('maven', 'com.acme.lib')).toEqual(['1.0.1', '1.0.2', '1.1.1', '1.1.1-rc.1', '1.1.2', '1.2.0', '1.3-SNAPSHOT', '2.0.0', '2.0.0-rc.1'].sort())
  expect(planned(result, '1.0.2').reason).toBe("kept: 1st newest of 1.0.x in series 'minor-lines'")
  expect(planned(result, '1.1.1').reason).toBe("kept: 2nd newest of 1.1.x in series 'minor-lines'")
  expect(active('maven', 'com.acme.tool')).toEqual(['1.2-SNAPSHOT', '1.3-SNAPSHOT'])
  expect(result.summary).toContain(
    'rule &#39;minor-lines&#39;: no version of maven/com.acme.tool is a semantic version (such as 1.4.2; &#39;1.2-SNAPSHOT&#39; is not), so its semver condition selects nothing'
  )
  expect(result.summary).not.toContain('no version of maven/com.acme.lib')
})

test('containers: the newest image of each major line stays, whole; other images are not the rule’s', async () => {
  const platforms = ['linux/amd64', 'linux/arm64']
  const image = (tags: string[], age: number, salt: string): BuiltImage => multiArchImage({ tags, created_at: daysAgo(age), platforms, attestations: true, salt })
  const v141 = image(['v1.4.1'], 90, 'a')
  const v142 = image(['v1.4.2', '1.4', '1'], 80, 'b')
  const v200 = image(['v2.0.0-rc.1'], 70, 'c')
  const v210 = image(['v2.1.0', '2.1', '2', 'latest'], 60, 'd')
  const main = image(['main-b001'], 50, 'e')
  const web: FakePackageSeed = {
    owner: 'acme',
    package_type: 'container',
    name: 'web',
    versions: [v141, v142, v200, v210, main].flatMap(i => i.versions)
  }
  await start([web])
  const result = await run(`version: 1
rules:
  - name: newest-per-major
    packages: { type: container, names: ["web"] }
    match: { semver: "*" }
    keep: { latest: 1, per: major }
`)
  expect(result.exitCode).toBe(0)
  expect(result.outputs['failed-count']).toBe('0')
  // v1.4.1 and v2.0.0-rc.1 go, each with its 2 platforms and 2 attestations.
  expect(result.outputs['deleted-count']).toBe('10')
  const gone = new Set([v141, v200].flatMap(i => i.versions.map(v => v.name!)))
  expect(active('container', 'web')).toEqual(web.versions.map(v => v.name!).filter(n => !gone.has(n)).sort())
  expect(fake.brokenImages()).toEqual([])
  expect(planned(result, v142.digest).reason).toBe("kept: 1st newest of 1.x in series 'newest-per-major'")
  expect(planned(result, v210.digest).reason).toBe("kept: 1st newest of 2.x in series 'newest-per-major'")
  expect(planned(result, main.digest).reason).toBe('kept: not selected by any rule')
})

test('a promoted PR build (also tagged latest and main-b001) stays when its PR closes, and says why', async () => {
  const pr = 123
  await start([
    {
      owner: 'acme',
      package_type: 'container',
      name: 'web',
      versions: [
        containerVersion('pr-123-3', ['pr-123-3'], 6),
        containerVersion('pr-123-4', ['pr-123-4', 'latest', 'main-b001'], 5),
        containerVersion('pr-123-5', ['pr-123', 'pr-123-5'], 4),
        containerVersion('main-b000', ['main-b000'], 20)
      ]
    }
  ])
  // The README's PR-close workflow, with the pull request's number filled in, run with the GITHUB_TOKEN.
  const result = await run(
    `version: 1
rules:
  - name: pr-${pr}-previews
    packages:
      type: container
      names: ["web"]
    match:
      tags: ["pr-${pr}", "pr-${pr}-*"]
`,
    { token: ACTIONS_TOKEN }
  )
  expect(result.stderr).toBe('')
  expect(result.exitCode).toBe(0)
  expect(result.outputs).toMatchObject({ 'planned-count': '2', 'deleted-count': '2', 'failed-count': '0' })
  expect(active('container', 'web')).toEqual([digest('main-b000'), digest('pr-123-4')].sort())
  expect(planned(result, digest('pr-123-4'))).toMatchObject({
    decision: 'keep',
    rule: 'pr-123-previews',
    reason: "kept: also tagged latest, main-b001 (rule 'pr-123-previews' takes a version only when every tag matches)"
  })
  expect(result.summary).toContain('kept: also tagged latest, main-b001')
})

test('protect.tags in a policy without a container rule is a warning on the file; the run goes on', async () => {
  await start([{ owner: 'acme', package_type: 'npm', name: 'sdk', versions: versionSeeds([['1.0.0-rc.1', 60], ['1.0.0', 50]]) }])
  const policy = `version: 1
protect:
  tags: ["latest"]
rules:
  - name: prereleases
    packages: { type: npm, names: ["sdk"] }
    match: { prerelease: true }
`
  const result = await run('.github/package-retention.yml', {}, { '.github/package-retention.yml': policy })
  expect(result.exitCode).toBe(0)
  expect(result.stdout).toMatch(
    /^::warning title=Retention policy,file=\.github\/package-retention\.yml,line=3,col=3::protect\.tags: no rule of this policy is for container packages, and only container versions have tags, so these globs protect nothing; protect versions by name with protect\.versions/m
  )
  expect(active('npm', 'sdk')).toEqual(['1.0.0'])
})
