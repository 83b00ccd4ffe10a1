// `npm run demo`: the embedded default. Starts the local fake of GitHub with a realistic
// sample organization and runs the bundled action against it — first a dry run, then
// executing — and prints each job summary in the terminal. No token, no network.
import { FakeGitHub, type FakePackageSeed, type FakeVersionSeed } from '../__tests__/fake/index.js'
import { runAction, type ActionRun } from '../__tests__/e2e/run-action.js'
import { cosignSignature, manifestSeed, multiArchImage, type BuiltImage } from '../__tests__/fake/images.js'

const DEMO_TOKEN = 'ghp_demoTokenForTheLocalFakeOnly000000000'
const DAY = 24 * 60 * 60 * 1000
// Every age and every date in a tag is taken from the demo's own clock, so the summaries agree with it.
const NOW = Date.now()
const ago = (days: number): string => new Date(NOW - days * DAY).toISOString()
const dateTag = (days: number): string => ago(days).slice(0, 10)
const image = (label: string, tags: string[], days: number, extra: Partial<FakeVersionSeed> = {}): FakeVersionSeed => ({
  ...manifestSeed(label),
  tags,
  created_at: ago(days),
  updated_at: ago(days),
  ...extra
})
/** A multi-arch image as buildx pushes it: two platform manifests, their attestations, then the index. */
const build = (tags: string[], days: number, salt: string): BuiltImage =>
  multiArchImage({ tags, created_at: ago(days), platforms: ['linux/amd64', 'linux/arm64'], attestations: true, salt })
const release = (name: string, days: number): FakeVersionSeed => ({ name, created_at: ago(days), updated_at: ago(days) })

// web: releases of several minor lines, each a multi-arch image with attestations; the newest signed
// with cosign; PR previews, one of them promoted to `latest`; an untagged multi-arch build; an image
// another cleanup tool broke (its arm64 manifest deleted); an orphaned signature; a popular release.
const webLatest = build(['pr-118', 'latest', 'main-3f9c2a1'], 3, 'web-latest')
const webReleases = [
  build(['v2.4.1', '2.4'], 12, 'web-2.4.1'),
  build(['v2.4.0'], 45, 'web-2.4.0'),
  build(['v2.3.2', '2.3'], 60, 'web-2.3.2'),
  build(['v2.3.1'], 75, 'web-2.3.1'),
  build(['v2.3.0'], 90, 'web-2.3.0'),
  build(['v1.0.1', '1.0'], 300, 'web-1.0.1'),
  build(['v1.0.0'], 400, 'web-1.0.0')
]
// Downloaded more than 5,000 times while public: GitHub refuses to delete it.
webReleases[6].version.downloads = 12_000
const webSignature = cosignSignature(webReleases[0], 'sig', ago(12))
const webUntaggedBuild = build([], 30, 'web-untagged-build')
const webBroken = build(['edge-' + dateTag(50)], 50, 'web-edge')
const orphanedSignature = cosignSignature(`sha256:${'9'.repeat(64)}`, 'sig', ago(70))
const webPrs = Array.from({ length: 6 }, (_, i) => image(`web-pr-${110 + i}`, [`pr-${110 + i}`], 8 + i * 7))

