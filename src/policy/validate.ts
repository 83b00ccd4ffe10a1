// Policy text → validated, normalized Policy, or every problem found, each with its position.
// Order: YAML errors stop everything (positions in a broken document are unreliable); then the
// JSON Schema (Ajv); then the checks a schema cannot express. Nothing here throws for user input.
import type { ErrorObject } from 'ajv'
import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseDocument, visit, type Alias, type Document, type Node, type Pair } from 'yaml'
import schema from '../../policies/policy.schema.json' with { type: 'json' }
import { PACKAGE_TYPES, type PackageType, type Policy, type Rule } from '../model.js'
import { explainInvalidDuration, missingUnitHint, parseDuration } from './duration.js'
import { globFromRegex, regexLikeness } from './regex-like.js'
import { explainInvalidRange } from './semver-range.js'
// The schema compiled by Ajv at build time (scripts/generate-policy-validator.ts): no compiling at start-up.
import { validate as validatePolicySchema } from './policy-validator.generated.js'
import { MAX_POLICY_BYTES, readPolicySource, tooLargeMessage, type PolicyFile, type PolicyProblem, type PolicySource } from './source.js'

export type { PolicyProblem, PolicySource } from './source.js'

/** `warnings`: what is valid but probably not what the author meant (reported, the run goes on). */
export type ParsePolicyResult = { ok: true; policy: Policy; warnings: PolicyProblem[] } | { ok: false; problems: PolicyProblem[] }
export type LoadPolicyResult =
  | { ok: true; policy: Policy; warnings: PolicyProblem[]; source: PolicySource }
  | { ok: false; problems: PolicyProblem[]; source?: PolicySource; file?: PolicyFile }

// A policy never needs aliases beyond reusing a few glob lists; a "billion laughs" document
// trips this long before it costs memory.
const MAX_ALIAS_COUNT = 50


// ---------------------------------------------------------------- paths and positions

type Segment = string | number
type Position = { line: number; column: number }

/** `rules[1].match.older-than`: 0-based indices, dots between keys. */
function formatPath(segments: readonly Segment[]): string {
  return segments.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('')
}

/** "rules[1].match: " — nothing for the document itself. */
function prefix(segments: readonly Segment[]): string {
  return segments.length === 0 ? '' : `${formatPath(segments)}: `
}

function pointerSegments(instancePath: string): Segment[] {
  if (instancePath === '') return []
  // Only schema-known keys appear in instance paths and none is numeric, so digits are indices.
  return instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s))
}

class PolicyDocument {
  constructor(
    readonly doc: Document,
    private readonly lines: LineCounter
  ) {}

  position(offset: number): Position {
    const { line, col } = this.lines.linePos(offset)
    return { line, column: col }
  }

  private resolve(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.doc) : node
  }

  private pairIn(map: unknown, key: string): Pair | undefined {
    const resolved = this.resolve(map)
    if (!isMap(resolved)) return undefined
    return resolved.items.find((pair) => isScalar(pair.key) && String(pair.key.value) === key)
  }

  /** The node at `segments` and, when it is a mapping value, its pair; as far as the document goes. */
  private walk(segments: readonly Segment[]): { node: unknown; pair?: Pair } {
    let node: unknown = this.doc.contents
    let pair: Pair | undefined
    for (const segment of segments) {
      const current = this.resolve(node)
      if (typeof segment === 'number' && isSeq(current) && segment < current.items.length) {
        node = current.items[segment]
        pair = undefined
      } else if (typeof segment === 'string' && this.pairIn(current, segment)) {
        pair = this.pairIn(current, segment)
        node = pair?.value
      } else {
        break
      }
    }
    return { node, pair }
  }

  private nodeStart(node: unknown): Position | undefined {
    const range = (node as Node | null | undefined)?.range
    return range ? this.position(range[0]) : undefined
  }

  /** Where a value is written; an empty value (`rules:` with nothing) is shown at its key. */
  valueAt(segments: readonly Segment[]): Position | undefined {
    const { node, pair } = this.walk(segments)
    const emptyValue = node == null || (isScalar(node) && node.value === null && node.source === '')
    if (emptyValue && pair) return this.nodeStart(pair.key)
    return this.nodeStart(node) ?? this.nodeStart(this.doc.contents)
  }

  /** The text of a scalar as written ("1.0" for the number 1), to quote it back. */
  sourceAt(segments: readonly Segment[]): string | undefined {
    const { node } = this.walk(segments)
    return isScalar(node) && typeof node.source === 'string' ? node.source : undefined
  }

  /** Where a key of the mapping at `segments` is written, falling back to the mapping. */
  keyAt(segments: readonly Segment[], key: string): Position | undefined {
    const pair = this.pairIn(this.walk(segments).node, key)
    return this.nodeStart(pair?.key) ?? this.valueAt(segments)
  }

  /** The path of the mapping that holds the key written at `offset`, and that key. */
  keyWrittenAt(offset: number): { segments: Segment[]; key: string } | undefined {
    let found: { segments: Segment[]; key: string } | undefined
    visit(this.doc, {
      Pair: (_, pair, ancestors) => {
        if (!isScalar(pair.key) || pair.key.range?.[0] !== offset) return undefined
        found = { segments: ancestorSegments(ancestors), key: String(pair.key.value) }
        return visit.BREAK
      }
    })
    return found
  }
}

