// Deterministic container inventories for the planner benchmark, shaped like what the action's own
// inventory hands the planner:
//
// - versions come from REST pages of 100 (JSON parsed page by page, then mapped by packages-api's
//   own toVersion), newest first, with GitHub's timestamps ("2026-06-15T12:00:00Z", no
//   milliseconds) and `metadata.container.tags`;
// - references are what src/registry/references.ts derives: `platform` with "os/arch[/variant]",
//   `attestation` without a platform (buildx: one per platform), `signature` from cosign tags.
//
// The population is two years of CI pushes: multi-arch builds (2–3 platforms, half of them with
// attestations) tagged pr-N / nightly-N / vX.Y.Z, releases signed with cosign, single-arch untagged
// builds, and old multi-arch builds whose tag moved on (untagged indexes with their children).
import { seededRandom } from '../../__tests__/fake/random.js'
import { toVersion, type RawVersion } from '../../src/github/packages-api.js'
import type { PackageInventory, PackageVersion, Policy, Rule, VersionReference } from '../../src/model.js'

export const NOW = new Date('2026-06-15T12:00:00Z')
const DAY = 86_400_000
const SPAN_DAYS = 730


/** A digest-looking name: 64 hex characters that differ per version (like real sha256 digests). */
function digestOf(id: number, random: () => number): string {
  let hex = ''
  for (let k = 0; k < 8; k++) hex += ((random() * 0x100000000) >>> 0).toString(16).padStart(8, '0')
  return `sha256:${hex.slice(0, 56)}${id.toString(16).padStart(8, '0')}`
}

/** GitHub writes timestamps without milliseconds. */
function githubTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z')
}

/** What the REST API lists for a container version (more fields than the pipeline reads). */
type ListedVersion = RawVersion & { url: string; package_html_url: string; metadata: { package_type: string; container: { tags: string[] } } }

export interface GeneratedInventory {
  inventory: PackageInventory
  tagged: number
  multiArch: number
}

export function generateInventory(total: number, seed = 1): GeneratedInventory {
  const random = seededRandom(seed)
  // Creation order here; each 100 pushed versions go through JSON as one REST page would.
  const versions: PackageVersion[] = []
  let raws: ListedVersion[] = []
  let pushed = 0
  const flush = (): void => {
    for (const raw of JSON.parse(JSON.stringify(raws)) as RawVersion[]) versions.push(toVersion(raw))
    raws = []
  }
  const references: VersionReference[] = []
  let id = 200_000_000
  let release = 0
  let pr = 0
  let nightly = 0
  let tagged = 0
  let multiArch = 0
  const push = (tags: string[], at: number): { id: number; name: string } => {
    // Retagging bumps updated_at for a few versions.
    const updated = random() < 0.05 ? Math.min(NOW.getTime(), at + random() * 30 * DAY) : at
    const raw: ListedVersion = {
      id,
      name: digestOf(id, random),
      url: `https://api.github.com/orgs/acme/packages/container/web/versions/${id}`,
      package_html_url: 'https://github.com/orgs/acme/packages/container/package/web',
      created_at: githubTime(at),
      updated_at: githubTime(updated),
      metadata: { package_type: 'container', container: { tags } }
    }
    // Version ids are global on GitHub: one package's ids increase with gaps (other packages' pushes).
    id += 1 + Math.floor(random() * 400)
    pushed++
    raws.push(raw)
    if (raws.length === 100) flush()
    return raw
  }
  // Pushes spread evenly over the span, oldest first; ids follow creation, as on GitHub.
  const meanGap = (SPAN_DAYS * DAY) / total
  let clock = NOW.getTime() - SPAN_DAYS * DAY
  while (pushed < total) {
    const kind = random()
    clock += Math.max(20_000, meanGap * (kind < 0.3 ? 1 : 5) * (0.5 + random()))
    const at = clock
    if (kind < 0.3) {
      push([], at) // an untagged single-arch build
      continue
    }
    // An old build whose tag moved on: the index stays, untagged, with its children.
    const moved = kind < 0.4
    const tags = moved
      ? []
      : kind < 0.7
        ? [`pr-${++pr}`]
        : kind < 0.9
          ? [`nightly-${++nightly}`]
          : [`v${1 + Math.floor(++release / 100)}.${Math.floor(release / 10) % 10}.${release % 10}`]
    const platforms = random() < 0.5 ? ['linux/amd64', 'linux/arm64'] : ['linux/amd64', 'linux/arm64', 'linux/arm/v7']
    const attestations = random() < 0.5
    // buildx pushes the children a few seconds before the index.
    const children = platforms.map((platform, k) => ({ raw: push([], at + k * 1000), platform }))
    const attested = attestations ? platforms.map((_, k) => push([], at + (platforms.length + k) * 1000)) : []
    const index = push(tags, at + 8000)
    multiArch++
    if (tags.length > 0) tagged++
    for (const child of children) // platformLabel() builds a new string per reference.
      references.push({ child: child.raw.id, parent: index.id, kind: 'platform', platform: child.platform.split('/').join('/') })
    for (const attestation of attested) references.push({ child: attestation.id, parent: index.id, kind: 'attestation' })
    if (tags[0]?.startsWith('v')) {
      const signature = push([`${index.name.replace(':', '-')}.sig`], at + 12_000)
      references.push({ child: signature.id, parent: index.id, kind: 'signature' })
      tagged++
    }
  }
  flush()
  // A build cut short by the size leaves children without their index: orphans, judged as images.
  versions.length = Math.min(versions.length, total)
  const lastId = versions[versions.length - 1].id
  const kept = references.filter((r) => r.child <= lastId && r.parent <= lastId)
  // The REST API lists newest first.
  versions.reverse()
  return {
    inventory: { package: { owner: 'acme', ownerKind: 'org', type: 'container', name: 'web' }, versions, references: kept, unreadable: [] },
    tagged,
    multiArch
  }
}

export function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[items[i], items[j]] = [items[j], items[i]]
  }
}

function rule(name: string, match: Partial<Rule['match']>, keep: Partial<Rule['keep']> = {}): Rule {
  return {
    name,
    packages: { type: 'container', names: ['web', 'api-*', '!api-legacy'] },
    match: { ageFrom: 'updated', ...match },
    keep: { tags: [], versions: [], ...keep }
  }
}
const days = (n: number) => ({ text: `${n}d`, years: 0, months: 0, weeks: 0, days: n, hours: 0, minutes: 0 })

/** A realistic policy: stale PR images, nightlies beyond a week, untagged builds, old releases. */
export const BENCH_POLICY: Policy = {
  version: 1,
  protect: { tags: ['latest', 'v1.0.*'], versions: [], inUse: [] },
  limits: { onLastVersion: 'keep', maxDeletions: 50_000 },
  rules: [
    rule('stale-prs', { tags: ['pr-*'], olderThan: days(30) }),
    rule('nightly', { tags: ['nightly-*'], olderThan: days(14) }, { latest: 7 }),
    rule('untagged', { untagged: true, olderThan: days(7), ageFrom: 'created' }, { latest: 10 }),
    rule('old-releases', { tags: ['v*'], olderThan: { ...days(0), text: 'P1Y', years: 1 } }, { latest: 20, tags: ['v1.1*'] })
  ]
}