const packages: FakePackageSeed[] = [
  {
    owner: 'acme',
    package_type: 'container',
    name: 'web',
    visibility: 'public',
    versions: [
      ...webLatest.versions,
      ...webReleases.flatMap((b) => b.versions),
      ...webSignature.versions,
      ...webUntaggedBuild.versions,
      // The broken image: its index still lists linux/arm64, whose version another tool deleted.
      ...webBroken.versions.filter((v) => v !== webBroken.children[1].version),
      ...orphanedSignature.versions,
      ...webPrs
    ]
  },
  {
    owner: 'acme',
    package_type: 'container',
    name: 'api',
    visibility: 'private',
    versions: [
      ...build(['latest', 'stable'], 1, 'api-latest').versions,
      ...Array.from({ length: 6 }, (_, i) => image(`api-nightly-${i}`, [`nightly-${dateTag(1 + i)}`], 1 + i)),
      ...Array.from({ length: 4 }, (_, i) => image(`api-pr-${200 + i}`, [`pr-${200 + i}`], 10 + i * 10)),
      ...Array.from({ length: 3 }, (_, i) => image(`api-build-${i}`, [], 9 + i * 9))
    ]
  },
  {
    owner: 'acme',
    package_type: 'npm',
    name: 'ui-kit',
    visibility: 'private',
    versions: [
      release('1.0.0', 420),
      release('1.0.1', 400),
      release('1.0.2', 380),
      release('1.1.0', 300),
      release('1.1.1', 280),
      release('1.1.2', 260),
      release('2.0.0-rc.1', 130),
      release('2.0.0', 120),
      release('2.0.1', 100),
      ...Array.from({ length: 6 }, (_, i) => release(`2.1.0-beta.${i}`, 5 + i * 12)),
      release('2.1.0', 3)
    ]
  },
  {
    owner: 'acme',
    package_type: 'maven',
    name: 'com.acme.core',
    visibility: 'private',
    versions: [release('1.0', 500), release('1.1', 250), ...Array.from({ length: 5 }, (_, i) => release(`1.2-SNAPSHOT-${i}`, 5 + i * 12))]
  },
  {
    owner: 'octo',
    package_type: 'container',
    name: 'playground',
    visibility: 'private',
    versions: [image('pg-latest', ['latest'], 3), ...Array.from({ length: 4 }, (_, i) => image(`pg-old-${i}`, [], 20 + i * 15))]
  }
]

const ORG_POLICY = `# yaml-language-server: $schema=../policies/policy.schema.json
version: 1
owner: acme
protect:
  tags: ["stable"]
  in-use: ["deploy/**"]              # images the deployment files reference are never deleted
limits:
  max-deletions: 500
rules:
  - name: pr-previews                # a promoted PR build (also tagged latest) is not a PR preview
    packages: { type: container, names: ["web", "api"] }
    match: { tags: ["pr-*"], older-than: 14d }
    keep: { latest: 2 }
  - name: release-lines              # the newest release of each minor line stays
    packages: { type: container, names: ["web"] }
    match: { semver: "*", older-than: 30d }
    keep: { latest: 1, per: minor }
  - name: nightlies
    packages: { type: container, names: ["api"] }
    match: { tags: ["nightly-*"] }
    keep: { latest: 3 }
  - name: untagged-builds            # an untagged multi-arch build goes whole, index first
    packages: { type: container, names: ["web", "api"] }
    match: { untagged: true, older-than: 7d }
  - name: broken-images              # indexes another tool left without a platform
    packages: { type: container, names: ["web", "api"] }
    match: { broken: true }
  - name: orphaned-signatures        # cosign artifacts whose image is gone
    packages: { type: container, names: ["web", "api"] }
    match: { tags: ["sha256-*.sig", "sha256-*.att", "sha256-*.sbom"] }
  - name: npm-prereleases
    packages: { type: npm, names: ["ui-kit"] }
    match: { prerelease: true, older-than: 30d }
    keep: { latest: 3 }
  - name: npm-release-lines          # the two newest patches of each minor line stay
    packages: { type: npm, names: ["ui-kit"] }
    match: { semver: "*", prerelease: false }
    keep: { latest: 2, per: minor }
  - name: maven-snapshots
    packages: { type: maven, names: ["com.acme.core"] }
    match: { versions: ["*-SNAPSHOT*"], older-than: 30d }
`

/** A deployment the policy's protect.in-use scans: it pins web:v2.3.0, which the release rule would otherwise take. */
const deployment = (registryHost: string): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          image: ${registryHost}/acme/web:v2.3.0
`

const USER_POLICY = `version: 1
rules:
  - name: old-untagged
    packages: { type: container, names: ["playground"] }
    match: { untagged: true, older-than: 30d }