function ancestorSegments(ancestors: readonly unknown[]): Segment[] {
  const segments: Segment[] = []
  ancestors.forEach((ancestor, i) => {
    if (isPair(ancestor) && isScalar(ancestor.key)) segments.push(String(ancestor.key.value))
    else if (isSeq(ancestor) && i + 1 < ancestors.length) segments.push(ancestor.items.indexOf(ancestors[i + 1] as Node))
  })
  return segments
}

function problemAt(segments: readonly Segment[], message: string, position: Position | undefined): PolicyProblem {
  return { path: formatPath(segments), message, ...(position && { line: position.line, column: position.column }) }
}

// ---------------------------------------------------------------- schema errors → messages

const TAG_GLOB = 'a tag glob such as v* or pr-*'
const VERSION_GLOB = 'a version glob such as 1.* or *-SNAPSHOT'

/** What each place accepts, phrased to follow "must be". Keys: paths with `*` for indices. */
const EXPECTED: Record<string, string> = {
  '': 'a mapping with version, rules and optionally owner, protect, limits',
  version: '1 (this action reads policy format 1)',
  owner: 'a GitHub user or organization login',
  protect: 'a mapping with tags, versions and/or in-use',
  'protect.tags': 'a list of tag globs',
  'protect.tags.*': TAG_GLOB,
  'protect.versions': 'a list of version globs',
  'protect.versions.*': VERSION_GLOB,
  'protect.in-use': 'a list of workspace file globs',
  'protect.in-use.*': 'a workspace-relative file glob such as deploy/** or .github/workflows/*.yml (no leading / and no ..)',
  limits: 'a mapping with max-deletions and/or on-last-version',
  'limits.max-deletions': 'an integer >= 1',
  'limits.on-last-version': 'keep or delete-package',
  rules: 'a list of at least one rule',
  'rules.*': 'a rule: a mapping with name, packages and optionally match, keep',
  'rules.*.name': 'a non-blank rule name',
  'rules.*.packages': 'a mapping with type and names',
  'rules.*.packages.type': `one of ${PACKAGE_TYPES.join(', ')}`,
  'rules.*.packages.names': 'a list of at least one package name or glob',
  'rules.*.packages.names.*': 'a package name or glob, with at most one leading "!" to exclude',
  'rules.*.match': 'a mapping with tags, with-tags, versions, untagged, semver, prerelease, broken, older-than and/or age-from',
  'rules.*.match.tags': 'a list of at least one tag glob',
  'rules.*.match.tags.*': TAG_GLOB,
  'rules.*.match.with-tags': 'a list of at least one tag glob, such as ["sha-*"] for commit tags',
  'rules.*.match.with-tags.*': 'a tag glob such as sha-*',
  'rules.*.match.versions': 'a list of at least one version glob',
  'rules.*.match.versions.*': VERSION_GLOB,
  'rules.*.match.untagged': 'true (to match tagged versions use tags)',
  'rules.*.match.semver': 'an npm-style range in quotes, such as "<2.0.0", "1.x", "^3.1" or "*"',
  'rules.*.match.prerelease': 'true (only prereleases, such as 1.5.0-rc.1) or false (only releases)',
  'rules.*.match.broken': 'true (only damaged images); to leave them alone, remove the key',
  'rules.*.match.older-than': 'a duration such as 30d, 12h, 2w or P30D',
  'rules.*.match.age-from': 'updated or created',
  'rules.*.keep': 'a mapping with latest, per, tags and/or versions',
  'rules.*.keep.latest': 'an integer >= 0',
  'rules.*.keep.per': 'major or minor (keep.latest then counts within each major or major.minor line)',
  'rules.*.keep.tags': 'a list of tag globs',
  'rules.*.keep.tags.*': TAG_GLOB,
  'rules.*.keep.versions': 'a list of version globs',
  'rules.*.keep.versions.*': VERSION_GLOB
}

