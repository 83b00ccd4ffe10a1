// End-to-end for protect.in-use: the bundled action scans workspace files of the kinds people
// have (a Kubernetes manifest, Helm values, a Compose file, a workflow, a list an earlier step
// wrote) and keeps the images they reference, against the fake's REST API and registry. The
// registry is the fake, so references name its host with its port (127.0.0.1:PORT).
import { FakeGitHub, multiArchImage, singleImage, type BuiltImage, type FakePackageSeed } from '../fake/index.js'
import { runAction, type ActionRun } from './run-action.js'
import { PAT, daysAgo, world } from './world.js'

const platforms = ['linux/amd64', 'linux/arm64']

interface Scenario {
  web14: BuiltImage
  web13: BuiltImage
  web15: BuiltImage
  webUntagged: BuiltImage
  api20: BuiltImage
  api21: BuiltImage
  api22: BuiltImage
  packages: FakePackageSeed[]
}

/** web and api, each with old images the rule would delete and a recent one. */
function scenario(): Scenario {
  const web14 = multiArchImage({ tags: ['1.4'], created_at: daysAgo(100), platforms, attestations: true, salt: 'web14' })
  const web13 = multiArchImage({ tags: ['1.3'], created_at: daysAgo(90), platforms, salt: 'web13' })
  const webUntagged = multiArchImage({ tags: [], created_at: daysAgo(80), platforms, salt: 'web-build' })
  const web15 = multiArchImage({ tags: ['1.5'], created_at: daysAgo(5), platforms, salt: 'web15' })
  const api20 = singleImage({ tags: ['2.0', 'latest'], created_at: daysAgo(100), salt: 'api20' })
  const api21 = singleImage({ tags: ['2.1'], created_at: daysAgo(60), salt: 'api21' })
  const api22 = singleImage({ tags: ['2.2'], created_at: daysAgo(2), salt: 'api22' })
  const packages: FakePackageSeed[] = [
    { owner: 'acme', package_type: 'container', name: 'web', versions: [...web14.versions, ...web13.versions, ...webUntagged.versions, ...web15.versions] },
    { owner: 'acme', package_type: 'container', name: 'api', versions: [...api20.versions, ...api21.versions, ...api22.versions] }
  ]
  return { web14, web13, web15, webUntagged, api20, api21, api22, packages }
}

function policy(inUse: string[]): string {
  return `version: 1
protect:
  in-use: ${JSON.stringify(inUse)}
rules:
  - name: old-images
    packages: { type: container, names: ["web", "api"] }
    match: { older-than: 30d }
`
}

let fake: FakeGitHub
afterEach(async () => {
  await fake?.stop()
})

/** The registry host as references write it: the fake's, with its port. */
const host = (): string => new URL(fake.url).host

function run(inUse: string[], files: Record<string, string>, inputs: Record<string, string> = {}): Promise<ActionRun> {
  return runAction({
    apiUrl: fake.url,
    files,
    inputs: { token: PAT, policy: policy(inUse), 'registry-url': fake.url, 'max-deletes-per-minute': '180', ...inputs }
  })
}

function versionOf(result: ActionRun, packageName: string, digest: string): { decision: string; reason: string } {
  const pkg = result.planFile!.packages.find((p) => p.key === `container/${packageName}`)!
  return pkg.versions.find((v) => v.name === digest)!
}

const digests = (...images: BuiltImage[]): string[] => images.flatMap((image) => image.versions.map((v) => v.name!))

