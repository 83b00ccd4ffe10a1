// End-to-end for the 1.2 scan (issue 16, observations 1-4): what the 1.1 bundle missed or misread,
// through the bundled action against the fake. Each test fails on the 1.1 bundle
// (E2E_BUNDLE=/work/old-bundle/dist/index.js): a pinned Kustomize image deleted, a UTF-16 list
// skipped, a sentence's full stop read into the tag, escaped JSON missed, a sibling imageTag read
// as :latest, a link out of the workspace read, a linked directory not read, a quadratic scan.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { FakeGitHub, multiArchImage, singleImage, type BuiltImage, type FakePackageSeed } from '../fake/index.js'
import { runAction, type ActionRun } from './run-action.js'
import { PAT, daysAgo, world } from './world.js'

const platforms = ['linux/amd64', 'linux/arm64']

interface Scenario {
  web13: BuiltImage
  web14: BuiltImage
  web15: BuiltImage
  api20: BuiltImage
  api21: BuiltImage
  api22: BuiltImage
  packages: FakePackageSeed[]
}

/** web and api, each with two old images the rule would delete and a recent one. */
function scenario(): Scenario {
  const web13 = multiArchImage({ tags: ['1.3'], created_at: daysAgo(90), platforms, salt: 'web13' })
  const web14 = multiArchImage({ tags: ['1.4'], created_at: daysAgo(80), platforms, salt: 'web14' })
  const web15 = multiArchImage({ tags: ['1.5'], created_at: daysAgo(5), platforms, salt: 'web15' })
  const api20 = singleImage({ tags: ['2.0', 'latest'], created_at: daysAgo(100), salt: 'api20' })
  const api21 = singleImage({ tags: ['2.1'], created_at: daysAgo(60), salt: 'api21' })
  const api22 = singleImage({ tags: ['2.2'], created_at: daysAgo(2), salt: 'api22' })
  const packages: FakePackageSeed[] = [
    { owner: 'acme', package_type: 'container', name: 'web', versions: [...web13.versions, ...web14.versions, ...web15.versions] },
    { owner: 'acme', package_type: 'container', name: 'api', versions: [...api20.versions, ...api21.versions, ...api22.versions] }
  ]
  return { web13, web14, web15, api20, api21, api22, packages }
}

const policy = (inUse: string[]): string => `version: 1
protect:
  in-use: ${JSON.stringify(inUse)}
rules:
  - name: old-images
    packages: { type: container, names: ["web", "api"] }
    match: { older-than: 30d }
`

let fake: FakeGitHub
afterEach(async () => {
  await fake?.stop()
})

const host = (): string => new URL(fake.url).host

/** A runner directory whose workspace holds `files` (text or bytes); `prepare` adds links and outside files. */
function workDirWith(files: Record<string, string | Buffer>, prepare?: (workspace: string, workDir: string) => void): string {
  const workDir = mkdtempSync(join(tmpdir(), 'package-retention-e2e-in-use-'))
  const workspace = join(workDir, 'workspace')
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(workspace, path)), { recursive: true })
    writeFileSync(join(workspace, path), content)
  }
  mkdirSync(workspace, { recursive: true })
  prepare?.(workspace, workDir)
  return workDir
}

function run(inUse: string[], workDir: string, inputs: Record<string, string> = {}, timeoutMs?: number): Promise<ActionRun> {
  return runAction({
    apiUrl: fake.url,
    workDir,
    timeoutMs,
    inputs: { token: PAT, policy: policy(inUse), 'registry-url': fake.url, 'max-deletes-per-minute': '180', ...inputs }
  })
}

function decision(result: ActionRun, packageName: string, image: BuiltImage): { decision: string; reason: string } {
  const pkg = result.planFile!.packages.find((p) => p.key === `container/${packageName}`)!
  return pkg.versions.find((v) => v.name === image.digest)!
}

const active = (packageName: string): Set<string> => new Set(fake.versions('acme', 'container', packageName).map((v) => v.name))

