// Behind a proxy (a self-hosted runner in a corporate network): manifest reads and registry
// tokens go through http_proxy / https_proxy as Octokit's REST requests do, and no_proxy is
// honoured. The registry is addressed by a made-up name that only the test proxy resolves, so a
// read that bypassed the proxy could not reach it: the package would fail closed with a warning.
import { FakeGitHub, type FakePackageSeed } from '../fake/index.js'
import { multiArchImage, singleImage } from '../fake/images.js'
import { startProxy, type TestProxy } from './proxy.js'
import { runAction } from './run-action.js'
import { PAT, daysAgo, world } from './world.js'

const POLICY = `version: 1
rules:
  - name: untagged
    packages: { type: container, names: ["web"] }
    match: { untagged: true, older-than: 30d }
`

let fake: FakeGitHub
let proxy: TestProxy
afterEach(async () => {
  await fake?.stop()
  await proxy?.stop()
})

function scenario(): { web: FakePackageSeed; tagged: ReturnType<typeof multiArchImage>; untagged: ReturnType<typeof singleImage> } {
  // The tagged image's platform manifests are untagged and old: only its manifest, read through
  // the proxy, says they must stay.
  const tagged = multiArchImage({ tags: ['latest'], created_at: daysAgo(90), platforms: ['linux/amd64', 'linux/arm64'], attestations: true })
  const untagged = singleImage({ tags: [], created_at: daysAgo(60), salt: 'old-build' })
  return { web: { owner: 'acme', package_type: 'container', name: 'web', versions: [...tagged.versions, ...untagged.versions] }, tagged, untagged }
}

test('behind http_proxy, registry requests go through the proxy and the plan keeps the image whole', async () => {
  const s = scenario()
  fake = await FakeGitHub.start(world([s.web]))
  proxy = await startProxy()
  const registryHost = `registry.test:${new URL(fake.url).port}`
  const result = await runAction({
    apiUrl: fake.url,
    inputs: { token: PAT, policy: POLICY, 'registry-url': `http://${registryHost}` },
    env: { http_proxy: proxy.url }
  })
  expect(result.exitCode).toBe(0)
  expect(result.stdout).not.toContain('::warning::')
  // Tokens and manifests alike reached the registry through the proxy.
  expect(proxy.targets.length).toBeGreaterThan(0)
  expect(new Set(proxy.targets)).toEqual(new Set([registryHost]))
  expect(fake.registryRequests().some((r) => r.path === '/token')).toBe(true)
  expect(fake.registryRequests().filter((r) => r.path.includes('/manifests/') && r.status === 200).length).toBeGreaterThan(0)

  const versions = result.planFile!.packages[0].versions
  const decision = (digest: string): string | undefined => versions.find((v) => v.name === digest)?.decision
  for (const v of s.tagged.versions) expect(decision(v.name!)).toBe('keep')
  expect(decision(s.untagged.digest)).toBe('delete')
})

test('no_proxy naming the registry sends its requests direct, past the proxy', async () => {
  const s = scenario()
  fake = await FakeGitHub.start(world([s.web]))
  proxy = await startProxy()
  // Direct, "registry.test" does not resolve: the read fails and the package is left untouched,
  // and as it is the only package, the run could plan nothing: it fails (contract 1.1).
  const result = await runAction({
    apiUrl: fake.url,
    inputs: { token: PAT, policy: POLICY, 'registry-url': `http://registry.test:${new URL(fake.url).port}` },
    env: { http_proxy: proxy.url, no_proxy: 'registry.test' }
  })
  expect(result.exitCode).toBe(1)
  expect(result.stdout).toMatch(/::error::Every package was left untouched for safety, so nothing could be planned: container\/web/)
  expect(proxy.targets).toEqual([])
  expect(result.stdout).toMatch(/::warning::left untouched: .*container\/web/)
  expect(result.planFile!.packages[0].versions.every((v) => v.decision === 'keep')).toBe(true)
})