test('a Kubernetes manifest: the images it runs stay whole (tag and digest), the rest goes', async () => {
  const s = scenario()
  fake = await FakeGitHub.start(world(s.packages))
  const manifest = [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata: { name: web }',
    'spec:',
    '  template:',
    '    spec:',
    '      containers:',
    `        - name: web`,
    `          image: ${host()}/acme/web:1.4`,
    `        - name: canary`,
    `          image: ${host()}/acme/web@${s.webUntagged.digest}`
  ].join('\n')
  const result = await run(['deploy/**/*.yaml'], { 'deploy/prod/web.yaml': manifest }, { 'dry-run': 'false' })
  expect(result.exitCode).toBe(0)
  expect(result.stdout).toContain('::group::Images in use')
  expect(result.stdout).toMatch(/Scanned 1 text file\(s\) .*: 2 reference\(s\) to 127\.0\.0\.1:\d+\/acme images, in 1 package\(s\)/)

  const active = new Set(fake.versions('acme', 'container', 'web').map((v) => v.name))
  for (const digest of digests(s.web14, s.webUntagged, s.web15)) expect(active.has(digest)).toBe(true)
  for (const digest of digests(s.web13)) expect(active.has(digest)).toBe(false)
  expect(fake.brokenImages()).toEqual([])
  expect(versionOf(result, 'web', s.web14.digest).reason).toBe('kept: in use, deploy/prod/web.yaml:9')
  expect(versionOf(result, 'web', s.webUntagged.digest).reason).toBe('kept: in use, deploy/prod/web.yaml:11')
  expect(versionOf(result, 'web', s.web14.children[1].digest).reason).toBe('kept: platform linux/arm64 of web:1.4')
  // api is not referenced: its old images go.
  expect(fake.versions('acme', 'container', 'api').map((v) => v.name)).toEqual([s.api22.digest])
})

test('Helm values: repository + tag is a reference; a templated tag keeps every version of that package, with a warning on its line', async () => {
  const s = scenario()
  fake = await FakeGitHub.start(world(s.packages))
  const files = {
    'charts/web/values.yaml': ['replicaCount: 2', 'image:', `  repository: ${host()}/acme/web`, '  tag: "1.3"', '  pullPolicy: IfNotPresent'].join('\n'),
    'charts/api/values.yaml': ['image:', `  repository: ${host()}/acme/api`, '  tag: "{{ .Values.global.apiTag }}"'].join('\n')
  }
  const result = await run(['charts/*/values.yaml'], files)
  expect(result.exitCode).toBe(0)
  expect(versionOf(result, 'web', s.web13.digest)).toMatchObject({ decision: 'keep', reason: 'kept: in use, charts/web/values.yaml:4' })
  // Not ":latest" from the repository line alone: the other old web images are planned for deletion.
  expect(versionOf(result, 'web', s.web14.digest).decision).toBe('delete')
  for (const image of [s.api20, s.api21]) {
    expect(versionOf(result, 'api', image.digest)).toMatchObject({ decision: 'keep', reason: 'kept: in use with an unresolved tag, charts/api/values.yaml:3' })
  }
  expect(result.stdout).toMatch(
    /::warning title=Image in use with an unresolved tag,file=charts\/api\/values\.yaml,line=3::127\.0\.0\.1:\d+\/acme\/api:\{\{ \.Values\.global\.apiTag \}\}: the tag cannot be resolved from the file, so every version of api is kept/
  )
})

test('a Compose file: a bare image is :latest; host, owner and name match without regard to case', async () => {
  const s = scenario()
  fake = await FakeGitHub.start(world(s.packages))
  const compose = ['services:', '  api:', `    image: ${host()}/acme/api`, '  web:', `    image: ${host()}/ACME/Web:1.3`].join('\n')
  const result = await run(['compose.yaml'], { 'compose.yaml': compose })
  expect(result.exitCode).toBe(0)
  expect(versionOf(result, 'api', s.api20.digest)).toMatchObject({ decision: 'keep', reason: 'kept: in use, compose.yaml:3' })
  expect(versionOf(result, 'api', s.api21.digest).decision).toBe('delete')
  expect(versionOf(result, 'web', s.web13.digest)).toMatchObject({ decision: 'keep', reason: 'kept: in use, compose.yaml:5' })
})

