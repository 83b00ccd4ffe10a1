// Valid policies and what they normalize to; the example policies shipped in policies/.
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parsePolicy } from '../../src/policy/validate.js'
import type { Duration, Policy } from '../../src/model.js'

const EXAMPLES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../policies')

function accepted(text: string): Policy {
  const result = parsePolicy(text)
  if (!result.ok) throw new Error(`expected the policy to be valid:\n${result.problems.map((p) => `${p.line}:${p.column} ${p.message}`).join('\n')}`)
  return result.policy
}

const duration = (text: string, fields: Partial<Duration>): Duration => ({ text, years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 0, ...fields })

// The contract's example, without `untagged: true`: the contract says it excludes `tags`, which the example also sets.
const CONTRACT_EXAMPLE = `# yaml-language-server: $schema=https://example.test/policy.schema.json
version: 1                         # required, must be 1
owner: acme                        # optional
protect:                           # optional, applies to every rule and package
  tags: ["latest", "v*"]           # a version with any tag matching any glob is never deleted
  versions: ["1.*"]                # a version whose name matches any glob is never deleted
limits:                            # optional
  max-deletions: 500               # integer >= 1
  on-last-version: keep            # keep | delete-package
rules:                             # required, at least one
  - name: stale-pr-images          # required, unique within the policy
    packages:
      type: container              # required: container | npm | maven | rubygems | nuget | docker
      names: ["web", "api-*", "!api-legacy"]   # required; minimatch globs, "!" excludes
    match:                         # optional; every condition given must hold
      tags: ["pr-*"]               # at least one of the version's tags matches a glob
      versions: ["*-SNAPSHOT"]     # the version name matches a glob (digest for containers)
      older-than: 30d              # 90m, 12h, 30d, 2w, or ISO 8601 (P30D, PT12H, P1M)
      age-from: updated            # updated (default) | created
    keep:                          # optional
      latest: 5                    # integer >= 0
      tags: ["stable"]
      versions: ["2.*"]
`