function placeOf(segments: readonly Segment[]): string {
  return segments.map((s) => (typeof s === 'number' ? '*' : s)).join('.')
}

function expectedAt(segments: readonly Segment[]): string {
  const place = placeOf(segments)
  return EXPECTED[place] ?? 'valid here'
}

function quote(text: string): string {
  const short = text.length > 60 ? `${text.slice(0, 57)}...` : text
  return `'${short}'`
}

function describeValue(value: unknown, stressType: boolean): string {
  if (value === null) return 'empty'
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list'
  if (typeof value === 'object') return 'a mapping'
  if (typeof value === 'string') return stressType ? `the string ${quote(value)}` : quote(value)
  return stressType ? `the ${typeof value} ${String(value)}` : String(value)
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]
}

/** The allowed word a near-miss was meant to be: same letters ignoring case and separators, or a typo or two. */
function closest(word: string, allowed: readonly string[]): string | undefined {
  const normal = (s: string): string => s.toLowerCase().replace(/[-_\s]/g, '')
  const same = allowed.find((candidate) => normal(candidate) === normal(word))
  if (same) return same
  const scored = allowed.map((candidate) => ({ candidate, distance: editDistance(normal(word), normal(candidate)) }))
  const best = scored.sort((a, b) => a.distance - b.distance)[0]
  return best && best.distance <= Math.max(1, Math.floor(word.length / 4)) ? best.candidate : undefined
}

type SchemaNode = { $ref?: string; type?: string; properties?: Record<string, SchemaNode> }

function deref(node: SchemaNode): SchemaNode {
  const name = node.$ref?.replace('#/definitions/', '')
  return name ? (schema.definitions as Record<string, SchemaNode>)[name] : node
}

/** "'older-than' belongs under match" for a key written one level too high. */
function misplacedHint(key: string, objectSchema: SchemaNode): string | undefined {
  const homes = Object.entries(objectSchema.properties ?? {})
    .filter(([, sub]) => deref(sub).properties?.[key] !== undefined)
    .map(([name]) => name)
  return homes.length > 0 ? `'${key}' belongs under ${homes.join(' or ')}` : undefined
}

function unknownKeyMessage(segments: Segment[], key: string, objectSchema: SchemaNode): string {
  const allowed = Object.keys(objectSchema.properties ?? {})
  const suggestion = closest(key, allowed)
  const misplaced = suggestion ? undefined : misplacedHint(key, objectSchema)
  const hint = suggestion ? ` (did you mean '${suggestion}'?)` : misplaced ? ` (${misplaced})` : ''
  const where = segments.length === 0 ? 'unknown top-level key' : 'unknown key'
  return `${prefix(segments)}${where} ${quote(key)}${hint}; allowed keys: ${allowed.join(', ')}`
}