test('a workflow file under .github (dotfiles included): container and docker:// references', async () => {
  const s = scenario()
  fake = await FakeGitHub.start(world(s.packages))
  const workflow = ['on: push', 'jobs:', '  test:', '    runs-on: ubuntu-latest', `    container: ${host()}/acme/web:1.3`, '    steps:', `      - uses: docker://${host()}/acme/api:2.1`].join('\n')
  const result = await run(['.github/workflows/*.yml'], { '.github/workflows/ci.yml': workflow }, { 'dry-run': 'false' })
  expect(result.exitCode).toBe(0)
  const web = new Set(fake.versions('acme', 'container', 'web').map((v) => v.name))
  for (const digest of digests(s.web13)) expect(web.has(digest)).toBe(true)
  expect(web.has(s.web14.digest)).toBe(false)
  expect(fake.versions('acme', 'container', 'api').map((v) => v.name).sort()).toEqual([s.api21.digest, s.api22.digest].sort())
  expect(fake.brokenImages()).toEqual([])
})

test('a plain list an earlier step wrote (kubectl get pods -A -o jsonpath={..image}) protects what the cluster runs', async () => {
  const s = scenario()
  fake = await FakeGitHub.start(world(s.packages))
  const list = `${host()}/acme/web:1.3 ${host()}/acme/api@${s.api21.digest} docker.io/library/nginx:1.27 ${host()}/octo/web:1.4`
  const result = await run(['images-in-use.txt'], { 'images-in-use.txt': list })
  expect(result.exitCode).toBe(0)
  expect(versionOf(result, 'web', s.web13.digest).reason).toBe('kept: in use, images-in-use.txt:1')
  expect(versionOf(result, 'api', s.api21.digest).reason).toBe('kept: in use, images-in-use.txt:1')
  // Another owner's image of the same name is not this owner's to protect.
  expect(versionOf(result, 'web', s.web14.digest).decision).toBe('delete')
})

test('a glob that matches no file is a warning; the run goes on with the others', async () => {
  const s = scenario()
  fake = await FakeGitHub.start(world(s.packages))
  const result = await run(['deploy/*.yaml', 'k8s/**/*.yaml'], { 'deploy/web.yaml': `image: ${host()}/acme/web:1.3\n` })
  expect(result.exitCode).toBe(0)
  expect(result.stdout).toContain("::warning::protect.in-use: 'k8s/**/*.yaml' matches no file in the workspace")
  expect(result.stdout).not.toContain("'deploy/*.yaml' matches no file")
  expect(versionOf(result, 'web', s.web13.digest).reason).toBe('kept: in use, deploy/web.yaml:1')
})

test('when no glob matches any file (no checkout step?), the run fails before any request', async () => {
  const s = scenario()
  fake = await FakeGitHub.start(world(s.packages))
  const result = await run(['deploy/**', 'charts/*/values.yaml'], { 'README.md': 'not a deploy file\n' }, { 'dry-run': 'false' })
  expect(result.exitCode).toBe(1)
  expect(fake.requests).toHaveLength(0)
  expect(result.stdout).toMatch(/::error::protect\.in-use: no file in the workspace \(.*\) matches 'deploy\/\*\*', 'charts\/\*\/values\.yaml'\. Is the repository checked out\? Add actions\/checkout/)
  expect(result.summary).toContain('The run failed')
  expect(result.summary).toContain('Is the repository checked out?')
  expect(fake.versions('acme', 'container', 'web')).toHaveLength(s.packages[0].versions.length)
})

test('past 20,000 matched files the scan is incomplete: the run fails before any request', async () => {
  const s = scenario()
  fake = await FakeGitHub.start(world(s.packages))
  const files = Object.fromEntries(Array.from({ length: 20_001 }, (_, k) => [`deploy/d${Math.floor(k / 1000)}/f${k}.yaml`, 'kind: ConfigMap\n']))
  const result = await run(['deploy/**'], files, { 'dry-run': 'false' })
  expect(result.exitCode).toBe(1)
  expect(fake.requests).toHaveLength(0)
  expect(result.stdout).toContain("::error::protect.in-use: more than 20,000 files match (the scan's limit)")
})
