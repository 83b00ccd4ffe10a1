// End-to-end: invalid policies and inputs, each run through the bundled action as the runner
// runs it. A policy is a FILE in the workspace, so each problem must come back as an error
// annotation on that file at the problem's line and column; the step fails (exit 1) before any
// request: one fake GitHub serves every case, and must receive nothing at all.
//
// The cases run in a pool of 4 child processes in beforeAll; each test then checks one result.
// Each case talks to its own URL prefix on the fake (/case-N), so a request, if any, names
// the case that made it.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { FakeGitHub } from '../fake/index.js'
import { runAction, type ActionRun } from './run-action.js'
import { PAT, containerVersion, world } from './world.js'

const DEFAULT_FILE = '.github/package-retention.yml'

/** Strip the indentation common to all lines and the first newline, so policies read naturally here. */
function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = String.raw({ raw: strings }, ...values).replace(/^\n/, '')
  const lines = text.split('\n')
  const indent = Math.min(...lines.filter(line => line.trim() !== '').map(line => /^ */.exec(line)![0].length))
  return lines.map(line => line.slice(indent)).join('\n')
}

/** A valid rule (lines 3 to 6 after `version: 1` and `rules:`), to build invalid variants. */
const WEB_RULE = `  - name: web
    packages:
      type: container
      names: [web]
`
const VALID = `version: 1\nrules:\n${WEB_RULE}`

interface Problem {
  message: string | RegExp
  line: number
  /** Any column when absent. */
  col?: number
  /** About the file as a whole (its size): annotated at its first line, no position in the text. */
  fileLevel?: true
}

interface Case {
  name: string
  /** The policy file's content (bytes for non-UTF-8); absent: no file at all. */
  policy?: string | Buffer
  /** Where the policy file is, relative to the workspace; default the action's default path. */
  path?: string
  inputs?: Record<string, string>
  /** A directory to create in the workspace. */
  directory?: string
  /** Annotations on the policy file, in order. */
  problems?: Problem[]
  /** The step's failure message (the last `::error::` line), for inputs and files that cannot be read. */
  failure?: string | RegExp | (string | RegExp)[]
}