test('obs 1: a Kustomize newTag pin keeps the pinned image (not :latest), and the summary shows what kept it', async () => {
  const s = scenario()
  fake = await FakeGitHub.start(world(s.packages))
  const kustomization = [
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    'resources: [deployment.yaml]',
    'images:',
    `  - name: ${host()}/acme/web`,
    '    newTag: "1.3"'
  ].join('\n')
  const result = await run(['deploy/**'], workDirWith({ 'deploy/prod/kustomization.yaml': kustomization }), { 'dry-run': 'false' })
  expect(result.exitCode).toBe(0)
  expect(active('web').has(s.web13.digest)).toBe(true)
  expect(decision(result, 'web', s.web13).reason).toBe('kept: in use, deploy/prod/kustomization.yaml:6')
  expect(active('web').has(s.web14.digest)).toBe(false)
  expect(fake.brokenImages()).toEqual([])
  // The summary names the reference and what it kept.
  expect(result.summary).toContain('<h3>Images in use</h3>')
  expect(result.summary).toMatch(/<td><code>web<\/code><\/td><td><code>deploy\/prod\/kustomization\.yaml:6<\/code><\/td><td><code>1\.3<\/code><\/td>/)
})

test('obs 2: a UTF-16 list (PowerShell ">") is text: its image is kept, nothing is called binary', async () => {
  const s = scenario()
  fake = await FakeGitHub.start(world(s.packages))
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${host()}/acme/web:1.3\r\n`, 'utf16le')])
  const result = await run(['images.txt'], workDirWith({ 'images.txt': utf16 }))
  expect(result.exitCode).toBe(0)
  expect(decision(result, 'web', s.web13)).toMatchObject({ decision: 'keep', reason: 'kept: in use, images.txt:1' })
  expect(result.stdout).not.toContain('binary')
})

test('obs 2: JSON with escaped slashes is a reference', async () => {
  const s = scenario()
  fake = await FakeGitHub.start(world(s.packages))
  const result = await run(['status.json'], workDirWith({ 'status.json': `{"image":"${host()}\\/acme\\/web:1.4"}` }))
  expect(result.exitCode).toBe(0)
  expect(decision(result, 'web', s.web14)).toMatchObject({ decision: 'keep', reason: 'kept: in use, status.json:1' })
})

test('obs 2: a tag ending a sentence keeps both readings (2.1. and 2.1)', async () => {
  const s = scenario()
  fake = await FakeGitHub.start(world(s.packages))
  const result = await run(['NOTES.md'], workDirWith({ 'NOTES.md': `Production runs ${host()}/acme/api:2.1.\n` }))
  expect(result.exitCode).toBe(0)
  expect(decision(result, 'api', s.api21)).toMatchObject({ decision: 'keep', reason: 'kept: in use, NOTES.md:1' })
  expect(decision(result, 'api', s.api20).decision).toBe('delete')
})

test('obs 2: a bare name beside imageTag is unresolved: every version kept, warned once without repeating file:line', async () => {
  const s = scenario()
  fake = await FakeGitHub.start(world(s.packages))
  const values = ['api:', `  name: ${host()}/acme/api`, '  imageTag: "2.1"', '  replicas: 2'].join('\n')
  const result = await run(['values.yaml'], workDirWith({ 'values.yaml': values }))
  expect(result.exitCode).toBe(0)
  for (const image of [s.api20, s.api21]) expect(decision(result, 'api', image)).toMatchObject({ decision: 'keep', reason: 'kept: in use with an unresolved tag, values.yaml:3' })
  const warning = result.stdout.split('\n').find((line) => line.startsWith('::warning title=Image in use with an unresolved tag'))
  expect(warning).toMatch(/^::warning title=Image in use with an unresolved tag,file=values\.yaml,line=3::127\.0\.0\.1:\d+\/acme\/api with imageTag: 2\.1: the tag cannot be resolved/)
  expect(result.summary).toMatch(/<code>values\.yaml:3<\/code> <code>127\.0\.0\.1:\d+\/acme\/api with imageTag: 2\.1<\/code> ⚠️ unresolved<\/td><td>every version \(\d+\)/)
})

test('obs 3: a matched link out of the workspace fails the run before any request, naming the link', async () => {
  const s = scenario()
  fake = await FakeGitHub.start(world(s.packages))
  const workDir = workDirWith({ 'deploy/web.yaml': 'kind: ConfigMap\n' }, (workspace, dir) => {
    writeFileSync(join(dir, 'outside.yaml'), `image: ${host()}/acme/web:1.3\n`)
    symlinkSync(join(dir, 'outside.yaml'), join(workspace, 'deploy/shared.yaml'))
  })
  const result = await run(['deploy/*.yaml'], workDir, { 'dry-run': 'false' })
  expect(result.exitCode).toBe(1)
  expect(fake.requests).toHaveLength(0)
  expect(result.stdout).toMatch(/::error::protect\.in-use: 'deploy\/shared\.yaml' is a symbolic link to '.*outside\.yaml', outside the workspace; .*Copy the file into the workspace/)
})

test('obs 3: a dangling link and a link loop fail the run before any request, saying what to do', async () => {
  const s = scenario()
  fake = await FakeGitHub.start(world(s.packages))
  const dangling = workDirWith({}, (workspace) => symlinkSync(join(workspace, 'rendered/all.yaml'), join(workspace, 'deploy.yaml')))
  const first = await run(['*.yaml'], dangling, { 'dry-run': 'false' })
  expect(first.exitCode).toBe(1)
  expect(first.stdout).toMatch(/::error::protect\.in-use: 'deploy\.yaml' is a symbolic link to '.*rendered\/all\.yaml', which does not exist \(did the step that renders it fail\?\)/)
  const loop = workDirWith({}, (workspace) => {
    symlinkSync(join(workspace, 'b.yaml'), join(workspace, 'a.yaml'))
    symlinkSync(join(workspace, 'a.yaml'), join(workspace, 'b.yaml'))
  })
  const second = await run(['*.yaml'], loop, { 'dry-run': 'false' })
  expect(second.exitCode).toBe(1)
  expect(second.stdout).toMatch(/::error::protect\.in-use: 'a\.yaml' is a symbolic link that loops/)
  expect(second.stdout).not.toContain('ELOOP')
  expect(fake.requests).toHaveLength(0)
})

test('obs 3: a directory link inside the workspace is followed once', async () => {
  const s = scenario()
  fake = await FakeGitHub.start(world(s.packages))
  const workDir = workDirWith({ 'releases/v3/web.yaml': `image: ${host()}/acme/web:1.4\n` }, (workspace) => {
    symlinkSync(join(workspace, 'releases/v3'), join(workspace, 'deploy'))
    symlinkSync(workspace, join(workspace, 'releases/v3/root'))
  })
  const result = await run(['deploy/**/*.yaml'], workDir, { 'dry-run': 'false' })
  expect(result.exitCode).toBe(0)
  expect(decision(result, 'web', s.web14).reason).toBe('kept: in use, deploy/web.yaml:1')
  expect(active('web').has(s.web14.digest)).toBe(true)
  expect(result.stdout).toMatch(/Scanned 1 text file\(s\)/)
})

test('obs 4: 300 KB of blank lines after a registry host is read in seconds (1.1: 108 s, a backtracking expression)', async () => {
  const s = scenario()
  fake = await FakeGitHub.start(world(s.packages))
  const values = `registry: ${host()}${'\n'.repeat(300 * 1024)}web: ${host()}/acme/web:1.4\n`
  const helm = `image:\n  repository: ${host()}/acme/web${'\n'.repeat(1000)}  tag: "1.3"\n`
  const started = Date.now()
  const result = await run(['*.yaml'], workDirWith({ 'values.yaml': values, 'helm.yaml': helm }), {}, 45_000)
  expect(result.exitCode).toBe(0)
  expect(Date.now() - started).toBeLessThan(45_000)
  expect(decision(result, 'web', s.web14).reason).toBe(`kept: in use, values.yaml:${300 * 1024 + 1}`)
  // Blank lines inside a mapping do not end it: the tag past them completes the repository (Helm).
  expect(decision(result, 'web', s.web13).reason).toBe('kept: in use, helm.yaml:1002')
}, 60_000)

test('binary files are named in one warning', async () => {
  const s = scenario()
  fake = await FakeGitHub.start(world(s.packages))
  const binary = Buffer.concat([Buffer.from(`${host()}/acme/web:1.3\n`), Buffer.from([0, 1, 2])])
  const result = await run(['deploy/*'], workDirWith({ 'deploy/a.bin': binary, 'deploy/b.bin': binary, 'deploy/web.yaml': `image: ${host()}/acme/web:1.4\n` }))
  expect(result.exitCode).toBe(0)
  const warnings = result.stdout.split('\n').filter((line) => line.includes('skipped as binary'))
  expect(warnings).toHaveLength(1)
  expect(warnings[0]).toContain('2 matched file(s) skipped as binary')
  expect(warnings[0]).toContain('deploy/a.bin, deploy/b.bin')
})
