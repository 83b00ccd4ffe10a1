// The demo's sample organization: what `npm run demo` puts in the local fake of GitHub, and the
// policies it runs. Container images are tagged as docker/metadata-action tags them (`pr-N` and a
// commit tag `sha-<7>` on a pull request's build), built by buildx (platform manifests and
// attestations under an index) and signed with cosign. Every age and every date in a tag is taken
// from the demo's clock, so the summaries agree with it.
import { createHash } from 'node:crypto'
import type { FakeOptions, FakePackageSeed, FakeVersionSeed } from '../../__tests__/fake/index.js'
import { cosignSignature, manifestSeed, multiArchImage, type BuiltImage } from '../../__tests__/fake/images.js'

export const DEMO_TOKEN = 'ghp_demoTokenForTheLocalFakeOnly000000000'
const DAY = 24 * 60 * 60 * 1000
export const NOW = Date.now()
const ago = (days: number): string => new Date(NOW - days * DAY).toISOString()
const dateTag = (days: number): string => ago(days).slice(0, 10)
/** docker/metadata-action's `type=sha` tag: the short commit, here made up from the build's label. */
const commitTag = (label: string): string => `sha-${createHash('sha256').update(label).digest('hex').slice(0, 7)}`
const image = (label: string, tags: string[], days: number): FakeVersionSeed => ({ ...manifestSeed(label), tags, created_at: ago(days), updated_at: ago(days) })
/** A multi-arch image as buildx pushes it: two platform manifests, their attestations, then the index. */
const build = (tags: string[], days: number, salt: string): BuiltImage =>
  multiArchImage({ tags, created_at: ago(days), platforms: ['linux/amd64', 'linux/arm64'], attestations: true, salt })
const release = (name: string, days: number): FakeVersionSeed => ({ name, created_at: ago(days), updated_at: ago(days) })

/** The pull request whose images the PR-close run prunes. */
export const CLOSED_PR = 121

// web: releases of several minor lines, each a multi-arch image with attestations; the newest signed
// with cosign; pull-request builds, one of them promoted to `latest`; the closed pull request's newest
// build (its earlier build kept only its commit tag when pr-121 moved on); an untagged multi-arch
// build; an image another cleanup tool broke (its arm64 manifest deleted); an orphaned signature;
// a popular public release.
const webLatest = build(['pr-118', 'sha-3f9c2a1', 'latest'], 3, 'web-latest')
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
const webClosedPr = build([`pr-${CLOSED_PR}`, commitTag('web-pr-121-2')], 1, 'web-pr-121')
const webUntaggedBuild = build([], 30, 'web-untagged-build')
const webBroken = build(['edge-' + dateTag(50)], 50, 'web-edge')
const orphanedSignature = cosignSignature(`sha256:${'9'.repeat(64)}`, 'sig', ago(70))
const webPrs = Array.from({ length: 6 }, (_, i) => image(`web-pr-${110 + i}`, [`pr-${110 + i}`, commitTag(`web-pr-${110 + i}`)], 8 + i * 7))

const packages: FakePackageSeed[] = [
  {
    owner: 'acme',
    package_type: 'container',
    name: 'web',
    visibility: 'public',
    versions: [
      ...webLatest.versions,
      ...webReleases.flatMap(b => b.versions),
      ...webSignature.versions,
      ...webClosedPr.versions,
      image('web-pr-121-1', [commitTag('web-pr-121-1')], 2),
      ...webUntaggedBuild.versions,
      // The broken image: its index still lists linux/arm64, whose version another tool deleted.
      ...webBroken.versions.filter(v => v !== webBroken.children[1].version),
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
      image('api-pr-121', [`pr-${CLOSED_PR}`, commitTag('api-pr-121')], 1),
      ...Array.from({ length: 6 }, (_, i) => image(`api-nightly-${i}`, [`nightly-${dateTag(1 + i)}`], 1 + i)),
      ...Array.from({ length: 4 }, (_, i) => image(`api-pr-${200 + i}`, [`pr-${200 + i}`, commitTag(`api-pr-${200 + i}`)], 10 + i * 10)),
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

export const FAKE_OPTIONS: FakeOptions = {
  accounts: [
    { login: 'acme', type: 'Organization' },
    { login: 'octo', type: 'User' }
  ],
  tokens: [{ token: DEMO_TOKEN, kind: 'pat', login: 'octo', scopes: ['read:packages', 'delete:packages', 'write:packages'] }],
  packages
}

export const ORG_POLICY = `# yaml-language-server: $schema=../policies/policy.schema.json
version: 1
owner: acme
protect:
  tags: ["stable"]
  in-use: ["deploy/**"]              # images the deployment files reference are never deleted
limits:
  max-deletions: 500
rules:
  - name: pr-previews                # pr-N builds (with their sha-* commit tag); one promoted to latest stays
    packages: { type: container, names: ["web", "api"] }
    match: { tags: ["pr-*"], with-tags: ["sha-*"], older-than: 14d }
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

/** A deployment file the policy's protect.in-use scans: it pins web:v2.3.0, which the release rule would otherwise take. */
export const deployment = (registryHost: string): string => `# deploy/web.yaml
containers:
  - name: web
    image: ${registryHost}/acme/web:v2.3.0
`

export const USER_POLICY = `version: 1
rules:
  - name: old-untagged
    packages: { type: container, names: ["playground"] }
    match: { untagged: true, older-than: 30d }
`