const policyCases: Case[] = [
  // ------------------------------------------------------------ YAML syntax
  {
    name: 'bad indentation',
    policy: yaml`
      version: 1
      rules:
        - name: web
          packages:
            type: container
           names: [web]
    `,
    problems: [{ message: /^invalid YAML: .*indent/i, line: 6, col: 1 }]
  },
  { name: 'unclosed quote', policy: 'version: 1\nowner: "acme\nrules: []\n', problems: [{ message: 'invalid YAML: Missing closing "quote', line: 4, col: 1 }] },
  {
    name: 'unclosed flow sequence',
    policy: 'version: 1\nrules:\n  - name: web\n    packages: {type: container, names: [web}\n',
    problems: [
      { message: 'invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]', line: 4, col: 44 },
      { message: 'invalid YAML: Flow map in block collection must be sufficiently indented and end with a }', line: 4, col: 45 }
    ]
  },
  { name: 'tab indentation', policy: 'version: 1\nrules:\n\t- name: web\n', problems: [{ message: /^invalid YAML: .*tab/i, line: 3, col: 1 }] },
  {
    name: 'more than one document',
    policy: `version: 1\n---\n${VALID}`,
    problems: [{ message: 'the policy must be a single YAML document; remove the "---" separator and what follows', line: 2, col: 1 }]
  },
  { name: 'a YAML tag', policy: `version: !int 1\nrules:\n${WEB_RULE}`, problems: [{ message: 'invalid YAML: Unresolved tag: !int; a policy needs no YAML tags; remove it', line: 1, col: 10 }] },
  {
    name: 'an alias without anchor',
    policy: `version: 1\nprotect:\n  tags: *releases\nrules:\n${WEB_RULE}`,
    problems: [{ message: "invalid YAML: alias '*releases' has no anchor '&releases' before it", line: 3, col: 9 }]
  },
  {
    name: 'an alias bomb (billion laughs)',
    policy: yaml`
      version: 1
      a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
      b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
      c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
      d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
      e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
      f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
      g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
      rules: [*g]
    `,
    problems: [{ message: 'the policy expands aliases (*name) too much (over 50 nodes per alias); write the values out instead of nesting aliases', line: 3, col: 8 }]
  },
  {
    name: 'deeply nested YAML',
    policy: `version: 1\nrules: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`,
    problems: [{ message: 'invalid YAML: the policy is nested too deeply to read', line: 2 }]
  },

  // ------------------------------------------------------------ duplicates: at the second occurrence
  { name: 'duplicate top-level key', policy: `${VALID}version: 1\n`, problems: [{ message: "duplicate key 'version' (first at line 1); each key may appear only once", line: 7, col: 1 }] },
  {
    name: 'duplicate key inside a rule',
    policy: `${VALID}      type: npm\n`,
    problems: [{ message: "rules[0].packages: duplicate key 'type' (first at line 5); each key may appear only once", line: 7, col: 7 }]
  },
  {
    name: 'duplicate rule names',
    policy: `${VALID}${WEB_RULE}`,
    problems: [{ message: "rules[1].name: duplicate rule name 'web' (already used by rules[0] at line 3); rule names must be unique", line: 7, col: 11 }]
  },

  // ------------------------------------------------------------ unknown keys, at every level: at the key
  {
    name: 'unknown top-level key',
    policy: 'version: 1\nrule:\n  - name: web\n',
    problems: [
      { message: "missing required key 'rules': it must be a list of at least one rule", line: 1, col: 1 },
      { message: "unknown top-level key 'rule' (did you mean 'rules'?); allowed keys: version, owner, protect, limits, rules", line: 2, col: 1 }
    ]
  },
  {
    name: 'unknown key in protect',
    policy: `version: 1\nprotect:\n  tag: [latest]\nrules:\n${WEB_RULE}`,
    problems: [{ message: "protect: unknown key 'tag' (did you mean 'tags'?); allowed keys: tags, versions, in-use", line: 3, col: 3 }]
  },
  {
    name: 'unknown key in limits',
    policy: `version: 1\nlimits:\n  on-last-version: keep\n  maxDeletions: 10\nrules:\n${WEB_RULE}`,
    problems: [{ message: "limits: unknown key 'maxDeletions' (did you mean 'max-deletions'?); allowed keys: max-deletions, on-last-version", line: 4, col: 3 }]
  },
  {
    name: 'unknown key in a rule (a match condition one level too high)',
    policy: `${VALID}    older-than: 30d\n`,
    problems: [{ message: "rules[0]: unknown key 'older-than' ('older-than' belongs under match); allowed keys: name, packages, match, keep", line: 7, col: 5 }]
  },
  {
    name: 'unknown key in packages (flow mapping)',
    policy: 'version: 1\nrules:\n  - name: web\n    packages: {type: container, name: [web]}\n',
    problems: [
      { message: "rules[0].packages: missing required key 'names'", line: 4, col: 15 },
      { message: "rules[0].packages: unknown key 'name' (did you mean 'names'?)", line: 4, col: 33 }
    ]
  },
  {
    name: 'unknown key in match',
    policy: `${VALID}    match:\n      older_than: 30d\n`,
    problems: [{ message: "rules[0].match: unknown key 'older_than' (did you mean 'older-than'?); allowed keys: tags, with-tags, versions, untagged, semver, prerelease, broken, older-than, age-from", line: 8, col: 7 }]
  },
  {
    name: 'unknown key in keep',
    policy: `${VALID}    keep:\n      forever: true\n`,
    problems: [{ message: "rules[0].keep: unknown key 'forever'; allowed keys: latest, per, tags, versions", line: 8, col: 7 }]
  },

  // ------------------------------------------------------------ wrong types: at the value
  { name: 'version: 2', policy: `version: 2\nrules:\n${WEB_RULE}`, problems: [{ message: 'version: must be 1 (this action reads policy format 1), not 2', line: 1, col: 10 }] },
  {
    name: 'version: "1" (a string)',
    policy: `version: "1"\nrules:\n${WEB_RULE}`,
    problems: [{ message: "version: must be 1 (this action reads policy format 1), not the string '1'; write it without quotes", line: 1, col: 10 }]
  },
  {
    name: 'a string for an integer',
    policy: `version: 1\nlimits:\n  max-deletions: ten\nrules:\n${WEB_RULE}`,
    problems: [{ message: "limits.max-deletions: must be an integer >= 1, not the string 'ten'", line: 3, col: 18 }]
  },
  {
    name: 'a quoted number for keep.latest',
    policy: `${VALID}    keep: {latest: "5"}\n`,
    problems: [{ message: "rules[0].keep.latest: must be an integer >= 0, not the string '5'; write it without quotes", line: 7, col: 20 }]
  },
  {
    name: 'a list where a mapping belongs (packages)',
    policy: 'version: 1\nrules:\n  - name: web\n    packages: [container, web]\n',
    problems: [{ message: 'rules[0].packages: must be a mapping with type and names, not a list', line: 4, col: 15 }]
  },
  {
    name: 'a list where a mapping belongs (protect)',
    policy: `version: 1\nprotect: [latest]\nrules:\n${WEB_RULE}`,
    problems: [{ message: 'protect: must be a mapping with tags, versions and/or in-use, not a list', line: 2, col: 10 }]
  },
  {
    name: 'a mapping where a list belongs (rules)',
    policy: 'version: 1\nrules:\n  name: web\n',
    problems: [{ message: 'rules: must be a list of at least one rule, not a mapping', line: 3, col: 3 }]
  },
  {
    name: 'a string where a list of globs belongs',
    policy: `${VALID}    match:\n      tags: pr-*\n`,
    problems: [{ message: "rules[0].match.tags: must be a list of at least one tag glob, not the string 'pr-*'", line: 8, col: 13 }]
  },
  {
    name: 'a number in a glob list',
    policy: `version: 1\nprotect:\n  versions: [1.0]\nrules:\n${WEB_RULE}`,
    problems: [{ message: 'protect.versions[0]: must be a version glob such as 1.* or *-SNAPSHOT, not the number 1; write it in quotes ("1.0")', line: 3, col: 14 }]
  },
  {
    name: 'untagged: yes (a string in YAML 1.2)',
    policy: `${VALID}    match:\n      untagged: yes\n`,
    problems: [{ message: "rules[0].match.untagged: must be true (to match tagged versions use tags), not the string 'yes'", line: 8, col: 17 }]
  },
  {
    name: 'a bad package type (near miss)',
    policy: 'version: 1\nrules:\n  - name: web\n    packages:\n      type: Container\n      names: [web]\n',
    problems: [{ message: "rules[0].packages.type: must be one of container, npm, maven, rubygems, nuget, docker, not 'Container'; did you mean 'container'?", line: 5, col: 13 }]
  },
  {
    name: 'on-last-version: remove',
    policy: `version: 1\nlimits:\n  on-last-version: remove\nrules:\n${WEB_RULE}`,
    problems: [{ message: "limits.on-last-version: must be keep or delete-package, not 'remove'", line: 3, col: 20 }]
  },
  { name: 'keep.latest: -1', policy: `${VALID}    keep:\n      latest: -1\n`, problems: [{ message: 'rules[0].keep.latest: must be an integer >= 0, not -1', line: 8, col: 15 }] },
  {
    name: 'max-deletions: 0 in the policy',
    policy: `version: 1\nlimits:\n  max-deletions: 0\nrules:\n${WEB_RULE}`,
    problems: [{ message: 'limits.max-deletions: must be an integer >= 1, not 0', line: 3, col: 18 }]
  },

  // ------------------------------------------------------------ bad and negative durations
  ...(
    [
      ['30 days', "'30 days' is not a duration; use 30d, 12h, 2w or P30D"],
      ['-1d', "'-1d' is not a duration: it cannot be negative; use 30d, 12h, 2w or P30D"],
      ['P', "'P' is not a duration; use 30d, 12h, 2w or P30D"],
      ['"30"', "'30' is not a duration: a unit is missing; write 30d for 30 days (or 30h, 30w, 30m for hours, weeks, minutes)"],
      ['90s', "'90s' is not a duration: seconds are not supported"],
      ['0d', "'0d' is zero; a duration must be longer than 0"],
      ['1.5d', "'1.5d' is not a duration: fields must be whole numbers"],
      ['1M', "'1M' is not a duration: for months use ISO 8601 (P1M); m means minutes"]
    ] as const
  ).map(([written, message]): Case => ({
    name: `older-than: ${written}`,
    policy: `${VALID}    match:\n      older-than: ${written}\n`,
    problems: [{ message: `rules[0].match.older-than: ${message}`, line: 8, col: 19 }]
  })),
  {
    name: 'older-than: 30 (a number)',
    policy: `${VALID}    match:\n      older-than: 30\n`,
    problems: [{ message: 'rules[0].match.older-than: must be a duration such as 30d, 12h, 2w or P30D, not the number 30', line: 8, col: 19 }]
  },

  // ------------------------------------------------------------ conditions that conflict or cannot hold
  {
    name: 'untagged together with tags',
    policy: `${VALID}    match:\n      tags: ["pr-*"]\n      untagged: true\n`,
    problems: [{ message: 'rules[0].match.untagged: cannot be combined with tags: an untagged version has no tags to match; remove one of them', line: 9, col: 7 }]
  },
  {
    name: 'match.tags on npm',
    policy: 'version: 1\nrules:\n  - name: sdk\n    packages: {type: npm, names: [sdk]}\n    match:\n      tags: [beta]\n',
    problems: [{ message: 'rules[0].match.tags: npm versions have no tags (only container versions do), so this rule could never match', line: 6, col: 7 }]
  },
  // 1.1: tags are for containers only (untagged: true on npm selected every release), and the semver keys.
  {
    name: 'untagged: true on an npm rule',
    policy: 'version: 1\nrules:\n  - name: sdk-cleanup\n    packages: {type: npm, names: [sdk]}\n    match:\n      untagged: true\n      older-than: 30d\n',
    problems: [
      {
        message: /^rules\[0\]\.match\.untagged: npm versions have no tags \(only container versions do\), so untagged: true would select every version, releases included; remove it and select versions by name with match\.versions/,
        line: 6,
        col: 7
      }
    ]
  },
  {
    name: 'keep.tags on a maven rule',
    policy: 'version: 1\nrules:\n  - name: lib\n    packages: {type: maven, names: [com.acme.lib]}\n    keep: {latest: 2, tags: [stable]}\n',
    problems: [{ message: 'rules[0].keep.tags: maven versions have no tags (only container versions do), so this keeps nothing; keep versions by name with keep.versions', line: 5, col: 23 }]
  },
  {
    name: 'an invalid semver range',
    policy: 'version: 1\nrules:\n  - name: lib\n    packages: {type: npm, names: [lib]}\n    match:\n      semver: "latest"\n',
    problems: [{ message: `rules[0].match.semver: 'latest' is not a semver range; write an npm-style range such as "<2.0.0", ">=1.2 <1.5", "1.x", "^3.1"`, line: 6, col: 15 }]
  },
  {
    name: 'keep.per without keep.latest',
    policy: `${VALID}    match: {semver: "*"}\n    keep: {per: major}\n`,
    problems: [{ message: 'rules[0].keep.per: counts keep.latest within each semver major line, but this rule has no keep.latest; add latest', line: 8, col: 12 }]
  },
  // 1.2: an empty semver alternative is read as "*" by npm's semver (it selected every version);
  // semver beside untagged selects nothing; with-tags needs tags; a number without a unit.
  ...['>=1.0.0 ||', '||', '1.2.3 || || 2.0.0', ' ||1.0.0'].map(
    (range): Case => ({
      name: `semver "${range}": an empty alternative`,
      policy: `${VALID}    match:\n      semver: "${range}"\n`,
      problems: [{ message: `rules[0].match.semver: '${range}' has an empty alternative (nothing on one side of "||"), which npm's semver reads as "*" (every version)`, line: 8, col: 15 }]
    })
  ),
  {
    name: 'semver "*" beside untagged: true',
    policy: `${VALID}    match:\n      untagged: true\n      semver: "*"\n`,
    problems: [{ message: "rules[0].match.semver: cannot be combined with untagged: true: a version's semver is read from its tags, and an untagged version has none", line: 9, col: 7 }]
  },
  {
    name: 'prerelease beside untagged: true',
    policy: `${VALID}    match: {untagged: true, prerelease: true}\n`,
    problems: [{ message: 'rules[0].match.prerelease: cannot be combined with untagged: true', line: 7, col: 29 }]
  },
  {
    name: 'with-tags without tags',
    policy: `${VALID}    match:\n      with-tags: ["sha-*"]\n`,
    problems: [{ message: 'rules[0].match.with-tags: lists tags a version may carry beside those matching tags, but this rule has no tags, and with-tags never selects alone', line: 8, col: 7 }]
  },
  {
    name: 'with-tags on an npm rule',
    policy: 'version: 1\nrules:\n  - name: sdk\n    packages: {type: npm, names: [sdk]}\n    match:\n      versions: ["*-rc*"]\n      with-tags: ["sha-*"]\n',
    problems: [{ message: 'rules[0].match.with-tags: npm versions have no tags (only container versions do)', line: 7, col: 7 }]
  },
  {
    name: 'older-than: 14 (a number without a unit)',
    policy: `${VALID}    match:\n      older-than: 14\n`,
    problems: [{ message: 'rules[0].match.older-than: must be a duration such as 30d, 12h, 2w or P30D, not the number 14: a unit is missing; write 14d for 14 days', line: 8, col: 19 }]
  },
  {
    name: 'prerelease: "false" (a string)',
    policy: `${VALID}    match: {prerelease: "false"}\n`,
    problems: [{ message: "rules[0].match.prerelease: must be true (only prereleases, such as 1.5.0-rc.1) or false (only releases), not the string 'false'", line: 7, col: 25 }]
  },
  {
    name: 'broken: false',
    policy: `${VALID}    match:\n      broken: false\n`,
    problems: [{ message: 'rules[0].match.broken: must be true (only damaged images)', line: 8, col: 15 }]
  },
  {
    name: 'packages.names with only exclusions',
    policy: 'version: 1\nrules:\n  - name: web\n    packages:\n      type: container\n      names: ["!api", "!web"]\n',
    problems: [{ message: 'rules[0].packages.names: lists only exclusions, so it selects no package', line: 6, col: 14 }]
  },
  {
    name: '"!" outside packages.names',
    policy: `${VALID}    match:\n      tags: ["pr-*", "!pr-1"]\n`,
    problems: [{ message: `rules[0].match.tags[1]: '!pr-1' starts with "!", but exclusions are only allowed in packages.names`, line: 8, col: 22 }]
  },

  // ------------------------------------------------------------ empty, missing, not a policy
  { name: 'empty rules', policy: 'version: 1\nrules: []\n', problems: [{ message: 'rules: must be a list of at least one rule, not an empty list', line: 2, col: 8 }] },
  { name: 'rules: with nothing', policy: 'version: 1\nrules:\n', problems: [{ message: 'rules: is empty; it must be a list of at least one rule', line: 2, col: 1 }] },
  { name: 'an empty file', policy: '', problems: [{ message: 'the policy is empty; it must be a mapping with at least version: 1 and rules', line: 1, col: 1 }] },
  { name: 'a list at the top level', policy: '- version: 1\n', problems: [{ message: 'the policy must be a YAML mapping with version, rules', line: 1, col: 1 }] },
  { name: 'missing version', policy: `rules:\n${WEB_RULE}`, problems: [{ message: "missing required key 'version': it must be 1", line: 1, col: 1 }] },
  {
    name: 'a rule without a name',
    policy: 'version: 1\nrules:\n  - packages:\n      type: container\n      names: [web]\n',
    problems: [{ message: "rules[0]: missing required key 'name': it must be a non-blank rule name", line: 3, col: 5 }]
  },
  {
    name: 'a policy file elsewhere, with a .yaml name',
    path: 'ops/retention policy.yaml',
    inputs: { policy: 'ops/retention policy.yaml' },
    policy: `version: 1\nowner: acme/web\nrules:\n${WEB_RULE}`,
    problems: [{ message: "owner: must be a GitHub user or organization login, not 'acme/web'", line: 2, col: 8 }]
  },

  // ------------------------------------------------------------ files that are not read as YAML
  {
    name: 'a multi-megabyte file (annotated at its first line)',
    policy: `${VALID}${'# padding padding padding padding padding padding padding padding\n'.repeat(40_000)}`,
    problems: [{ message: /^policy file '\.github\/package-retention\.yml' is 2\.5 MiB \(\d+ bytes\); the limit is 1 MiB/, line: 1, col: 1, fileLevel: true }]
  },
  {
    name: 'non-UTF-8 bytes',
    policy: Buffer.concat([Buffer.from('version: 1\nowner: caf'), Buffer.from([0xe9]), Buffer.from(`\nrules:\n${WEB_RULE}`)]),
    problems: [
      {
        message: "policy file '.github/package-retention.yml' is not UTF-8 text: byte 0xE9 at offset 21 (line 2, column 11) is invalid; save the file as UTF-8",
        line: 2,
        col: 11
      }
    ]
  }
]

