// Holds the fake to GitHub's published OpenAPI description: every route it serves must be a
// documented operation, and every response must match the schema documented for its status.
// Statuses GitHub answers but does not document (a 404 on GET, a 400 refusal on DELETE) are
// listed explicitly per case and checked against the documented basic-error shape instead.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Ajv, type ValidateFunction } from 'ajv'
import addFormatsImport, { type FormatsPlugin } from 'ajv-formats'
import { FakeGitHub, type FakeOptions } from './index.js'

type Json = Record<string, unknown>
interface Operation {
  responses: Record<string, { content?: Record<string, { schema: Json }>; headers?: Record<string, unknown> }>
  externalDocs?: { url: string }
}
type Paths = Record<string, Record<string, Operation>>

const SPEC_FILE = join(process.cwd(), 'node_modules/@octokit/openapi/generated/api.github.com.deref.json')
// ajv-formats is CommonJS: under NodeNext its default import is the module object.
const addFormats: FormatsPlugin =
  (addFormatsImport as unknown as { default?: FormatsPlugin }).default ?? (addFormatsImport as unknown as FormatsPlugin)

/** OpenAPI 3.0 `nullable: true` → JSON Schema, which Ajv understands. */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema)
  if (!node || typeof node !== 'object') return node
  const { nullable, ...rest } = node as Json
  const out: Json = {}
  for (const [key, value] of Object.entries(rest)) {
    // Property maps are keyed by field name: convert their values, never treat keys as keywords.
    out[key] =
      key === 'properties' && value && typeof value === 'object'
        ? Object.fromEntries(Object.entries(value as Json).map(([k, v]) => [k, toJsonSchema(v)]))
        : toJsonSchema(value)
  }
  if (nullable !== true) return out
  if (Array.isArray(out.enum)) out.enum = [...out.enum, null]
  if (typeof out.type === 'string') return { ...out, type: [out.type, 'null'] }
  return { anyOf: [out, { type: 'null' }] }
}

let paths: Paths
let basicError: Json
const ajv = new Ajv({ strict: false, allErrors: true, logger: false })
addFormats(ajv)
const compiled = new WeakMap<Json, ValidateFunction>()

function validatorFor(schema: Json): ValidateFunction {
  let validate = compiled.get(schema)
  if (!validate) {
    validate = ajv.compile(toJsonSchema(schema) as Json)
    compiled.set(schema, validate)
  }
  return validate
}

const TOKENS = { pat: 'ghp_fake_octocat', scopeless: 'ghp_fake_hubot', actions: 'ghs_fake_actions' } as const

function seed(): FakeOptions {
  const day = (n: number) => new Date(Date.UTC(2024, 0, 1 + n)).toISOString()
  return {
    accounts: [
      { login: 'acme', type: 'Organization' },
      { login: 'octocat', type: 'User' },
      { login: 'hubot', type: 'User' }
    ],
    tokens: [
      { token: TOKENS.pat, kind: 'pat', login: 'octocat', scopes: ['read:packages', 'write:packages', 'delete:packages'] },
      { token: TOKENS.scopeless, kind: 'pat', login: 'hubot', scopes: ['repo'] },
      { token: TOKENS.actions, kind: 'github-token', owner: 'acme', adminOn: ['acme/container/web'] }
    ],
    packages: [
      {
        owner: 'acme',
        package_type: 'container',
        name: 'web',
        visibility: 'public',
        repository: 'acme/web',
        versions: Array.from({ length: 25 }, (_, i) => ({
          id: 100 + i,
          tags: i % 5 === 0 ? [`v${i}`] : [],
          created_at: day(i)
        }))
      },
      {
        owner: 'acme',
        package_type: 'container',
        name: 'team/api',
        visibility: 'private',
        versions: [{ id: 200, tags: ['latest'], created_at: day(1) }]
      },
      {
        owner: 'acme',
        package_type: 'npm',
        name: 'lib',
        visibility: 'private',
        versions: [{ id: 300, name: '1.0.0', created_at: day(1) }, { id: 301, name: '1.0.1', created_at: day(2) }]
      },
      {
        owner: 'acme',
        package_type: 'npm',
        name: 'popular',
        visibility: 'public',
        versions: [{ id: 400, name: '1.0.0', created_at: day(1), downloads: 9000 }, { id: 401, name: '2.0.0', created_at: day(2) }]
      },
      { owner: 'acme', package_type: 'maven', name: 'old', versions: [{ id: 500, name: '0.1', created_at: day(1) }] },
      {
        owner: 'octocat',
        package_type: 'npm',
        name: 'pub',
        visibility: 'public',
        versions: [0, 1, 2].map((n) => ({ id: 600 + n, name: `${n}.0.0`, created_at: day(n) }))
      },
      { owner: 'octocat', package_type: 'rubygems', name: 'gem', visibility: 'public', versions: [{ id: 700, name: '0.1.0', created_at: day(1) }] },
      {
        owner: 'octocat',
        package_type: 'container',
        name: 'app',
        visibility: 'private',
        repository: 'octocat/app',
        versions: [0, 1, 2, 3].map((n) => ({ id: 800 + n, tags: n === 3 ? ['latest'] : [], created_at: day(n) }))
      },
      { owner: 'octocat', package_type: 'nuget', name: 'tmp', visibility: 'private', versions: [{ id: 900, name: '1.0.0', created_at: day(1) }] }
    ]
  }
}

