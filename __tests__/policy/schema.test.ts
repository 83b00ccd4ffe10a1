// The JSON Schema itself: what editors see, and that every place it describes gets a clear message.
import { stringify } from 'yaml'
import schema from '../../policies/policy.schema.json' with { type: 'json' }
import { PACKAGE_TYPES } from '../../src/model.js'
import { parsePolicy } from '../../src/policy/validate.js'

interface SchemaNode {
  $ref?: string
  type?: string
  description?: string
  properties?: Record<string, SchemaNode>
  items?: SchemaNode
  additionalProperties?: boolean
  enum?: unknown[]
}

const definitions = schema.definitions as Record<string, SchemaNode>
const deref = (node: SchemaNode): SchemaNode => (node.$ref ? definitions[node.$ref.replace('#/definitions/', '')] : node)

/** Every property and list item in the schema: its path (".*" for list items), its schema as written and as resolved. */
function properties(node: SchemaNode, at: string): { at: string; written: SchemaNode; resolved: SchemaNode }[] {
  const resolved = deref(node)
  const own = Object.entries(resolved.properties ?? {}).flatMap(([key, sub]) => {
    const path = at ? `${at}.${key}` : key
    return [{ at: path, written: sub, resolved: deref(sub) }, ...properties(sub, path)]
  })
  const item = resolved.items
  const items = item ? [{ at: `${at}.*`, written: item, resolved: deref(item) }, ...properties(item, `${at}.*`)] : []
  return [...own, ...items]
}

const ALL = properties(schema as SchemaNode, '')

describe('policy.schema.json', () => {
  it('is a draft-07 schema with an id, a title and a description', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#')
    expect(schema.$id).toEqual(expect.any(String))
    expect(schema.title).toEqual(expect.any(String))
    expect(schema.description).toEqual(expect.any(String))
  })

  it('describes every property, for editors', () => {
    const undocumented = ALL.filter((p) => !p.written.description && !p.resolved.description).map((p) => p.at)
    expect(undocumented).toEqual([])
  })

  it('refuses unknown keys in every mapping', () => {
    const objects = [schema as SchemaNode, ...ALL.map((p) => p.resolved)].filter((node) => node.type === 'object')
    expect(objects.length).toBeGreaterThanOrEqual(7)
    for (const node of objects) expect(node.additionalProperties).toBe(false)
  })

  it('knows the package types of the model', () => {
    const type = ALL.find((p) => p.at === 'rules.*.packages.type')!
    expect(type.resolved.enum).toEqual([...PACKAGE_TYPES])
  })
})

// A policy that sets every key, so that every place in the schema can be made wrong in turn.
const EVERY_KEY = {
  version: 1,
  owner: 'acme',
  protect: { tags: ['latest'], versions: ['1.*'], 'in-use': ['deploy/**'] },
  limits: { 'max-deletions': 5, 'on-last-version': 'keep' },
  rules: [
    {
      name: 'r',
      packages: { type: 'container', names: ['web'] },
      match: { tags: ['pr-*'], 'with-tags': ['sha-*'], versions: ['*'], untagged: true, semver: '*', prerelease: false, broken: true, 'older-than': '30d', 'age-from': 'created' },
      keep: { latest: 1, per: 'minor', tags: ['stable'], versions: ['2.*'] }
    }
  ]
}

function withValueAt(segments: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(EVERY_KEY) as Record<string | number, unknown>
  const parent = segments.slice(0, -1).reduce<Record<string | number, unknown>>((node, s) => node[s] as Record<string | number, unknown>, copy)
  parent[segments[segments.length - 1]] = value
  return copy
}

describe('a wrong value at each place of the schema', () => {
  const places = ALL.map((p) => ({ ...p, segments: p.at.split('.').map((s) => (s === '*' ? 0 : s)) }))

  it('covers every place', () => {
    expect(places.length).toBe(39)
  })

  it.each(places.map((p) => [p.at, p]))('%s: one problem, at that place, saying what is allowed', (_at, place) => {
    // A number where a mapping or list belongs; a mapping where a scalar belongs.
    const wrong = place.resolved.type === 'object' || place.resolved.type === 'array' ? 7 : { x: 1 }
    const result = parsePolicy(stringify(withValueAt(place.segments, wrong)))
    expect(result.ok).toBe(false)
    if (result.ok) return
    const formatted = place.segments.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('')
    expect(result.problems).toHaveLength(1)
    expect(result.problems[0].path).toBe(formatted)
    expect(result.problems[0].message).toMatch(new RegExp(`^${formatted.replace(/[.[\]*]/g, '\\$&')}: must be .+, not (the number 7|a mapping)$`))
    expect(result.problems[0].message).not.toContain('valid here')
    expect(result.problems[0].line).toEqual(expect.any(Number))
  })
})
