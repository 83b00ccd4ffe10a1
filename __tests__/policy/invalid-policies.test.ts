// Invalid policies, written from the contract: each one must be refused with a message that says
// what is wrong and what is allowed, at the line and column the contract asks for.
import { parsePolicy, type PolicyProblem } from '../../src/policy/validate.js'

/** Strip the indentation common to all lines and the first newline, so policies read naturally here. */
function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const text = String.raw({ raw: strings }, ...values).replace(/^\n/, '')
  const lines = text.split('\n')
  const indent = Math.min(...lines.filter((line) => line.trim() !== '').map((line) => /^ */.exec(line)![0].length))
  return lines.map((line) => line.slice(indent)).join('\n')
}

/** A valid rule's lines (3 to 6 when it follows `version: 1` and `rules:`), to build invalid variants. */
const WEB_RULE = `  - name: web
    packages:
      type: container
      names: [web]
`

interface Expected {
  path?: string
  message: string | RegExp
  line: number | undefined
  column: number | undefined
}

function problemsOf(text: string): PolicyProblem[] {
  const result = parsePolicy(text)
  if (result.ok) throw new Error(`expected problems, the policy was accepted:\n${text}`)
  return result.problems
}

function expectProblems(text: string, expected: Expected[]): void {
  const problems = problemsOf(text)
  expect(problems).toHaveLength(expected.length)
  expected.forEach((want, i) => {
    const got = problems[i]
    if (typeof want.message === 'string') expect(got.message).toContain(want.message)
    else expect(got.message).toMatch(want.message)
    expect({ line: got.line, column: got.column }).toEqual({ line: want.line, column: want.column })
    if (want.path !== undefined) expect(got.path).toBe(want.path)
  })
}