interface Case {
  method: string
  path: string
  token?: keyof typeof TOKENS
  status: number
  /** GitHub answers this status but its OpenAPI description does not list it for the operation. */
  undocumented?: true
  /** The result spans several pages: a Link header with rel="next" is required. */
  paged?: true
}

let fake: FakeGitHub

beforeAll(async () => {
  const spec = JSON.parse(readFileSync(SPEC_FILE, 'utf8')) as { paths: Paths }
  paths = spec.paths // the rest of the 70 MB document can be collected
  basicError = paths['/users/{username}']!.get!.responses['404']!.content!['application/json']!.schema
  fake = await FakeGitHub.start(seed())
}, 60_000)

afterAll(async () => {
  await fake?.stop()
})

// Ids from seed(): 101 an untagged web image, 200 the only (tagged) team/api image, 300 lib,
// 400 the much-downloaded popular version, 600 pub, 801 an untagged app image.
const CASES: Case[] = [
  // accounts and limits
  { method: 'GET', path: '/users/acme', status: 200 },
  { method: 'GET', path: '/users/octocat', token: 'pat', status: 200 },
  { method: 'GET', path: '/users/nobody', token: 'pat', status: 404 },
  { method: 'GET', path: '/user', token: 'pat', status: 200 },
  { method: 'GET', path: '/user', token: 'actions', status: 403 },
  { method: 'GET', path: '/user', status: 401 },
  { method: 'GET', path: '/rate_limit', token: 'pat', status: 200 },
  { method: 'GET', path: '/rate_limit', status: 200 },

  // /orgs/{org}
  { method: 'GET', path: '/orgs/acme/packages?package_type=container', token: 'pat', status: 200 },
  { method: 'GET', path: '/orgs/acme/packages?package_type=container&per_page=1', token: 'pat', status: 200, paged: true },
  { method: 'GET', path: '/orgs/acme/packages?package_type=npm&visibility=public', token: 'pat', status: 200 },
  { method: 'GET', path: '/orgs/acme/packages', token: 'pat', status: 400 },
  { method: 'GET', path: '/orgs/acme/packages?package_type=gradle', token: 'pat', status: 400 },
  { method: 'GET', path: '/orgs/acme/packages?package_type=container', token: 'actions', status: 403 },
  { method: 'GET', path: '/orgs/acme/packages?package_type=container', token: 'scopeless', status: 403 },
  { method: 'GET', path: '/orgs/acme/packages?package_type=container', status: 401 },
  { method: 'GET', path: '/orgs/acme/packages/container/web', token: 'pat', status: 200 },
  { method: 'GET', path: '/orgs/acme/packages/container/team%2Fapi', token: 'actions', status: 200 },
  { method: 'GET', path: '/orgs/acme/packages/container/nope', token: 'pat', status: 404, undocumented: true },
  { method: 'GET', path: '/orgs/acme/packages/container/web/versions?per_page=10&page=2', token: 'pat', status: 200, paged: true },
  { method: 'GET', path: '/orgs/acme/packages/container/web/versions', token: 'actions', status: 200 },
  { method: 'GET', path: '/orgs/acme/packages/container/nope/versions', token: 'pat', status: 404 },
  { method: 'GET', path: '/orgs/acme/packages/container/web/versions', token: 'scopeless', status: 403 },
  { method: 'GET', path: '/orgs/acme/packages/container/web/versions/101', token: 'pat', status: 200 },
  { method: 'GET', path: '/orgs/acme/packages/container/team%2Fapi/versions/200', token: 'pat', status: 200 },
  { method: 'GET', path: '/orgs/acme/packages/container/web/versions/1', token: 'pat', status: 404, undocumented: true },
  { method: 'DELETE', path: '/orgs/acme/packages/container/web/versions/101', token: 'actions', status: 204 },
  { method: 'DELETE', path: '/orgs/acme/packages/npm/lib/versions/300', token: 'actions', status: 404 },
  { method: 'DELETE', path: '/orgs/acme/packages/npm/lib/versions/300', status: 401 },
  { method: 'DELETE', path: '/orgs/acme/packages/npm/popular/versions/400', token: 'pat', status: 400, undocumented: true },
  { method: 'DELETE', path: '/orgs/acme/packages/container/team%2Fapi/versions/200', token: 'pat', status: 400, undocumented: true },
  { method: 'GET', path: '/orgs/acme/packages/container/web/versions?state=deleted', token: 'pat', status: 200 },
  { method: 'POST', path: '/orgs/acme/packages/container/web/versions/101/restore', token: 'actions', status: 204 },
  { method: 'POST', path: '/orgs/acme/packages/npm/lib/versions/300/restore', token: 'actions', status: 404 },
  { method: 'DELETE', path: '/orgs/acme/packages/maven/old', token: 'pat', status: 204 },
  { method: 'DELETE', path: '/orgs/acme/packages/npm/lib', token: 'actions', status: 404 },
  { method: 'POST', path: '/orgs/acme/packages/maven/old/restore', token: 'pat', status: 204 },
  { method: 'POST', path: '/orgs/acme/packages/maven/old/restore', token: 'scopeless', status: 403 },

  // /users/{username}
  { method: 'GET', path: '/users/octocat/packages?package_type=npm', token: 'pat', status: 200 },
  { method: 'GET', path: '/users/octocat/packages?package_type=npm', status: 401 },
  { method: 'GET', path: '/users/octocat/packages', token: 'pat', status: 400 },
  { method: 'GET', path: '/users/octocat/packages/npm/pub', token: 'scopeless', status: 403, undocumented: true },
  { method: 'GET', path: '/users/octocat/packages/npm/pub', token: 'pat', status: 200 },
  { method: 'GET', path: '/users/octocat/packages/container/app', token: 'pat', status: 404, undocumented: true },
  { method: 'GET', path: '/users/octocat/packages/npm/pub/versions?per_page=2', token: 'pat', status: 200, paged: true },
  { method: 'GET', path: '/users/octocat/packages/npm/pub/versions/600', token: 'pat', status: 200 },
  { method: 'DELETE', path: '/users/octocat/packages/npm/pub/versions/600', token: 'scopeless', status: 403 },
  { method: 'DELETE', path: '/users/octocat/packages/npm/pub/versions/600', token: 'pat', status: 204 },
  { method: 'POST', path: '/users/octocat/packages/npm/pub/versions/600/restore', token: 'pat', status: 204 },
  { method: 'DELETE', path: '/users/octocat/packages/rubygems/gem', token: 'pat', status: 204 },
  { method: 'POST', path: '/users/octocat/packages/rubygems/gem/restore', token: 'pat', status: 204 },
  { method: 'POST', path: '/users/octocat/packages/rubygems/gem/restore', status: 401 },

  // /user
  { method: 'GET', path: '/user/packages?package_type=container', token: 'pat', status: 200 },
  { method: 'GET', path: '/user/packages', token: 'pat', status: 400 },
  { method: 'GET', path: '/user/packages?package_type=container', token: 'actions', status: 403, undocumented: true },
  { method: 'GET', path: '/user/packages/container/app', token: 'pat', status: 200 },
  { method: 'GET', path: '/user/packages/container/app/versions?per_page=3', token: 'pat', status: 200, paged: true },
  { method: 'GET', path: '/user/packages/container/app/versions', token: 'actions', status: 403 },
  { method: 'GET', path: '/user/packages/container/app/versions/801', token: 'pat', status: 200 },
  { method: 'DELETE', path: '/user/packages/container/app/versions/801', token: 'pat', status: 204 },
  { method: 'DELETE', path: '/user/packages/container/app/versions/801', token: 'pat', status: 404 },
  { method: 'POST', path: '/user/packages/container/app/versions/801/restore', token: 'pat', status: 204 },
  { method: 'DELETE', path: '/user/packages/nuget/tmp', token: 'pat', status: 204 },
  { method: 'POST', path: '/user/packages/nuget/tmp/restore', token: 'pat', status: 204 },
  { method: 'DELETE', path: '/user/packages/nuget/tmp', status: 401 }
]