function valueMessage(error: ErrorObject, segments: Segment[], written: string | undefined): string {
  const place = placeOf(segments)
  const value: unknown = error.data
  const expected = expectedAt(segments)
  if (error.keyword === 'type' && value === null) return `${prefix(segments)}is empty; it must be ${expected}`
  // `older-than: 14`: YAML reads a number; say which duration to write rather than to quote it.
  const unitless = place === 'rules.*.match.older-than' && typeof value === 'number' ? missingUnitHint(String(value)) : undefined
  if (unitless) return `${prefix(segments)}must be ${expected}, not the number ${String(value)}: ${unitless}`
  if (error.keyword === 'pattern' && typeof value === 'string') {
    if (place === 'rules.*.match.older-than') return `${prefix(segments)}${quote(value)} ${explainInvalidDuration(value)}`
    if (value.startsWith('!') && !place.startsWith('rules.*.packages')) {
      return `${prefix(segments)}${quote(value)} starts with "!", but exclusions are only allowed in packages.names; list what to match instead`
    }
  }
  if (error.keyword === 'minLength') return `${prefix(segments)}must not be empty; it must be ${expected}`
  const stressType = error.keyword === 'type' || (error.keyword === 'const' && typeof value !== typeof error.schema)
  return `${prefix(segments)}must be ${expected}, not ${describeValue(value, stressType)}${valueHint(error, written)}`
}

/** How to write what was probably meant: YAML reads 1.0 as a number and "5" as a string. */
function valueHint(error: ErrorObject, written: string | undefined): string {
  const value: unknown = error.data
  if (error.keyword === 'type' && error.schema === 'string' && written !== undefined && typeof value !== 'string') {
    return `; write it in quotes ("${written}") to use it as text`
  }
  if (error.keyword === 'type' && error.schema === 'integer' && typeof value === 'string' && /^-?\d+$/.test(value.trim())) {
    return '; write it without quotes'
  }
  const suggestion = error.keyword === 'enum' && typeof value === 'string' ? closest(value, error.schema as string[]) : undefined
  return suggestion ? `; did you mean '${suggestion}'?` : ''
}

// When one place fails several keywords (allErrors), the first of these says it best.
const KEYWORD_PRIORITY = ['type', 'const', 'enum', 'minLength', 'minItems', 'pattern', 'minimum']

function rank(error: ErrorObject): number {
  const index = KEYWORD_PRIORITY.indexOf(error.keyword)
  return index === -1 ? KEYWORD_PRIORITY.length : index
}

/** One problem per unknown key, per missing key, and per value. */
function problemKey(error: ErrorObject): string {
  if (error.keyword === 'additionalProperties') return `${error.instancePath}\u0000unknown\u0000${error.params.additionalProperty}`
  if (error.keyword === 'required') return `${error.instancePath}\u0000missing\u0000${error.params.missingProperty}`
  return `${error.instancePath}\u0000value`
}

function schemaProblems(errors: readonly ErrorObject[], document: PolicyDocument): PolicyProblem[] {
  const byPlace = new Map<string, ErrorObject>()
  for (const error of errors) {
    const kept = byPlace.get(problemKey(error))
    if (!kept || rank(error) < rank(kept)) byPlace.set(problemKey(error), error)
  }
  return [...byPlace.values()].map((error) => {
    const segments = pointerSegments(error.instancePath)
    if (error.keyword === 'additionalProperties') {
      const key = String(error.params.additionalProperty)
      return problemAt([...segments, key], unknownKeyMessage(segments, key, error.parentSchema as SchemaNode), document.keyAt(segments, key))
    }
    if (error.keyword === 'required') {
      const key = String(error.params.missingProperty)
      const message = `${prefix(segments)}missing required key ${quote(key)}: it must be ${expectedAt([...segments, key])}`
      return problemAt([...segments, key], message, document.valueAt(segments))
    }
    return problemAt(segments, valueMessage(error, segments, document.sourceAt(segments)), document.valueAt(segments))
  })
}

// ---------------------------------------------------------------- checks the schema cannot express