// Files that cannot be annotated: there is no file to put the annotation on.
const unreadableCases: Case[] = [
  { name: 'a missing file' },
  { name: 'a directory given as the policy', inputs: { policy: 'ops' }, directory: 'ops' }
]

const VALID_FILE = { policy: VALID }
const inputCases: Case[] = [
  { name: 'max-deletions: -3', ...VALID_FILE, inputs: { 'max-deletions': '-3' }, failure: "input 'max-deletions': '-3' is not valid; use an integer >= 1" },
  { name: 'max-deletions: 0', ...VALID_FILE, inputs: { 'max-deletions': '0' }, failure: "input 'max-deletions': '0' is not valid; use an integer >= 1" },
  { name: 'max-deletions: 2.5', ...VALID_FILE, inputs: { 'max-deletions': '2.5' }, failure: "input 'max-deletions': '2.5' is not valid; use an integer >= 1" },
  { name: 'dry-run: maybe', ...VALID_FILE, inputs: { 'dry-run': 'maybe' }, failure: "input 'dry-run': 'maybe' is not a boolean; use true or false" },
  { name: 'dry-run: yes', ...VALID_FILE, inputs: { 'dry-run': 'yes' }, failure: "input 'dry-run': 'yes' is not a boolean; use true or false" },
  { name: 'manifest-cache: off', ...VALID_FILE, inputs: { 'manifest-cache': 'off' }, failure: "input 'manifest-cache': 'off' is not a boolean; use true or false" },
  {
    name: 'max-deletes-per-minute: 500',
    ...VALID_FILE,
    inputs: { 'max-deletes-per-minute': '500' },
    failure: "input 'max-deletes-per-minute': '500' is not valid; use an integer from 1 to 180"
  },
  { name: 'max-deletes-per-minute: 181', ...VALID_FILE, inputs: { 'max-deletes-per-minute': '181' }, failure: "input 'max-deletes-per-minute': '181' is not valid" },
  { name: 'max-deletes-per-minute: 0', ...VALID_FILE, inputs: { 'max-deletes-per-minute': '0' }, failure: "input 'max-deletes-per-minute': '0' is not valid" },
  { name: 'max-deletes-per-minute: 1.5', ...VALID_FILE, inputs: { 'max-deletes-per-minute': '1.5' }, failure: "input 'max-deletes-per-minute': '1.5' is not valid" },
  { name: 'max-deletes-per-minute: fast', ...VALID_FILE, inputs: { 'max-deletes-per-minute': 'fast' }, failure: "input 'max-deletes-per-minute': 'fast' is not valid" },
  { name: 'an empty token', ...VALID_FILE, inputs: { token: '' }, failure: "input 'token' is empty" },
  { name: 'a token of spaces', ...VALID_FILE, inputs: { token: '   ' }, failure: "input 'token' is empty" },
  { name: 'registry-url without a scheme', ...VALID_FILE, inputs: { 'registry-url': 'ghcr.io' }, failure: "input 'registry-url': 'ghcr.io' is not an http(s) URL" },
  {
    name: 'several bad inputs at once: every one reported',
    ...VALID_FILE,
    inputs: { 'dry-run': 'maybe', 'max-deletions': '-3', 'max-deletes-per-minute': '500', token: '' },
    failure: ["input 'token' is empty", "input 'dry-run': 'maybe'", "input 'max-deletions': '-3'", "input 'max-deletes-per-minute': '500'"]
  },
  {
    name: 'bad inputs with an invalid policy: the inputs are reported first',
    policy: 'version: 2\n',
    inputs: { 'dry-run': 'maybe' },
    failure: "input 'dry-run': 'maybe' is not a boolean"
  }
]

