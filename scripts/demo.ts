// `npm run demo`: the embedded default. Starts the local fake of GitHub with a realistic
// sample organization and runs the bundled action against it — first a dry run, then
// executing — and prints each job summary in the terminal. No token, no network.
import { FakeGitHub, type FakePackageSeed, type FakeVersionSeed } from '../__tests__/fake/index.js'
import { runAction, type ActionRun } from '../__tests__/e2e/run-action.js'
import { manifestSeed } from '../__tests__/fake/images.js'

const DEMO_TOKEN = 'ghp_demoTokenForTheLocalFakeOnly000000000'
const DAY = 24 * 60 * 60 * 1000
const ago = (days: number): string => new Date(Date.now() - days * DAY).toISOString()
const image = (label: string, tags: string[], days: number, extra: Partial<FakeVersionSeed> = {}): FakeVersionSeed => ({
  ...manifestSeed(label),
  tags,
  created_at: ago(days),
  updated_at: ago(days),
  ...extra
})
const release = (name: string, days: number): FakeVersionSeed => ({ name, created_at: ago(days), updated_at: ago(days) })

const packages: FakePackageSeed[] = [
  {
    owner: 'acme',
    package_type: 'container',
    name: 'web',
    visibility: 'public',
    versions: [
      image('web-latest', ['latest', 'v2.4.0'], 2),
      image('web-v2.3.0', ['v2.3.0'], 40),
      image('web-v1.0.0', ['v1.0.0'], 400, { downloads: 12000 }),
      ...Array.from({ length: 12 }, (_, i) => image(`web-pr-${100 + i}`, [`pr-${100 + i}`], 3 + i * 6)),
      ...Array.from({ length: 8 }, (_, i) => image(`web-build-${i}`, [], 1 + i * 9)),
      // An old untagged build that many people pulled: GitHub refuses to delete it.
      image('web-popular-build', [], 120, { downloads: 7500 })
    ]
  },
  {
    owner: 'acme',
    package_type: 'container',
    name: 'api',
    visibility: 'private',
    versions: [
      image('api-latest', ['latest'], 1),
      image('api-stable', ['stable'], 90),
      ...Array.from({ length: 6 }, (_, i) => image(`api-nightly-${i}`, [`nightly-2026-11-${String(19 - i).padStart(2, '0')}`], 1 + i)),
      ...Array.from({ length: 6 }, (_, i) => image(`api-pr-${200 + i}`, [`pr-${200 + i}`], 10 + i * 10))
    ]
  },
  {
    owner: 'acme',
    package_type: 'npm',
    name: 'ui-kit',
    visibility: 'private',
    versions: [
      release('1.0.0', 300),
      release('1.1.0', 200),
      release('2.0.0', 60),
      ...Array.from({ length: 9 }, (_, i) => release(`2.1.0-SNAPSHOT.${i}`, 2 + i * 5))
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
  tags: ["latest", "v*", "stable"]
limits:
  max-deletions: 500
rules:
  - name: stale-pr-images
    packages: { type: container, names: ["*"] }
    match: { tags: ["pr-*"], older-than: 14d }
    keep: { latest: 2 }
  - name: nightlies
    packages: { type: container, names: ["api"] }
    match: { tags: ["nightly-*"] }
    keep: { latest: 3 }
  - name: untagged-builds
    packages: { type: container, names: ["web", "api"] }
    match: { untagged: true, older-than: 7d }
  - name: snapshots
    packages: { type: npm, names: ["ui-kit"] }
    match: { versions: ["*-SNAPSHOT*"], older-than: 14d }
    keep: { latest: 2 }
  - name: maven-snapshots
    packages: { type: maven, names: ["com.acme.core"] }
    match: { versions: ["*-SNAPSHOT*"], older-than: 30d }
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
  console.log(`Local fake GitHub at ${fake.url} with organization 'acme' (4 packages) and user 'octo' (1 private package).`)
  const inputs = { token: DEMO_TOKEN, 'max-deletes-per-minute': '180', 'registry-url': fake.url }
  const files = { '.github/package-retention.yml': ORG_POLICY }

  const dryRun = await runAction({ apiUrl: fake.url, inputs, files })
  show('1. Dry run of .github/package-retention.yml for acme (the default: nothing is deleted)', dryRun)
  console.log(`mutating requests during the dry run: ${fake.mutations().length}`)

  const executed = await runAction({ apiUrl: fake.url, inputs: { ...inputs, 'dry-run': 'false' }, files })
  show('2. The same policy with dry-run: false', executed)

  const mine = await runAction({ apiUrl: fake.url, inputs: { ...inputs, owner: 'octo', 'dry-run': 'false', policy: USER_POLICY }, files })
  show("3. An inline policy for the token's own account (user 'octo', private package)", mine)

  console.log(`\nPlan files: ${dryRun.outputs['plan-path']}, ${executed.outputs['plan-path']}, ${mine.outputs['plan-path']}`)
  const failed = [dryRun, executed, mine].some(r => r.exitCode !== 0)
  process.exitCode = failed ? 1 : 0
} finally {
  await fake.stop()
}