describe('parsePolicy: valid policies', () => {
  it('normalizes the contract example', () => {
    expect(accepted(CONTRACT_EXAMPLE)).toEqual<Policy>({
      version: 1,
      owner: 'acme',
      protect: { tags: ['latest', 'v*'], versions: ['1.*'], inUse: [] },
      limits: { maxDeletions: 500, onLastVersion: 'keep' },
      rules: [
        {
          name: 'stale-pr-images',
          packages: { type: 'container', names: ['web', 'api-*', '!api-legacy'] },
          match: { tags: ['pr-*'], versions: ['*-SNAPSHOT'], olderThan: duration('30d', { days: 30 }), ageFrom: 'updated' },
          keep: { latest: 5, tags: ['stable'], versions: ['2.*'] }
        }
      ]
    })
  })

  it('refuses the contract example as printed, which sets both tags and untagged', () => {
    const printed = CONTRACT_EXAMPLE.replace(
      '      older-than: 30d',
      '      untagged: true               # only versions with no tags (containers); excludes `tags`\n      older-than: 30d'
    )
    const result = parsePolicy(printed)
    expect(result).toEqual({
      ok: false,
      problems: [
        {
          path: 'rules[0].match.untagged',
          message: 'rules[0].match.untagged: cannot be combined with tags: an untagged version has no tags to match; remove one of them',
          line: 18,
          column: 7
        }
      ]
    })
  })

  it('fills the defaults of a minimal policy', () => {
    const policy = accepted('version: 1\nrules:\n  - name: all\n    packages: {type: npm, names: [sdk]}\n')
    expect(policy).toEqual<Policy>({
      version: 1,
      protect: { tags: [], versions: [], inUse: [] },
      limits: { onLastVersion: 'keep' },
      rules: [{ name: 'all', packages: { type: 'npm', names: ['sdk'] }, match: { ageFrom: 'updated' }, keep: { tags: [], versions: [] } }]
    })
    expect('owner' in policy).toBe(false)
    expect('maxDeletions' in policy.limits).toBe(false)
    expect('latest' in policy.rules[0].keep).toBe(false)
  })

  it('produces plain JSON data', () => {
    const policy = accepted(CONTRACT_EXAMPLE)
    expect(JSON.parse(JSON.stringify(policy))).toEqual(policy)
  })

  it.each<[string, Duration]>([
    ['90m', duration('90m', { minutes: 90 })],
    ['12h', duration('12h', { hours: 12 })],
    ['2w', duration('2w', { weeks: 2 })],
    ['P30D', duration('P30D', { days: 30 })],
    ['PT12H', duration('PT12H', { hours: 12 })],
    ['P1M', duration('P1M', { months: 1 })],
    ['P1Y2M', duration('P1Y2M', { years: 1, months: 2 })],
    ['"P1DT12H"', duration('P1DT12H', { days: 1, hours: 12 })]
  ])('parses older-than: %s', (written, expected) => {
    const policy = accepted(`version: 1\nrules:\n  - name: r\n    packages: {type: container, names: [web]}\n    match: {older-than: ${written}, age-from: created}\n`)
    expect(policy.rules[0].match).toEqual({ olderThan: expected, ageFrom: 'created' })
  })

  it('accepts untagged: true on a container rule', () => {
    const policy = accepted(`version: 1\nrules:\n  - name: r\n    packages: {type: container, names: [p]}\n    match: {untagged: true}\n`)
    expect(policy.rules[0].match.untagged).toBe(true)
  })

  it('accepts on-last-version: delete-package, keep.latest: 0 and several rules', () => {
    const policy = accepted(`version: 1
limits: {on-last-version: delete-package, max-deletions: 1}
rules:
  - name: a
    packages: {type: container, names: ["team/*"]}
    keep: {latest: 0}
  - name: b
    packages: {type: rubygems, names: [gem]}
    match: {versions: ["*.pre*"]}
`)
    expect(policy.limits).toEqual({ onLastVersion: 'delete-package', maxDeletions: 1 })
    expect(policy.rules.map((r) => r.name)).toEqual(['a', 'b'])
    expect(policy.rules[0].keep.latest).toBe(0)
  })

  it('reads YAML 1.2: yes, no, on and off are strings', () => {
    const policy = accepted('version: 1\nowner: yes\nprotect: {tags: [on, off, no]}\nrules:\n  - name: r\n    packages: {type: container, names: [web]}\n')
    expect(policy.owner).toBe('yes')
    expect(policy.protect.tags).toEqual(['on', 'off', 'no'])
  })

  it('accepts anchors and aliases used to share a glob list', () => {
    const policy = accepted(`version: 1
protect: {tags: &releases ["v*", "latest"]}
rules:
  - name: r
    packages: {type: container, names: [web]}
    keep: {tags: *releases}
`)
    expect(policy.rules[0].keep.tags).toEqual(['v*', 'latest'])
  })

  it('accepts a policy written as JSON (YAML flow style)', () => {
    const policy = accepted('{"version": 1, "rules": [{"name": "r", "packages": {"type": "npm", "names": ["sdk"]}, "keep": {"latest": 3}}]}')
    expect(policy.rules[0].keep.latest).toBe(3)
  })

  it('accepts a UTF-8 byte order mark and Windows line endings', () => {
    const policy = accepted('\ufeffversion: 1\r\nrules:\r\n  - name: r\r\n    packages: {type: npm, names: [sdk]}\r\n')
    expect(policy.rules[0].name).toBe('r')
  })

  it('normalizes protect.in-use into protect.inUse, globs as written', () => {
    const policy = accepted('version: 1\nprotect:\n  in-use: ["deploy/**", ".github/workflows/*.yml", "images-in-use.txt"]\nrules:\n  - name: r\n    packages: {type: container, names: [web]}\n')
    expect(policy.protect).toEqual({ tags: [], versions: [], inUse: ['deploy/**', '.github/workflows/*.yml', 'images-in-use.txt'] })
  })

  it('accepts keep.tags: [] on a non-container type (it asks for nothing)', () => {
    expect(accepted('version: 1\nrules:\n  - name: r\n    packages: {type: npm, names: [sdk]}\n    keep: {tags: []}\n').rules[0].keep.tags).toEqual([])
  })
})