// Inline policies: no file to annotate, so the message itself carries the line and column.
const inlineCases: Case[] = [
  {
    name: 'inline: empty rules',
    inputs: { policy: 'version: 1\nrules: []\n' },
    failure: /^The policy is invalid/,
    problems: [{ message: 'policy (line 2, column 8): rules: must be a list of at least one rule, not an empty list', line: 0, col: 0 }]
  },
  {
    name: 'inline: unknown key and bad duration',
    inputs: { policy: `${VALID}    match: {older-than: 2 weeks, colour: red}\n` },
    failure: /^The policy is invalid/,
    problems: [
      { message: "policy (line 7, column 25): rules[0].match.older-than: '2 weeks' is not a duration", line: 0, col: 0 },
      { message: "policy (line 7, column 34): rules[0].match: unknown key 'colour'", line: 0, col: 0 }
    ]
  },
  {
    name: 'inline: YAML syntax error',
    inputs: { policy: 'version: 1\nrules: [\n' },
    failure: /^The policy is invalid/,
    problems: [{ message: /^policy \(line 2, column 9\): invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a \]/, line: 0, col: 0 }]
  }
]

const manyRules = Array.from({ length: 60 }, (_, i) => `  - {name: r${i}, packages: {type: box, names: [web]}}`).join('\n')