const cases: [string, string, Expected[]][] = [
  // ------------------------------------------------------------ YAML syntax
  [
    'bad indentation',
    yaml`
      version: 1
      rules:
        - name: web
          packages:
            type: container
           names: [web]
    `,
    [{ message: /^invalid YAML: .*indent/i, line: 6, column: 1 }]
  ],
  [
    'unclosed quote',
    yaml`
      version: 1
      owner: "acme
      rules: []
    `,
    [{ message: 'invalid YAML: Missing closing "quote', line: 4, column: 1 }]
  ],
  [
    'unclosed flow sequence',
    yaml`
      version: 1
      rules:
        - name: web
          packages: {type: container, names: [web}
    `,
    [
      { message: 'invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]', line: 4, column: 44 },
      { message: 'invalid YAML: Flow map in block collection must be sufficiently indented and end with a }', line: 4, column: 45 }
    ]
  ],
  [
    'unclosed flow mapping',
    yaml`
      version: 1
      rules:
        - name: web
          packages: {type: container, names: [web]
        - name: api
    `,
    [{ message: /^invalid YAML: .*flow/i, line: 5, column: 3 }]
  ],
  ['tab indentation', 'version: 1\nrules:\n\t- name: web\n', [{ message: /^invalid YAML: .*tab/i, line: 3, column: 1 }]],
  [
    'more than one document',
    yaml`
      version: 1
      ---
      rules: []
    `,
    [{ message: 'the policy must be a single YAML document; remove the "---" separator', line: 2, column: 1 }]
  ],
  [
    'a YAML tag',
    yaml`
      version: !int 1
      rules: []
    `,
    [{ message: 'invalid YAML: Unresolved tag: !int; a policy needs no YAML tags', line: 1, column: 10 }]
  ],
  [
    'an alias without anchor',
    yaml`
      version: 1
      protect:
        tags: *releases
    ` + `rules:\n${WEB_RULE}`,
    [{ message: "invalid YAML: alias '*releases' has no anchor '&releases' before it", line: 3, column: 9 }]
  ],
  [
    'an alias bomb (billion laughs)',
    yaml`
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
    [{ message: 'the policy expands aliases (*name) too much', line: 3, column: 8 }]
  ],

  // ------------------------------------------------------------ duplicates: at the second occurrence
  [
    'duplicate top-level key',
    `version: 1\nrules:\n${WEB_RULE}version: 1\n`,
    [{ path: 'version', message: "duplicate key 'version' (first at line 1)", line: 7, column: 1 }]
  ],
  [
    'duplicate key inside a rule',
    yaml`
      version: 1
      rules:
        - name: web
          packages:
            type: container
            names: [web]
            type: npm
    `,
    [{ path: 'rules[0].packages.type', message: "rules[0].packages: duplicate key 'type' (first at line 5)", line: 7, column: 7 }]
  ],
  [
    'duplicate rule names',
    `version: 1\nrules:\n${WEB_RULE}${WEB_RULE}`,
    [{ path: 'rules[1].name', message: "rules[1].name: duplicate rule name 'web' (already used by rules[0] at line 3)", line: 7, column: 11 }]
  ],

  // ------------------------------------------------------------ unknown keys: at the key
  [
    'unknown top-level key',
    yaml`
      version: 1
      rule:
        - name: web
    `,
    [
      { path: 'rules', message: "missing required key 'rules'", line: 1, column: 1 },
      { path: 'rule', message: "unknown top-level key 'rule' (did you mean 'rules'?); allowed keys: version, owner, protect, limits, rules", line: 2, column: 1 }
    ]
  ],
  [
    'unknown key in protect',
    yaml`
      version: 1
      protect:
        tag: [latest]
    ` + `rules:\n${WEB_RULE}`,
    [{ path: 'protect.tag', message: "protect: unknown key 'tag' (did you mean 'tags'?); allowed keys: tags, versions, in-use", line: 3, column: 3 }]
  ],
  [
    'unknown key in limits',
    yaml`
      version: 1
      limits:
        on-last-version: keep
        maxDeletions: 10
    ` + `rules:\n${WEB_RULE}`,
    [{ message: "limits: unknown key 'maxDeletions' (did you mean 'max-deletions'?); allowed keys: max-deletions, on-last-version", line: 4, column: 3 }]
  ],
  [
    'unknown key in a rule (a match condition one level too high)',
    `version: 1\nrules:\n${WEB_RULE}    older-than: 30d\n`,
    [{ message: "rules[0]: unknown key 'older-than' ('older-than' belongs under match); allowed keys: name, packages, match, keep", line: 7, column: 5 }]
  ],
  [
    'unknown key in packages (flow mapping)',
    yaml`
      version: 1
      rules:
        - name: web
          packages: {type: container, name: [web]}
    `,
    [
      { message: "rules[0].packages: missing required key 'names'", line: 4, column: 15 },
      { message: "rules[0].packages: unknown key 'name' (did you mean 'names'?)", line: 4, column: 33 }
    ]
  ],
  [
    'unknown key in match',
    `version: 1\nrules:\n${WEB_RULE}    match:\n      older_than: 30d\n`,
    [
      {
        path: 'rules[0].match.older_than',
        message: "rules[0].match: unknown key 'older_than' (did you mean 'older-than'?); allowed keys: tags, with-tags, versions, untagged, semver, prerelease, broken, older-than, age-from",
        line: 8,
        column: 7
      }
    ]
  ],
  [
    'unknown key in keep',
    `version: 1\nrules:\n${WEB_RULE}    keep:\n      lates: 5\n`,
    [{ message: "rules[0].keep: unknown key 'lates' (did you mean 'latest'?); allowed keys: latest, per, tags, versions", line: 8, column: 7 }]
  ],
  [
    'unknown key without a near miss',
    `version: 1\nrules:\n${WEB_RULE}    keep:\n      forever: true\n`,
    [{ message: /^rules\[0\]\.keep: unknown key 'forever'; allowed keys: latest, per, tags, versions$/, line: 8, column: 7 }]
  ],

  // ------------------------------------------------------------ wrong types: at the value
  [
    'version: 2',
    `version: 2\nrules:\n${WEB_RULE}`,
    [{ path: 'version', message: 'version: must be 1 (this action reads policy format 1), not 2', line: 1, column: 10 }]
  ],
  [
    'version: "1" (a string)',
    `version: "1"\nrules:\n${WEB_RULE}`,
    [{ message: "version: must be 1 (this action reads policy format 1), not the string '1'; write it without quotes", line: 1, column: 10 }]
  ],
  [
    'string for an integer',
    `version: 1\nlimits:\n  max-deletions: ten\nrules:\n${WEB_RULE}`,
    [{ path: 'limits.max-deletions', message: "limits.max-deletions: must be an integer >= 1, not the string 'ten'", line: 3, column: 18 }]
  ],
  [
    'quoted number for keep.latest',
    `version: 1\nrules:\n${WEB_RULE}    keep: {latest: "5"}\n`,
    [{ message: "rules[0].keep.latest: must be an integer >= 0, not the string '5'; write it without quotes", line: 7, column: 20 }]
  ],
  [
    'list where a mapping belongs (packages)',
    yaml`
      version: 1
      rules:
        - name: web
          packages: [container, web]
    `,
    [{ message: 'rules[0].packages: must be a mapping with type and names, not a list', line: 4, column: 15 }]
  ],
  [
    'list where a mapping belongs (protect)',
    `version: 1\nprotect: [latest]\nrules:\n${WEB_RULE}`,
    [{ message: 'protect: must be a mapping with tags, versions and/or in-use, not a list', line: 2, column: 10 }]
  ],
  [
    'mapping where a list belongs (names)',
    yaml`
      version: 1
      rules:
        - name: web
          packages:
            type: container
            names: {web: true}
    `,
    [{ message: 'rules[0].packages.names: must be a list of at least one package name or glob, not a mapping', line: 6, column: 14 }]
  ],
  [
    'mapping where a list belongs (rules)',
    yaml`
      version: 1
      rules:
        name: web
    `,
    [{ message: 'rules: must be a list of at least one rule, not a mapping', line: 3, column: 3 }]
  ],
  [
    'a string where a list of globs belongs',
    `version: 1\nrules:\n${WEB_RULE}    match:\n      tags: pr-*\n`,
    [{ message: "rules[0].match.tags: must be a list of at least one tag glob, not the string 'pr-*'", line: 8, column: 13 }]
  ],
  [
    'protect.in-use outside the workspace: an absolute path, a parent directory, an exclusion',
    `version: 1\nprotect:\n  in-use: ["/etc/deploy.yaml", "deploy/../../x.yaml", "!deploy/old/**"]\nrules:\n${WEB_RULE}`,
    [
      { path: 'protect.in-use[0]', message: "protect.in-use[0]: must be a workspace-relative file glob such as deploy/** or .github/workflows/*.yml (no leading / and no ..), not '/etc/deploy.yaml'", line: 3, column: 12 },
      { path: 'protect.in-use[1]', message: "protect.in-use[1]: must be a workspace-relative file glob such as deploy/** or .github/workflows/*.yml (no leading / and no ..), not 'deploy/../../x.yaml'", line: 3, column: 32 },
      { path: 'protect.in-use[2]', message: 'protect.in-use[2]: \'!deploy/old/**\' starts with "!", but exclusions are only allowed in packages.names', line: 3, column: 55 }
    ]
  ],
  [
    'protect.in-use as a string',
    `version: 1\nprotect:\n  in-use: deploy/**\nrules:\n${WEB_RULE}`,
    [{ message: "protect.in-use: must be a list of workspace file globs, not the string 'deploy/**'", line: 3, column: 11 }]
  ],
  [
    'a number in a glob list',
    `version: 1\nprotect:\n  versions: [1.0]\nrules:\n${WEB_RULE}`,
    [{ message: 'protect.versions[0]: must be a version glob such as 1.* or *-SNAPSHOT, not the number 1; write it in quotes ("1.0")', line: 3, column: 14 }]
  ],
  [
    'a rule that is not a mapping',
    `version: 1\nrules:\n  - web\n`,
    [{ message: "rules[0]: must be a rule: a mapping with name, packages and optionally match, keep, not the string 'web'", line: 3, column: 5 }]
  ],
  [
    'owner that is not a login',
    `version: 1\nowner: acme/web\nrules:\n${WEB_RULE}`,
    [{ message: "owner: must be a GitHub user or organization login, not 'acme/web'", line: 2, column: 8 }]
  ],

  // ------------------------------------------------------------ missing keys: at the mapping that lacks them
  ['missing version', `rules:\n${WEB_RULE}`, [{ path: 'version', message: "missing required key 'version': it must be 1", line: 1, column: 1 }]],
  [
    'missing rules (after a leading comment)',
    '# retention\nversion: 1\n',
    [{ path: 'rules', message: "missing required key 'rules': it must be a list of at least one rule", line: 2, column: 1 }]
  ],
  ['empty rules', 'version: 1\nrules: []\n', [{ message: 'rules: must be a list of at least one rule, not an empty list', line: 2, column: 8 }]],
  [
    'rule without name',
    yaml`
      version: 1
      rules:
        - packages:
            type: container
            names: [web]
    `,
    [{ path: 'rules[0].name', message: "rules[0]: missing required key 'name': it must be a non-blank rule name", line: 3, column: 5 }]
  ],
  [
    'rule without packages',
    yaml`
      version: 1
      rules:
        - name: web
          match: {untagged: true}
    `,
    [{ message: "rules[0]: missing required key 'packages': it must be a mapping with type and names", line: 3, column: 5 }]
  ],
  [
    'packages without type',
    yaml`
      version: 1
      rules:
        - name: web
          packages:
            names: [web]
    `,
    [{ message: "rules[0].packages: missing required key 'type': it must be one of container, npm, maven, rubygems, nuget, docker", line: 5, column: 7 }]
  ],
  [
    'packages without names',
    yaml`
      version: 1
      rules:
        - name: web
          packages:
            type: container
    `,
    [{ message: "rules[0].packages: missing required key 'names': it must be a list of at least one package name or glob", line: 5, column: 7 }]
  ],

  // ------------------------------------------------------------ enumerations and bounds
  [
    'bad package type (near miss)',
    `version: 1\nrules:\n  - name: web\n    packages:\n      type: Container\n      names: [web]\n`,
    [
      {
        message: "rules[0].packages.type: must be one of container, npm, maven, rubygems, nuget, docker, not 'Container'; did you mean 'container'?",
        line: 5,
        column: 13
      }
    ]
  ],
  [
    'bad package type',
    `version: 1\nrules:\n  - name: web\n    packages:\n      type: ghcr\n      names: [web]\n`,
    [{ message: /not 'ghcr'$/, line: 5, column: 13 }]
  ],
  [
    'on-last-version: remove',
    `version: 1\nlimits:\n  on-last-version: remove\nrules:\n${WEB_RULE}`,
    [{ message: "limits.on-last-version: must be keep or delete-package, not 'remove'", line: 3, column: 20 }]
  ],
  [
    'age-from: modified',
    `version: 1\nrules:\n${WEB_RULE}    match: {age-from: modified}\n`,
    [{ message: "rules[0].match.age-from: must be updated or created, not 'modified'", line: 7, column: 23 }]
  ],
  [
    'keep.latest: -1',
    `version: 1\nrules:\n${WEB_RULE}    keep:\n      latest: -1\n`,
    [{ message: 'rules[0].keep.latest: must be an integer >= 0, not -1', line: 8, column: 15 }]
  ],
  [
    'keep.latest: 2.5',
    `version: 1\nrules:\n${WEB_RULE}    keep:\n      latest: 2.5\n`,
    [{ message: 'rules[0].keep.latest: must be an integer >= 0, not the number 2.5', line: 8, column: 15 }]
  ],
  [
    'max-deletions: 0',
    `version: 1\nlimits:\n  max-deletions: 0\nrules:\n${WEB_RULE}`,
    [{ message: 'limits.max-deletions: must be an integer >= 1, not 0', line: 3, column: 18 }]
  ],
  [
    'untagged: yes (a string in YAML 1.2)',
    `version: 1\nrules:\n${WEB_RULE}    match:\n      untagged: yes\n`,
    [{ message: "rules[0].match.untagged: must be true (to match tagged versions use tags), not the string 'yes'", line: 8, column: 17 }]
  ],
  [
    'untagged: false',
    `version: 1\nrules:\n${WEB_RULE}    match:\n      untagged: false\n`,
    [{ message: 'rules[0].match.untagged: must be true (to match tagged versions use tags), not false', line: 8, column: 17 }]
  ],
  [
    'blank rule name',
    `version: 1\nrules:\n  - name: "  "\n    packages: {type: npm, names: [sdk]}\n`,
    [{ message: "rules[0].name: must be a non-blank rule name, not '  '", line: 3, column: 11 }]
  ],
  [
    'empty match.versions',
    `version: 1\nrules:\n${WEB_RULE}    match: {versions: []}\n`,
    [{ message: 'rules[0].match.versions: must be a list of at least one version glob, not an empty list', line: 7, column: 23 }]
  ],
  [
    'empty glob',
    `version: 1\nrules:\n${WEB_RULE}    keep: {versions: [""]}\n`,
    [{ message: 'rules[0].keep.versions[0]: must not be empty; it must be a version glob', line: 7, column: 23 }]
  ],

  // ------------------------------------------------------------ durations
  ...(
    [
      ['30 days', "'30 days' is not a duration; use 30d, 12h, 2w or P30D"],
      ['-1d', "'-1d' is not a duration: it cannot be negative; use 30d, 12h, 2w or P30D"],
      ['P', "'P' is not a duration; use 30d, 12h, 2w or P30D"],
      ['PT', "'PT' is not a duration; use 30d, 12h, 2w or P30D"],
      ['"30"', "'30' is not a duration: a unit is missing; write 30d for 30 days (or 30h, 30w, 30m for hours, weeks, minutes)"],
      ['90s', "'90s' is not a duration: seconds are not supported"],
      ['0d', "'0d' is zero; a duration must be longer than 0"],
      ['1.5d', "'1.5d' is not a duration: fields must be whole numbers"],
      ['P1.5D', "'P1.5D' is not a duration: fields must be whole numbers"],
      ['30D', "'30D' is not a duration: units are lower case"],
      ['1M', "'1M' is not a duration: for months use ISO 8601 (P1M); m means minutes"],
      ['P0D', "'P0D' is zero; a duration must be longer than 0"],
      ['P5000Y', "'P5000Y' is too long"]
    ] as const
  ).map(([written, message]): [string, string, Expected[]] => [
    `older-than: ${written}`,
    `version: 1\nrules:\n${WEB_RULE}    match:\n      older-than: ${written}\n`,
    [{ path: 'rules[0].match.older-than', message: `rules[0].match.older-than: ${message}`, line: 8, column: 19 }]
  ]),
  [
    'older-than: 30 (a number)',
    `version: 1\nrules:\n${WEB_RULE}    match:\n      older-than: 30\n`,
    [{ message: 'rules[0].match.older-than: must be a duration such as 30d, 12h, 2w or P30D, not the number 30', line: 8, column: 19 }]
  ],

  // ------------------------------------------------------------ globs
  [
    '"!" in match.tags',
    `version: 1\nrules:\n${WEB_RULE}    match:\n      tags: ["pr-*", "!pr-1"]\n`,
    [{ message: `rules[0].match.tags[1]: '!pr-1' starts with "!", but exclusions are only allowed in packages.names`, line: 8, column: 22 }]
  ],
  [
    '"!" in protect.versions',
    `version: 1\nprotect:\n  versions: ["!1.*"]\nrules:\n${WEB_RULE}`,
    [{ message: `protect.versions[0]: '!1.*' starts with "!"`, line: 3, column: 14 }]
  ],
  [
    'a lone "!" in packages.names',
    `version: 1\nrules:\n  - name: web\n    packages: {type: container, names: [web, "!"]}\n`,
    [{ message: `rules[0].packages.names[1]: must be a package name or glob, with at most one leading "!" to exclude, not '!'`, line: 4, column: 46 }]
  ],
  [
    'packages.names with only exclusions',
    `version: 1\nrules:\n  - name: web\n    packages:\n      type: container\n      names: ["!api", "!web"]\n`,
    [{ path: 'rules[0].packages.names', message: 'rules[0].packages.names: lists only exclusions, so it selects no package', line: 6, column: 14 }]
  ],

  // ------------------------------------------------------------ conditions that cannot hold
  [
    'untagged together with tags',
    `version: 1\nrules:\n${WEB_RULE}    match:\n      tags: ["pr-*"]\n      untagged: true\n`,
    [{ path: 'rules[0].match.untagged', message: 'rules[0].match.untagged: cannot be combined with tags', line: 9, column: 7 }]
  ],
  [
    'match.tags on npm',
    `version: 1\nrules:\n  - name: sdk\n    packages: {type: npm, names: [sdk]}\n    match:\n      tags: [beta]\n`,
    [{ message: 'rules[0].match.tags: npm versions have no tags (only container versions do), so this rule could never match', line: 6, column: 7 }]
  ],
  [
    'keep.tags on maven',
    `version: 1\nrules:\n  - name: lib\n    packages: {type: maven, names: [com.acme.lib]}\n    keep:\n      tags: [stable]\n`,
    [{ message: 'rules[0].keep.tags: maven versions have no tags (only container versions do), so this keeps nothing', line: 6, column: 7 }]
  ],

  // ------------------------------------------------------------ 1.1: tags are for containers only
  [
    'untagged: true on npm (it would select every version, releases included)',
    `version: 1\nrules:\n  - name: sdk\n    packages: {type: npm, names: [sdk]}\n    match:\n      older-than: 30d\n      untagged: true\n`,
    [
      {
        path: 'rules[0].match.untagged',
        message: /^rules\[0\]\.match\.untagged: npm versions have no tags \(only container versions do\), so untagged: true would select every version, releases included; remove it and select versions by name with match\.versions .* or by semver with match\.semver/,
        line: 7,
        column: 7
      }
    ]
  ],
  [
    'untagged and tags on rubygems, each at its key, saying what to write instead',
    `version: 1\nrules:\n  - name: gem\n    packages: {type: rubygems, names: [gem]}\n    match: {tags: [beta], untagged: true}\n`,
    [
      { path: 'rules[0].match.tags', message: 'select versions by name with match.versions', line: 5, column: 13 },
      { path: 'rules[0].match.untagged', message: 'rubygems versions have no tags', line: 5, column: 27 }
    ]
  ],

  // ------------------------------------------------------------ 1.1: semver, prerelease, keep.per, broken
  [
    'an invalid semver range, at its value, with what to write instead',
    `version: 1\nrules:\n  - name: lib\n    packages: {type: npm, names: [lib]}\n    match:\n      semver: "1.2-SNAPSHOT"\n`,
    [
      {
        path: 'rules[0].match.semver',
        message:
          'rules[0].match.semver: \'1.2-SNAPSHOT\' is not a semver range; write an npm-style range such as "<2.0.0", ">=1.2 <1.5", "1.x", "^3.1", or "*" for every version with a semver (to select versions by name, such as "*-SNAPSHOT", use match.versions)',
        line: 6,
        column: 15
      }
    ]
  ],
  [
    'a semver range that is not finished',
    `version: 1\nrules:\n${WEB_RULE}    match: {semver: ">=1.2.3 <"}\n`,
    [{ message: "rules[0].match.semver: '>=1.2.3 <' is not a semver range; write an npm-style range", line: 7, column: 21 }]
  ],
  [
    'semver written as a number',
    `version: 1\nrules:\n${WEB_RULE}    match:\n      semver: 1.2\n`,
    [{ message: 'rules[0].match.semver: must be an npm-style range in quotes, such as "<2.0.0", "1.x", "^3.1" or "*", not the number 1.2; write it in quotes ("1.2") to use it as text', line: 8, column: 15 }]
  ],
  [
    'a blank semver range',
    `version: 1\nrules:\n${WEB_RULE}    match:\n      semver: " "\n`,
    [{ path: 'rules[0].match.semver', message: /^rules\[0\]\.match\.semver: must be an npm-style range/, line: 8, column: 15 }]
  ],
  [
    'prerelease: yes (a string in YAML 1.2)',
    `version: 1\nrules:\n${WEB_RULE}    match:\n      prerelease: yes\n`,
    [{ message: "rules[0].match.prerelease: must be true (only prereleases, such as 1.5.0-rc.1) or false (only releases), not the string 'yes'", line: 8, column: 19 }]
  ],
  [
    'broken: false',
    `version: 1\nrules:\n${WEB_RULE}    match:\n      broken: false\n`,
    [{ message: 'rules[0].match.broken: must be true (only damaged images); to leave them alone, remove the key, not false', line: 8, column: 15 }]
  ],
  [
    'keep.per without keep.latest, at the key',
    `version: 1\nrules:\n${WEB_RULE}    match: {semver: "1.x"}\n    keep:\n      per: minor\n`,
    [
      {
        path: 'rules[0].keep.per',
        message: 'rules[0].keep.per: counts keep.latest within each semver major.minor line, but this rule has no keep.latest; add latest (e.g. latest: 2) under keep, or remove per',
        line: 9,
        column: 7
      }
    ]
  ],
  [
    'keep.per: patch',
    `version: 1\nrules:\n${WEB_RULE}    keep: {latest: 1, per: patch}\n`,
    [{ message: "rules[0].keep.per: must be major or minor (keep.latest then counts within each major or major.minor line), not 'patch'", line: 7, column: 28 }]
  ],

  // ------------------------------------------------------------ 1.2: empty semver alternatives, semver beside untagged, with-tags, unitless durations
  ...['>=1.0.0 ||', '||', '1.2.3 || || 2.0.0', '1.2.3 ||  || 2.0.0', ' || 1.0.0', '>=1.0.0 ||   '].map(
    (range): [string, string, Expected[]] => [
      `semver "${range}" (an empty alternative)`,
      `version: 1\nrules:\n${WEB_RULE}    match:\n      semver: "${range}"\n`,
      [
        {
          path: 'rules[0].match.semver',
          message: `rules[0].match.semver: '${range}' has an empty alternative (nothing on one side of "||"), which npm's semver reads as "*" (every version); remove the extra "||" or write the missing range`,
          line: 8,
          column: 15
        }
      ]
    ]
  ),
  [
    'semver and prerelease beside untagged: true, each at its key',
    `version: 1\nrules:\n${WEB_RULE}    match:\n      untagged: true\n      semver: "*"\n      prerelease: false\n`,
    [
      { path: 'rules[0].match.semver', message: "rules[0].match.semver: cannot be combined with untagged: true: a version's semver is read from its tags, and an untagged version has none", line: 9, column: 7 },
      { path: 'rules[0].match.prerelease', message: 'rules[0].match.prerelease: cannot be combined with untagged: true', line: 10, column: 7 }
    ]
  ],
  [
    'with-tags without tags, at the key',
    `version: 1\nrules:\n${WEB_RULE}    match:\n      with-tags: ["sha-*"]\n      older-than: 14d\n`,
    [
      {
        path: 'rules[0].match.with-tags',
        message: 'rules[0].match.with-tags: lists tags a version may carry beside those matching tags, but this rule has no tags, and with-tags never selects alone; add tags (e.g. tags: ["pr-42"] with with-tags: ["sha-*"]), or remove with-tags',
        line: 8,
        column: 7
      }
    ]
  ],
  [
    'with-tags on an npm rule',
    'version: 1\nrules:\n  - name: sdk\n    packages: {type: npm, names: [sdk]}\n    match: {versions: ["*-rc*"], with-tags: ["sha-*"]}\n',
    [{ path: 'rules[0].match.with-tags', message: 'rules[0].match.with-tags: npm versions have no tags (only container versions do), so there are no companion tags to allow', line: 5, column: 34 }]
  ],
  [
    'with-tags: [] (empty)',
    `version: 1\nrules:\n${WEB_RULE}    match: {tags: [pr-1], with-tags: []}\n`,
    [{ path: 'rules[0].match.with-tags', message: 'rules[0].match.with-tags: must be a list of at least one tag glob, such as ["sha-*"] for commit tags, not an empty list', line: 7, column: 38 }]
  ],
  [
    'with-tags: a glob starting with "!"',
    `version: 1\nrules:\n${WEB_RULE}    match: {tags: [pr-1], with-tags: ["!sha-*"]}\n`,
    [{ path: 'rules[0].match.with-tags[0]', message: `rules[0].match.with-tags[0]: '!sha-*' starts with "!", but exclusions are only allowed in packages.names`, line: 7, column: 39 }]
  ],
  [
    'older-than: 14 (a number without a unit)',
    `version: 1\nrules:\n${WEB_RULE}    match:\n      older-than: 14\n`,
    [{ message: 'rules[0].match.older-than: must be a duration such as 30d, 12h, 2w or P30D, not the number 14: a unit is missing; write 14d for 14 days', line: 8, column: 19 }]
  ],

  // ------------------------------------------------------------ documents that are not a policy
  ['empty document', '', [{ message: 'the policy is empty; it must be a mapping with at least version: 1 and rules', line: 1, column: 1 }]],
  ['only comments', '# nothing yet\n', [{ message: 'the policy is empty', line: 1, column: 1 }]],
  ['top-level list', '- version: 1\n', [{ path: '', message: 'the policy must be a YAML mapping with version, rules', line: 1, column: 1 }]],
  ['scalar document', '\nretention\n', [{ message: "at the top level, not the value 'retention'", line: 2, column: 1 }]],
  ['rules: with nothing', 'version: 1\nrules:\n', [{ path: 'rules', message: 'rules: is empty; it must be a list of at least one rule', line: 2, column: 1 }]],
  [
    'match: with nothing',
    `version: 1\nrules:\n${WEB_RULE}    match:\n`,
    [{ message: 'rules[0].match: is empty; it must be a mapping with tags, with-tags, versions, untagged, semver, prerelease, broken, older-than and/or age-from', line: 7, column: 5 }]
  ],
  [
    'an explicit null',
    `version: 1\nowner: null\nrules:\n${WEB_RULE}`,
    [{ message: 'owner: is empty; it must be a GitHub user or organization login', line: 2, column: 8 }]
  ],
  [
    'a multi-megabyte policy',
    `version: 1\nrules:\n${WEB_RULE}${'# padding padding padding padding padding padding padding padding\n'.repeat(40_000)}`,
    [{ path: '', message: /^the policy is 2\.5 MiB \(\d+ bytes\); the limit is 1 MiB/, line: undefined, column: undefined }]
  ]
]

describe('invalid policies', () => {
  it('covers at least 45 distinct policies', () => {
    expect(cases.length).toBeGreaterThanOrEqual(45)
  })

  it.each(cases)('%s', (_name, text, expected) => {
    expectProblems(text, expected)
  })
})

describe('several problems at once', () => {
  const text = yaml`
    version: 2
    limits: {max-deletions: 0, on-last-version: remove}
    rules:
      - name: web
        packages: {type: box, names: []}
        match: {older-than: 30 days, untagged: yes, color: red}
        keep: {latest: -1}
  `

  it('reports every problem, sorted by line then column', () => {
    const problems = problemsOf(text)
    expect(problems.map((p) => [p.line, p.column, p.path])).toEqual([
      [1, 10, 'version'],
      [2, 25, 'limits.max-deletions'],
      [2, 45, 'limits.on-last-version'],
      [5, 22, 'rules[0].packages.type'],
      [5, 34, 'rules[0].packages.names'],
      [6, 25, 'rules[0].match.older-than'],
      [6, 44, 'rules[0].match.untagged'],
      [6, 49, 'rules[0].match.color'],
      [7, 20, 'rules[0].keep.latest']
    ])
  })

  it('says each place once, with the most specific message', () => {
    const problems = problemsOf(`version: 1\nrules:\n${WEB_RULE}    match: {older-than: ""}\n`)
    expect(problems).toHaveLength(1)
    expect(problems[0].message).toBe("rules[0].match.older-than: '' is not a duration; use 30d, 12h, 2w or P30D")
  })

  it('reports checks beyond the schema only once the schema passes', () => {
    const problems = problemsOf(`version: 2\nrules:\n${WEB_RULE}${WEB_RULE}`)
    expect(problems.map((p) => p.path)).toEqual(['version'])
  })

  it('refuses deeply nested YAML without overflowing the stack', () => {
    const problems = problemsOf(`version: 1\nrules: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`)
    expect(problems).toEqual([{ path: '', message: 'invalid YAML: the policy is nested too deeply to read', line: expect.any(Number), column: expect.any(Number) }])
  })

  it('lists at most 50 problems and counts the rest', () => {
    const rules = Array.from({ length: 60 }, (_, i) => `  - {name: r${i}, packages: {type: box, names: [web]}}`).join('\n')
    const problems = problemsOf(`version: 1\nrules:\n${rules}\n`)
    expect(problems).toHaveLength(51)
    expect(problems[49]).toMatchObject({ path: 'rules[49].packages.type', line: 52 })
    expect(problems[50]).toEqual({ path: '', message: '10 more problems not listed; fix the ones above and run again' })
  })

  it('never throws for odd YAML', () => {
    const oddities = ['? [a]\n: b\n', '{', ']', '&a [*a]', '"\\u00', '!!binary x', 'a: b: c', '- - -', '\u0000', '%YAML 9.9\n---\na: 1']
    for (const text of oddities) {
      const result = parsePolicy(text)
      expect(result.ok).toBe(false)
      if (!result.ok) expect(result.problems.length).toBeGreaterThan(0)
    }
  })
})