/** The policy as written, once the schema accepted it. */
interface RawPolicy {
  version: 1
  owner?: string
  protect?: { tags?: string[]; versions?: string[]; 'in-use'?: string[] }
  limits?: { 'max-deletions'?: number; 'on-last-version'?: 'keep' | 'delete-package' }
  rules: RawRule[]
}
interface RawRule {
  name: string
  packages: { type: PackageType; names: string[] }
  match?: {
    tags?: string[]
    'with-tags'?: string[]
    versions?: string[]
    untagged?: true
    semver?: string
    prerelease?: boolean
    broken?: true
    'older-than'?: string
    'age-from'?: 'updated' | 'created'
  }
  keep?: { latest?: number; per?: 'major' | 'minor'; tags?: string[]; versions?: string[] }
}

function ruleProblems(rule: RawRule, index: number, document: PolicyDocument): PolicyProblem[] {
  const at = (...rest: Segment[]): Segment[] => ['rules', index, ...rest]
  const problems: PolicyProblem[] = []
  const { match = {}, keep = {}, packages } = rule
  // (On other types both keys are refused below, each for what it is.)
  if (match.untagged && match.tags && packages.type === 'container') {
    const message = `${prefix(at('match', 'untagged'))}cannot be combined with tags: an untagged version has no tags to match; remove one of them`
    problems.push(problemAt(at('match', 'untagged'), message, document.keyAt(at('match'), 'untagged')))
  }
  if (match['with-tags'] && !match.tags && packages.type === 'container') {
    const message =
      `${prefix(at('match', 'with-tags'))}lists tags a version may carry beside those matching tags, but this rule has no tags, and with-tags never selects alone; ` +
      'add tags (e.g. tags: ["pr-42"] with with-tags: ["sha-*"]), or remove with-tags'
    problems.push(problemAt(at('match', 'with-tags'), message, document.keyAt(at('match'), 'with-tags')))
  }
  if (match.untagged && packages.type === 'container') {
    // An untagged image has no tag, hence no semver: the rule would select nothing (contract 1.2).
    for (const key of ['semver', 'prerelease'] as const) {
      if (match[key] === undefined) continue
      const message = `${prefix(at('match', key))}cannot be combined with untagged: true: a version's semver is read from its tags, and an untagged version has none, so this rule would select nothing; remove one of them`
      problems.push(problemAt(at('match', key), message, document.keyAt(at('match'), key)))
    }
  }
  if (packages.type !== 'container') {
    // Tags are for containers only (contract 1.1): say what selects or keeps these versions instead.
    const noTags = `${packages.type} versions have no tags (only container versions do)`
    if (match.tags) {
      const message = `${prefix(at('match', 'tags'))}${noTags}, so this rule could never match; select versions by name with match.versions (e.g. versions: ["*-beta*"]) or by semver with match.semver`
      problems.push(problemAt(at('match', 'tags'), message, document.keyAt(at('match'), 'tags')))
    }
    if (match['with-tags']) {
      const message = `${prefix(at('match', 'with-tags'))}${noTags}, so there are no companion tags to allow; remove with-tags and select versions by name with match.versions or by semver with match.semver`
      problems.push(problemAt(at('match', 'with-tags'), message, document.keyAt(at('match'), 'with-tags')))
    }
    if (match.untagged) {
      const message =
        `${prefix(at('match', 'untagged'))}${noTags}, so untagged: true would select every version, releases included; ` +
        'remove it and select versions by name with match.versions (e.g. versions: ["*-SNAPSHOT"]) or by semver with match.semver / match.prerelease'
      problems.push(problemAt(at('match', 'untagged'), message, document.keyAt(at('match'), 'untagged')))
    }
    if (keep.tags && keep.tags.length > 0) {
      const message = `${prefix(at('keep', 'tags'))}${noTags}, so this keeps nothing; keep versions by name with keep.versions (e.g. versions: ["2.*"])`
      problems.push(problemAt(at('keep', 'tags'), message, document.keyAt(at('keep'), 'tags')))
    }
  }
  if (keep.per !== undefined && keep.latest === undefined) {
    const message = `${prefix(at('keep', 'per'))}counts keep.latest within each semver ${keep.per === 'major' ? 'major' : 'major.minor'} line, but this rule has no keep.latest; add latest (e.g. latest: 2) under keep, or remove per`
    problems.push(problemAt(at('keep', 'per'), message, document.keyAt(at('keep'), 'per')))
  }
  if (match.semver !== undefined) {
    const why = explainInvalidRange(match.semver)
    if (why) problems.push(problemAt(at('match', 'semver'), `${prefix(at('match', 'semver'))}${quote(match.semver)} ${why}`, document.valueAt(at('match', 'semver'))))
  }
  if (packages.names.every((name) => name.startsWith('!'))) {
    const message = `${prefix(at('packages', 'names'))}lists only exclusions, so it selects no package; add the names or globs to include (e.g. '*' for all)`
    problems.push(problemAt(at('packages', 'names'), message, document.valueAt(at('packages', 'names'))))
  }
  const olderThan = match['older-than']
  if (olderThan !== undefined && !parseDuration(olderThan)) {
    const message = `${prefix(at('match', 'older-than'))}${quote(olderThan)} ${explainInvalidDuration(olderThan)}`
    problems.push(problemAt(at('match', 'older-than'), message, document.valueAt(at('match', 'older-than'))))
  }
  return problems
}