interface Annotation {
  props: Record<string, string>
  message: string
}

const unescapeData = (s: string): string => s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')
const unescapeProperty = (s: string): string => unescapeData(s).replace(/%3A/g, ':').replace(/%2C/g, ',')

/** `::error title=…,file=…,line=…,col=…::message` commands, as the runner reads them. */
function errorAnnotations(stdout: string): Annotation[] {
  return [...stdout.matchAll(/^::error(?: ([^:]*))?::(.*)$/gm)].map(([, props = '', message]) => ({
    props: Object.fromEntries(
      props
        .split(',')
        .filter(Boolean)
        .map(p => [p.slice(0, p.indexOf('=')), unescapeProperty(p.slice(p.indexOf('=') + 1))])
    ),
    message: unescapeData(message)
  }))
}

const allCases: Case[] = [
  ...policyCases,
  ...unreadableCases,
  {
    name: 'more problems than annotations: 9 annotated, the rest in the log with positions',
    policy: `version: 1\nrules:\n${manyRules}\n`
  },
  ...inputCases,
  ...inlineCases
]

let fake: FakeGitHub
const results = new Map<string, { run: ActionRun; prefix: string; ms: number }>()
let wallMs = 0

async function runCase(c: Case, index: number): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), 'package-retention-invalid-'))
  const path = c.path ?? DEFAULT_FILE
  if (c.policy !== undefined) {
    const target = join(workDir, 'workspace', path)
    mkdirSync(dirname(target), { recursive: true })
    writeFileSync(target, c.policy)
  }
  if (c.directory) mkdirSync(join(workDir, 'workspace', c.directory), { recursive: true })
  const prefix = `/case-${index}`
  const started = Date.now()
  const run = await runAction({
    apiUrl: `${fake.url}${prefix}`,
    workDir,
    inputs: { token: PAT, 'registry-url': `${fake.url}${prefix}`, 'dry-run': 'false', 'max-deletes-per-minute': '180', ...c.inputs }
  })
  results.set(c.name, { run, prefix, ms: Date.now() - started })
}