describe('example policies in policies/', () => {
  const MODELINE = '# yaml-language-server: $schema=./policy.schema.json'

  it('has at least four examples', async () => {
    const files = (await readdir(EXAMPLES_DIR)).filter((f) => f.endsWith('.yml') || f.endsWith('.yaml'))
    expect(files.length).toBeGreaterThanOrEqual(4)
  })

  it('every example starts with the schema modeline and is valid', async () => {
    const files = (await readdir(EXAMPLES_DIR)).filter((f) => f.endsWith('.yml') || f.endsWith('.yaml'))
    for (const file of files) {
      const text = await readFile(path.join(EXAMPLES_DIR, file), 'utf8')
      expect({ file, firstLine: text.split('\n')[0] }).toEqual({ file, firstLine: MODELINE })
      const result = parsePolicy(text)
      expect({ file, problems: result.ok ? [] : result.problems }).toEqual({ file, problems: [] })
      expect({ file, warnings: result.ok ? result.warnings : [] }).toEqual({ file, warnings: [] })
    }
  })

  it('uses with-tags (1.2) where builds carry docker/metadata-action commit tags', async () => {
    const read = async (file: string) => accepted(await readFile(path.join(EXAMPLES_DIR, file), 'utf8'))
    expect((await read('pr-previews.yml')).rules[0].match).toMatchObject({ tags: ['pr-*'], withTags: ['sha-*'] })
    expect((await read('container-releases.yml')).rules[0]).toMatchObject({ match: { tags: ['*.*.*', 'v*.*.*'], withTags: ['sha-*'] }, keep: { latest: 2, per: 'minor' } })
    expect((await read('nightly-builds.yml')).rules[0].match).toMatchObject({ tags: ['nightly-*'], withTags: ['sha-*'] })
  })

  it('covers containers keeping releases, PR previews, snapshots and untagged cleanup', async () => {
    const policies = await Promise.all(
      (await readdir(EXAMPLES_DIR)).filter((f) => f.endsWith('.yml')).map(async (f) => accepted(await readFile(path.join(EXAMPLES_DIR, f), 'utf8')))
    )
    const rules = policies.flatMap((p) => p.rules)
    expect(policies.some((p) => p.owner && p.protect.tags.some((t) => t.startsWith('v')))).toBe(true)
    expect(rules.some((r) => r.match.tags?.includes('pr-*'))).toBe(true)
    expect(rules.some((r) => r.packages.type === 'maven' && r.match.versions?.includes('*-SNAPSHOT'))).toBe(true)
    expect(rules.some((r) => r.packages.type === 'npm')).toBe(true)
    expect(rules.some((r) => r.packages.type === 'container' && r.match.untagged)).toBe(true)
  })

  it('covers the 1.1 keys with the user stories of the README', async () => {
    const read = async (file: string) => accepted(await readFile(path.join(EXAMPLES_DIR, file), 'utf8'))
    const prereleases = (await read('npm-prereleases.yml')).rules[0]
    expect(prereleases).toMatchObject({ packages: { type: 'npm' }, match: { prerelease: true, olderThan: { text: '30d' } }, keep: { latest: 3 } })
    const lines = (await read('release-lines.yml')).rules
    expect(lines.map((r) => r.packages.type).sort()).toEqual(['maven', 'npm'])
    for (const r of lines) expect(r).toMatchObject({ match: { semver: '1.x', prerelease: false }, keep: { latest: 2, per: 'minor' } })
    expect((await read('container-release-lines.yml')).rules[0]).toMatchObject({ packages: { type: 'container' }, match: { semver: '*' }, keep: { latest: 1, per: 'major' } })
    expect((await read('broken-images.yml')).rules[0]).toMatchObject({ packages: { type: 'container' }, match: { broken: true } })
  })

  it('examples name packages literally, so they work with the GITHUB_TOKEN', async () => {
    for (const file of ['npm-prereleases.yml', 'release-lines.yml', 'container-release-lines.yml', 'broken-images.yml', 'pr-previews.yml', 'container-releases.yml', 'nightly-builds.yml']) {
      const names = accepted(await readFile(path.join(EXAMPLES_DIR, file), 'utf8')).rules.flatMap((r) => r.packages.names)
      expect({ file, globs: names.filter((name) => /[*?[\]{}!]/.test(name)) }).toEqual({ file, globs: [] })
    }
  })
})

describe('warnings: valid, but protecting nothing', () => {
  it('protect.tags in a policy without a container rule is a warning at the key; the policy is valid', () => {
    const result = parsePolicy('version: 1\nprotect:\n  tags: [latest]\nrules:\n  - name: sdk\n    packages: {type: npm, names: [sdk]}\n    match: {prerelease: true}\n')
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.warnings).toEqual([
      {
        path: 'protect.tags',
        message:
          'protect.tags: no rule of this policy is for container packages, and only container versions have tags, so these globs protect nothing; protect versions by name with protect.versions (e.g. versions: ["1.*"]), or remove protect.tags',
        line: 3,
        column: 3
      }
    ])
  })

  it('no warning with a container rule, or with an empty protect.tags', () => {
    const container = parsePolicy('version: 1\nprotect: {tags: [latest]}\nrules:\n  - {name: a, packages: {type: npm, names: [sdk]}}\n  - {name: b, packages: {type: container, names: [web]}}\n')
    expect(container).toMatchObject({ ok: true, warnings: [] })
    const empty = parsePolicy('version: 1\nprotect: {tags: []}\nrules:\n  - {name: a, packages: {type: npm, names: [sdk]}}\n')
    expect(empty).toMatchObject({ ok: true, warnings: [] })
  })
})