function semanticProblems(raw: RawPolicy, document: PolicyDocument): PolicyProblem[] {
  const firstByName = new Map<string, number>()
  const problems: PolicyProblem[] = []
  raw.rules.forEach((rule, index) => {
    const first = firstByName.get(rule.name)
    if (first === undefined) firstByName.set(rule.name, index)
    else {
      const firstLine = document.valueAt(['rules', first, 'name'])?.line
      const segments = ['rules', index, 'name']
      const message = `${prefix(segments)}duplicate rule name ${quote(rule.name)} (already used by rules[${first}] at line ${firstLine}); rule names must be unique`
      problems.push(problemAt(segments, message, document.valueAt(segments)))
    }
    problems.push(...ruleProblems(rule, index, document))
  })
  return problems
}

/** Every tag or name glob of the policy, with its path (protect.in-use holds file globs: not these). */
function namedGlobs(raw: RawPolicy): { segments: Segment[]; glob: string }[] {
  const found: { segments: Segment[]; glob: string }[] = []
  const add = (globs: readonly string[] | undefined, ...segments: Segment[]): void => {
    globs?.forEach((glob, i) => found.push({ segments: [...segments, i], glob }))
  }
  add(raw.protect?.tags, 'protect', 'tags')
  add(raw.protect?.versions, 'protect', 'versions')
  raw.rules.forEach((rule, r) => {
    add(rule.packages.names, 'rules', r, 'packages', 'names')
    add(rule.match?.tags, 'rules', r, 'match', 'tags')
    add(rule.match?.['with-tags'], 'rules', r, 'match', 'with-tags')
    add(rule.match?.versions, 'rules', r, 'match', 'versions')
    add(rule.keep?.tags, 'rules', r, 'keep', 'tags')
    add(rule.keep?.versions, 'rules', r, 'keep', 'versions')
  })
  return found
}

/** A glob written as a regular expression (`^pr-\d+$`) matches only its literal text. */
function regexLikeWarnings(raw: RawPolicy, document: PolicyDocument): PolicyProblem[] {
  return namedGlobs(raw).flatMap(({ segments, glob }) => {
    const why = regexLikeness(glob)
    if (!why) return []
    const suggestion = globFromRegex(glob)
    const message =
      `${prefix(segments)}${quote(glob)} looks like a regular expression (it ${why}), but it is read as a glob (* matches any text, ? one character; ^, $, \\ and . are plain characters), ` +
      `so it will not match what the regular expression would; ${suggestion ? `did you mean ${quote(suggestion)}?` : 'write a glob such as pr-* or v1.*'}`
    return [problemAt(segments, message, document.valueAt(segments))]
  })
}