/** Runs `fn` over `items`, at most `limit` at a time. */
async function pool<T>(items: T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++
      await fn(items[index], index)
    }
  }
  await Promise.all(Array.from({ length: limit }, worker))
}

beforeAll(async () => {
  // A world with something to delete: a run that got past validation would make requests and delete.
  fake = await FakeGitHub.start(
    world([{ owner: 'acme', package_type: 'container', name: 'web', versions: [containerVersion('latest', ['latest'], 1), containerVersion('old', [], 90)] }])
  )
  fake.resetRequests()
  const started = Date.now()
  await pool(allCases, 4, runCase)
  wallMs = Date.now() - started
  console.log(`${allCases.length} runs of the action, 4 at a time: ${(wallMs / 1000).toFixed(1)} s`)
}, 120_000)

afterAll(async () => {
  await fake?.stop()
})

function result(name: string): { run: ActionRun; prefix: string } {
  const found = results.get(name)
  if (!found) throw new Error(`no result for ${name}`)
  return found
}

/** What every invalid run has in common: exit 1, no request (to its prefix or any), no outputs, no plan file. */
function expectRefusedBeforeAnyRequest(name: string): ActionRun {
  const { run, prefix } = result(name)
  expect(run.signal).toBeNull()
  expect(run.exitCode).toBe(1)
  expect(fake.requests.filter(r => r.path.startsWith(`${prefix}/`))).toEqual([])
  expect(run.outputs).toEqual({})
  expect(run.planFile).toBeUndefined()
  expect(run.stderr).toBe('')
  return run
}