describe('the fake answers as GitHub’s OpenAPI description says', () => {
  // Cases run in order: later ones restore what earlier ones deleted.
  it.each(CASES)('$method $path as $token → $status', check)

  it('serves only documented operations, and every one of them was exercised', () => {
    const exercised = new Set(fake.requests.map((r) => `${r.method} ${r.route}`))
    // The container registry's routes (/v2/…, /token) are not REST: registry.test.ts covers them.
    const rest = fake.routes().filter((r) => !r.registry)
    expect(rest.length).toBeGreaterThan(0)
    for (const { method, template } of rest) {
      expect({ route: `${method} ${template}`, documented: Boolean(paths[template]?.[method.toLowerCase()]) }).toEqual({
        route: `${method} ${template}`,
        documented: true
      })
      expect(exercised).toContain(`${method} ${template}`)
    }
  })
})

async function check(c: Case): Promise<void> {
  const label = `${c.method} ${c.path} as ${c.token ?? 'anonymous'}`
  const headers: Record<string, string> = { accept: 'application/vnd.github+json' }
  if (c.token) headers.authorization = `Bearer ${TOKENS[c.token]}`
  const res = await fetch(fake.url + c.path, { method: c.method, headers })
  const text = await res.text()
  const template = fake.requests.at(-1)?.route
  const operation = template ? paths[template]?.[c.method.toLowerCase()] : undefined
  const documented = operation?.responses[String(res.status)]
  expect({ label, status: res.status, operation: Boolean(operation) }).toEqual({ label, status: c.status, operation: true })
  // An undocumented status must really be undocumented, or the case should be checked against the schema.
  expect({ label, documented: Boolean(documented) }).toEqual({ label, documented: !c.undocumented })

  if (res.status === 204) {
    expect({ label, body: text }).toEqual({ label, body: '' })
    return
  }
  const body = JSON.parse(text) as unknown
  const schema = documented?.content?.['application/json']?.schema ?? (res.status >= 400 ? basicError : undefined)
  expect({ label, schema: Boolean(schema) }).toEqual({ label, schema: true })
  const validate = validatorFor(schema as Json)
  validate(body)
  expect({ label, errors: validate.errors ?? [] }).toEqual({ label, errors: [] })

  for (const name of Object.keys(documented?.headers ?? {})) {
    expect({ label, header: name, present: res.headers.has(name) }).toEqual({ label, header: name, present: true })
  }
  // GitHub paginates with Link (the user-form version listing does too, though its operation
  // documents no page parameter).
  if (c.paged) {
    expect({ label, link: res.headers.get('link') }).toEqual({ label, link: expect.stringContaining('rel="next"') })
  }
  if (res.status >= 400) {
    const error = body as { message: string; documentation_url: string; status: string }
    expect(error.status).toBe(String(res.status))
    // Errors about the operation point at its documentation, as GitHub's do.
    if (error.message !== 'Bad credentials') {
      expect({ label, docs: error.documentation_url }).toEqual({ label, docs: operation?.externalDocs?.url })
    }
  }
}