/** Valid, but protecting or selecting nothing: reported as warnings, the run goes on. */
function policyWarnings(raw: RawPolicy, document: PolicyDocument): PolicyProblem[] {
  const warnings: PolicyProblem[] = regexLikeWarnings(raw, document)
  const protectedTags = raw.protect?.tags ?? []
  if (protectedTags.length > 0 && !raw.rules.some((rule) => rule.packages.type === 'container')) {
    const segments = ['protect', 'tags']
    const message =
      `${prefix(segments)}no rule of this policy is for container packages, and only container versions have tags, so these globs protect nothing; ` +
      'protect versions by name with protect.versions (e.g. versions: ["1.*"]), or remove protect.tags'
    warnings.push(problemAt(segments, message, document.keyAt(['protect'], 'tags')))
  }
  return warnings.sort(byPosition)
}

// ---------------------------------------------------------------- normalization

function normalizeRule(rule: RawRule): Rule {
  const { match = {}, keep = {} } = rule
  const olderThan = match['older-than'] === undefined ? undefined : parseDuration(match['older-than'])
  return {
    name: rule.name,
    packages: { type: rule.packages.type, names: [...rule.packages.names] },
    match: {
      ...(match.tags && { tags: [...match.tags] }),
      ...(match['with-tags'] && { withTags: [...match['with-tags']] }),
      ...(match.versions && { versions: [...match.versions] }),
      ...(match.untagged && { untagged: true as const }),
      ...(match.semver !== undefined && { semver: match.semver }),
      ...(match.prerelease !== undefined && { prerelease: match.prerelease }),
      ...(match.broken && { broken: true as const }),
      ...(olderThan && { olderThan }),
      ageFrom: match['age-from'] ?? 'updated'
    },
    keep: {
      ...(keep.latest !== undefined && { latest: keep.latest }),
      ...(keep.per !== undefined && { per: keep.per }),
      tags: [...(keep.tags ?? [])],
      versions: [...(keep.versions ?? [])]
    }
  }
}

function normalize(raw: RawPolicy): Policy {
  const maxDeletions = raw.limits?.['max-deletions']
  return {
    version: 1,
    ...(raw.owner !== undefined && { owner: raw.owner }),
    protect: { tags: [...(raw.protect?.tags ?? [])], versions: [...(raw.protect?.versions ?? [])], inUse: [...(raw.protect?.['in-use'] ?? [])] },
    limits: { ...(maxDeletions !== undefined && { maxDeletions }), onLastVersion: raw.limits?.['on-last-version'] ?? 'keep' },
    rules: raw.rules.map(normalizeRule)
  }
}

// ---------------------------------------------------------------- entry points

function byPosition(a: PolicyProblem, b: PolicyProblem): number {
  return (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0)
}

// Past this many, later problems are mostly fallout of earlier ones (an unclosed bracket can
// produce hundreds) and would bury them; the rest are counted instead of listed.
const MAX_PROBLEMS = 50

function failed(problems: PolicyProblem[]): ParsePolicyResult {
  const sorted = [...problems].sort(byPosition)
  if (sorted.length <= MAX_PROBLEMS) return { ok: false, problems: sorted }
  const more = sorted.length - MAX_PROBLEMS
  return { ok: false, problems: [...sorted.slice(0, MAX_PROBLEMS), { path: '', message: `${more} more problems not listed; fix the ones above and run again` }] }
}

// yaml's own wording, with what to do where it is not obvious to a policy author.
const YAML_HINTS: Partial<Record<string, string>> = {
  BAD_INDENT: 'check the indentation',
  TAG_RESOLVE_FAILED: 'a policy needs no YAML tags; remove it'
}