function expectMessage(actual: string, expected: string | RegExp): void {
  if (typeof expected === 'string') expect(actual).toContain(expected)
  else expect(actual).toMatch(expected)
}

test('at least 40 invalid policy files, every case run, 4 at a time, well under a minute', () => {
  expect(policyCases.length).toBeGreaterThanOrEqual(40)
  expect(results.size).toBe(allCases.length)
  expect(wallMs).toBeLessThan(60_000)
})

describe('an invalid policy file: an annotation at the line and column of each problem, exit 1, no request', () => {
  test.each(policyCases.map(c => [c.name, c] as const))('%s', (name, c) => {
    const run = expectRefusedBeforeAnyRequest(name)
    const annotations = errorAnnotations(run.stdout)
    const onFile = annotations.filter(a => a.props.file !== undefined)
    const path = c.path ?? DEFAULT_FILE
    expect(onFile).toHaveLength(c.problems!.length)
    c.problems!.forEach((want, i) => {
      const got = onFile[i]
      expect(got.props).toEqual({ title: 'Invalid retention policy', file: path, line: String(want.line), col: expect.any(String) })
      if (typeof want.col === 'number') expect(got.props.col).toBe(String(want.col))
      expectMessage(got.message, want.message)
    })
    // The step's own failure is the last error, and nothing else is an error.
    expect(annotations).toHaveLength(onFile.length + 1)
    expect(annotations.at(-1)).toEqual({ props: {}, message: 'The policy is invalid (see the annotations and the job summary); nothing was listed or deleted.' })
    // The job summary says so too, each problem with its position (escaped as text).
    expect(run.summary).toContain('<strong>The policy is invalid</strong>')
    // ...once: the failure it causes is not reported a second time.
    expect(run.summary).not.toContain('The run failed')
    for (const want of c.problems!.filter(p => !p.fileLevel)) expect(run.summary).toContain(`line ${want.line}, column `)
    expect(run.summary).not.toMatch(/<(?!\/?(h2|p|strong|code|ul|li)>)/)
  })
})