describe('warnings (1.2): a tag or name glob that looks like a regular expression', () => {
  const warningsOf = (text: string): { path: string; message: string; line?: number; column?: number }[] => {
    const result = parsePolicy(text)
    if (!result.ok) throw new Error(result.problems.map((p) => p.message).join('\n'))
    return result.warnings
  }

  it.each([
    ['^pr-', 'starts with "^"', 'pr-*'],
    ['pr-[0-9]+$', 'ends with "$"', 'pr-*'],
    ['pr-\\d+', 'contains "\\d"', 'pr-*'],
    ['v\\w', 'contains "\\w"', 'v?'],
    ['a\\sb', 'contains "\\s"', 'a?b'],
    ['release-.+', 'contains ".+"', 'release-*'],
    ['pr-.*', 'contains ".*"', 'pr-*'],
    ['.*-SNAPSHOT', 'contains ".*"', '*-SNAPSHOT']
  ])('%s: %s, with the glob probably meant', (glob, why, meant) => {
    const warnings = warningsOf(`version: 1\nrules:\n  - name: r\n    packages: {type: container, names: [web]}\n    match:\n      tags: ['${glob}']\n`)
    expect(warnings).toEqual([
      {
        path: 'rules[0].match.tags[0]',
        message: `rules[0].match.tags[0]: '${glob}' looks like a regular expression (it ${why}), but it is read as a glob (* matches any text, ? one character; ^, $, \\ and . are plain characters), so it will not match what the regular expression would; did you mean '${meant}'?`,
        line: 6,
        column: 14
      }
    ])
  })

  it('fine globs do not warn: *.*.*, 1.*, v2.1.*, *-rc.*, com.acme.*, pr-*, sha-?????, names with dots', () => {
    const warnings = warningsOf(
      'version: 1\nprotect: {tags: ["*.*.*", "v*"], versions: ["1.*"]}\nrules:\n  - name: r\n    packages: {type: container, names: ["team/*", "!team/old", "web.app"]}\n    match: {tags: ["pr-*", "v2.1.*", "*-rc.*"], with-tags: ["sha-?????"]}\n    keep: {tags: ["1.*.*"], versions: ["sha256:ab*"]}\n  - name: m\n    packages: {type: maven, names: ["com.acme.*"]}\n    match: {versions: ["*-alpha.*"]}\n'
    )
    expect(warnings).toEqual([])
  })

  it('every place that holds tag or name globs is checked, each at its own position; protect.in-use is not', () => {
    const warnings = warningsOf(`version: 1
protect:
  tags: ["^latest$"]
  versions: ["^1"]
  in-use: ["deploy/.*"]
rules:
  - name: r
    packages: {type: container, names: ["^web", "!^old"]}
    match: {tags: ["pr-.*"], with-tags: ["sha-\\\\w+"], versions: ["sha256:.+"]}
    keep: {tags: ["v\\\\d"], versions: ["^sha256"]}
`)
    expect(warnings.map((w) => [w.path, w.line, w.column])).toEqual([
      ['protect.tags[0]', 3, 10],
      ['protect.versions[0]', 4, 14],
      ['rules[0].packages.names[0]', 8, 41],
      ['rules[0].packages.names[1]', 8, 49],
      ['rules[0].match.tags[0]', 9, 20],
      ['rules[0].match.with-tags[0]', 9, 42],
      ['rules[0].match.versions[0]', 9, 66],
      ['rules[0].keep.tags[0]', 10, 19],
      ['rules[0].keep.versions[0]', 10, 39]
    ])
    expect(warnings[3].message).toContain("did you mean '!old*'?")
  })
})

describe('match.with-tags (1.2) is normalized into the policy', () => {
  it('as withTags, beside tags', () => {
    const result = parsePolicy('version: 1\nrules:\n  - name: pr-42\n    packages: {type: container, names: [web]}\n    match: {tags: [pr-42], with-tags: ["sha-*"]}\n')
    expect(result).toMatchObject({ ok: true, warnings: [] })
    if (result.ok) expect(result.policy.rules[0].match).toEqual({ tags: ['pr-42'], withTags: ['sha-*'], ageFrom: 'updated' })
  })
})

describe('the 1.1 keys are normalized into the policy', () => {
  it('semver, prerelease, broken and keep.per', () => {
    const policy = accepted('version: 1\nrules:\n  - name: r\n    packages: {type: container, names: [web]}\n    match: {semver: ">=1.2 <1.5", prerelease: false, broken: true}\n    keep: {latest: 2, per: major}\n')
    expect(policy.rules[0].match).toEqual({ semver: '>=1.2 <1.5', prerelease: false, broken: true, ageFrom: 'updated' })
    expect(policy.rules[0].keep).toEqual({ latest: 2, per: 'major', tags: [], versions: [] })
  })
})