function yamlProblems(doc: Document, document: PolicyDocument): PolicyProblem[] {
  return [...doc.errors, ...doc.warnings].map((error) => {
    const position = document.position(error.pos[0])
    const duplicate = error.code === 'DUPLICATE_KEY' ? document.keyWrittenAt(error.pos[0]) : undefined
    if (duplicate) {
      const first = document.keyAt(duplicate.segments, duplicate.key)
      const message = `${prefix(duplicate.segments)}duplicate key ${quote(duplicate.key)} (first at line ${first?.line}); each key may appear only once`
      return problemAt([...duplicate.segments, duplicate.key], message, position)
    }
    if (error.code === 'MULTIPLE_DOCS') return problemAt([], 'the policy must be a single YAML document; remove the "---" separator and what follows', position)
    // yaml turns a stack overflow on deeply nested input into an error with the engine's wording.
    if (/call stack/i.test(error.message)) return problemAt([], 'invalid YAML: the policy is nested too deeply to read', position)
    const hint = YAML_HINTS[error.code]
    return problemAt([], `invalid YAML: ${error.message}${hint ? `; ${hint}` : ''}`, position)
  })
}

function topLevelProblem(doc: Document, document: PolicyDocument): PolicyProblem | undefined {
  const contents = doc.contents
  if (contents === null || (isScalar(contents) && contents.value === null)) {
    return problemAt([], 'the policy is empty; it must be a mapping with at least version: 1 and rules', { line: 1, column: 1 })
  }
  if (isMap(contents)) return undefined
  const what = isSeq(contents) ? 'a list' : isScalar(contents) ? `the value ${quote(String(contents.value))}` : 'an alias'
  return problemAt([], `the policy must be a YAML mapping with version, rules and optionally owner, protect, limits at the top level, not ${what}`, document.valueAt([]))
}

function toData(doc: Document, document: PolicyDocument): { data: unknown } | { problem: PolicyProblem } {
  try {
    return { data: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) }
  } catch (error) {
    // toJS fails on aliases: one without an anchor, or too much expansion (a "billion laughs").
    const aliases: Alias[] = []
    visit(doc, { Alias: (_, alias) => void aliases.push(alias) })
    const unresolved = aliases.find((alias) => alias.resolve(doc) === undefined)
    const at = (alias: Alias | undefined): Position | undefined => (alias?.range ? document.position(alias.range[0]) : undefined)
    if (unresolved) {
      const message = `invalid YAML: alias '*${unresolved.source}' has no anchor '&${unresolved.source}' before it`
      return { problem: problemAt([], message, at(unresolved)) }
    }
    const reason = error instanceof Error ? error.message : String(error)
    if (!/alias/i.test(reason)) return { problem: problemAt([], `invalid YAML: ${reason}`, undefined) }
    const message = `the policy expands aliases (*name) too much (over ${MAX_ALIAS_COUNT} nodes per alias); write the values out instead of nesting aliases`
    return { problem: problemAt([], message, at(aliases[0])) }
  }
}

/** Parse and validate policy text (YAML 1.2). Every problem has a position when the text has one. */
export function parsePolicy(text: string): ParsePolicyResult {
  const bytes = Buffer.byteLength(text, 'utf8')
  if (bytes > MAX_POLICY_BYTES) return failed([{ path: '', message: `${tooLargeMessage('the policy', bytes)}; it was not parsed` }])

  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, version: '1.2', schema: 'core', uniqueKeys: true, prettyErrors: false })
  const document = new PolicyDocument(doc, lineCounter)
  const syntax = yamlProblems(doc, document)
  if (syntax.length > 0) return failed(syntax)
  const topLevel = topLevelProblem(doc, document)
  if (topLevel) return failed([topLevel])

  const converted = toData(doc, document)
  if ('problem' in converted) return failed([converted.problem])
  if (!validatePolicySchema(converted.data)) return failed(schemaProblems(validatePolicySchema.errors ?? [], document))

  // The schema holds: the data has RawPolicy's shape.
  const raw = converted.data as RawPolicy
  const semantic = semanticProblems(raw, document)
  if (semantic.length > 0) return failed(semantic)
  return { ok: true, policy: normalize(raw), warnings: policyWarnings(raw, document) }
}

/** Read the `policy` input (inline YAML or a path under `workspaceDir`) and parse it. */
export async function loadPolicy(input: string, workspaceDir: string): Promise<LoadPolicyResult> {
  const read = await readPolicySource(input, workspaceDir)
  if (!read.ok) return read
  return { ...parsePolicy(read.source.text), source: read.source }
}