describe('a policy that cannot be read: a clear error, exit 1, no request', () => {
  test('a missing file says where it looked', () => {
    const run = expectRefusedBeforeAnyRequest('a missing file')
    const [problem, failure] = errorAnnotations(run.stdout)
    expect(problem.props).toEqual({ title: 'Invalid retention policy' })
    expect(problem.message).toMatch(/^policy: policy file '\.github\/package-retention\.yml' was not found \(relative to the workspace .*\/workspace\); check the `policy` input or add the file$/)
    expect(failure.message).toBe('The policy is invalid (see the annotations and the job summary); nothing was listed or deleted.')
  })

  test('a directory is not a policy file', () => {
    const run = expectRefusedBeforeAnyRequest('a directory given as the policy')
    expect(errorAnnotations(run.stdout)[0].message).toMatch(/^policy: policy file 'ops' is a directory .*must name a YAML file or contain the policy as inline YAML/)
  })

  test('more problems than annotations: 9 on the file, the rest in the log, all in the summary', () => {
    const run = expectRefusedBeforeAnyRequest('more problems than annotations: 9 annotated, the rest in the log with positions')
    const annotations = errorAnnotations(run.stdout)
    // GitHub shows 10 error annotations per step: 9 problems and the step's failure.
    expect(annotations).toHaveLength(10)
    expect(annotations.slice(0, 9).map(a => a.props.line)).toEqual(['3', '4', '5', '6', '7', '8', '9', '10', '11'])
    expect(annotations[9].message).toBe('The policy is invalid (see the annotations and the job summary); nothing was listed or deleted.')
    expect(run.stdout).toContain(".github/package-retention.yml (line 12, column 33): rules[9].packages.type: must be one of container, npm, maven, rubygems, nuget, docker, not 'box'")
    expect(run.stdout).toContain('10 more problems not listed; fix the ones above and run again')
    expect(run.summary).toContain('<strong>line 52, column 34</strong>: rules[49].packages.type')
  })
})

describe('invalid inputs: every one reported in the failure, exit 1, no request', () => {
  test.each(inputCases.map(c => [c.name, c] as const))('%s', (name, c) => {
    const run = expectRefusedBeforeAnyRequest(name)
    const annotations = errorAnnotations(run.stdout)
    expect(annotations).toHaveLength(1)
    for (const expected of [c.failure!].flat()) expectMessage(annotations[0].message, expected)
    // Inputs are checked before the policy is read.
    expect(run.stdout).not.toContain('::group::Policy')
    // The job summary is always written: it carries the same message, escaped as text.
    expect(run.summary).toContain('<strong>The run failed</strong>: ')
    expect(run.summary).not.toMatch(/<(?!\/?(h2|p|strong)>)/)
  })
})

describe('an inline policy: no file to annotate, so each message carries its line and column', () => {
  test.each(inlineCases.map(c => [c.name, c] as const))('%s', (name, c) => {
    const run = expectRefusedBeforeAnyRequest(name)
    const annotations = errorAnnotations(run.stdout)
    expect(annotations).toHaveLength(c.problems!.length + 1)
    c.problems!.forEach((want, i) => {
      expect(annotations[i].props).toEqual({ title: 'Invalid retention policy' })
      expectMessage(annotations[i].message, want.message)
    })
    expectMessage(annotations.at(-1)!.message, c.failure as RegExp)
    expect(run.summary).toContain('Policy <code>inline</code>')
  })
})

test('the fake received no request at all', () => {
  expect(fake.requests).toEqual([])
  const slowest = Math.max(...[...results.values()].map(r => r.ms))
  expect(slowest).toBeLessThan(15_000)
})