`

/** The job summary is HTML; render it as plain text for the terminal. */
function summaryAsText(html: string): string {
  const entities: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" }
  return html
    .replace(/<\/(h2|h3|p|table|details|summary|ul)>/g, '\n')
    .replace(/<(h2|h3)>/g, '\n## ')
    .replace(/<li>/g, '  - ')
    .replace(/<\/tr>/g, '\n')
    .replace(/<\/t[dh]>/g, ' | ')
    .replace(/<tr>/g, '| ')
    .replace(/<[^>]+>/g, '')
    .replace(/&(amp|lt|gt|quot|#39);/g, e => entities[e])
    .replace(/\n{3,}/g, '\n\n')
}

function showPolicy(title: string, policy: string): void {
  console.log(`\n${'-'.repeat(100)}\n${title}\n${'-'.repeat(100)}\n${policy.trimEnd()}`)
}

function show(title: string, run: ActionRun): void {
  console.log(`\n${'='.repeat(100)}\n${title} (exit ${run.exitCode})\n${'='.repeat(100)}`)
  console.log(summaryAsText(run.summary))
  console.log('outputs:', run.outputs)
  const problems = run.stdout.split('\n').filter(l => l.startsWith('::error') || l.startsWith('::warning'))
  if (problems.length > 0) console.log(problems.join('\n'))
}

const fake = await FakeGitHub.start({
  accounts: [
    { login: 'acme', type: 'Organization' },
    { login: 'octo', type: 'User' }
  ],
  tokens: [{ token: DEMO_TOKEN, kind: 'pat', login: 'octo', scopes: ['read:packages', 'delete:packages', 'write:packages'] }],
  packages
})
try {
  console.log(`Local fake GitHub at ${fake.url} with organization 'acme' (4 packages) and user 'octo' (1 private package). Clock: ${new Date(NOW).toISOString()}.`)
  const inputs = { token: DEMO_TOKEN, 'max-deletes-per-minute': '180', 'registry-url': fake.url }
  const files = { '.github/package-retention.yml': ORG_POLICY, 'deploy/web.yaml': deployment(new URL(fake.url).host) }
  showPolicy('The policy .github/package-retention.yml (and deploy/web.yaml, which protect.in-use scans)', `${ORG_POLICY}\n# deploy/web.yaml\n${files['deploy/web.yaml']}`)

  const dryRun = await runAction({ apiUrl: fake.url, inputs, files })
  show('1. Dry run of .github/package-retention.yml for acme (the default: nothing is deleted)', dryRun)
  console.log(`mutating requests during the dry run: ${fake.mutations().length}`)

  showPolicy('The same policy, now with dry-run: false', ORG_POLICY)
  const brokenBefore = fake.brokenImages().length
  const executed = await runAction({ apiUrl: fake.url, inputs: { ...inputs, 'dry-run': 'false' }, files })
  show('2. The same policy with dry-run: false', executed)
  // The fake's integrity check: every index still present lists only manifests that are present.
  const brokenAfter = fake.brokenImages()
  console.log(`broken images in the registry: ${brokenBefore} before the run (left by another tool), ${brokenAfter.length} after it`)

  showPolicy("An inline policy for the token's own account", USER_POLICY)
  const mine = await runAction({ apiUrl: fake.url, inputs: { ...inputs, owner: 'octo', 'dry-run': 'false', policy: USER_POLICY }, files })
  show("3. An inline policy for the token's own account (user 'octo', private package)", mine)

  console.log(`\nPlan files: ${dryRun.outputs['plan-path']}, ${executed.outputs['plan-path']}, ${mine.outputs['plan-path']}`)
  const failed = [dryRun, executed, mine].some(r => r.exitCode !== 0)
  process.exitCode = failed ? 1 : 0
} finally {
  await fake.stop()
}
