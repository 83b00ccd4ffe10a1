import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { MAX_POLICY_BYTES, readPolicySource } from '../../src/policy/source.js'
import { loadPolicy } from '../../src/policy/validate.js'

const VALID = 'version: 1\nrules:\n  - name: web\n    packages: {type: container, names: [web]}\n'

let workspace: string

beforeAll(async () => {
  workspace = await mkdtemp(path.join(os.tmpdir(), 'policy-source-'))
  await mkdir(path.join(workspace, '.github', 'policies'), { recursive: true })
  await writeFile(path.join(workspace, '.github', 'package-retention.yml'), VALID)
})

afterAll(async () => {
  await rm(workspace, { recursive: true, force: true })
})

async function problemOf(input: string) {
  const result = await readPolicySource(input, workspace)
  if (result.ok) throw new Error(`expected a problem for ${input}`)
  expect(result.problems).toHaveLength(1)
  return { ...result.problems[0], file: result.file }
}

describe('readPolicySource', () => {
  it('takes a value containing a newline as inline YAML', async () => {
    const result = await readPolicySource(VALID, workspace)
    expect(result).toEqual({ ok: true, source: { kind: 'inline', text: VALID } })
  })

  it('takes a single line as a path relative to the workspace', async () => {
    const result = await readPolicySource('.github/package-retention.yml', workspace)
    expect(result).toEqual({
      ok: true,
      source: { kind: 'file', path: '.github/package-retention.yml', absolutePath: path.join(workspace, '.github/package-retention.yml'), text: VALID }
    })
  })

  it('takes a single line of YAML as a path too (the contract: only a newline makes it inline)', async () => {
    const problem = await problemOf('version: 1')
    expect(problem.message).toContain("policy file 'version: 1' was not found")
  })

  it('reports paths relative to the workspace, for annotations', async () => {
    const viaDot = await readPolicySource('./.github/../.github/package-retention.yml', workspace)
    expect(viaDot.ok && viaDot.source.kind === 'file' && viaDot.source.path).toBe('.github/package-retention.yml')
    const absolute = await readPolicySource(path.join(workspace, '.github/package-retention.yml'), workspace)
    expect(absolute.ok && absolute.source.kind === 'file' && absolute.source.path).toBe('.github/package-retention.yml')
  })

  it('trims a path given with surrounding spaces', async () => {
    const result = await readPolicySource('  .github/package-retention.yml ', workspace)
    expect(result.ok).toBe(true)
  })

  it('keeps a path outside the workspace as given', async () => {
    const outside = await mkdtemp(path.join(os.tmpdir(), 'policy-outside-'))
    try {
      const file = path.join(outside, 'p.yml')
      await writeFile(file, VALID)
      const result = await readPolicySource(file, workspace)
      expect(result.ok && result.source.kind === 'file' && result.source.path).toBe(file)
    } finally {
      await rm(outside, { recursive: true, force: true })
    }
  })

  it('explains a missing file', async () => {
    const problem = await problemOf('.github/x.yml')
    expect(problem).toEqual({
      path: '',
      message: `policy file '.github/x.yml' was not found (relative to the workspace ${workspace}); check the \`policy\` input or add the file`,
      file: undefined
    })
  })

  it('explains a missing file given by absolute path without the workspace note', async () => {
    const missing = path.join(workspace, 'nowhere', 'p.yml')
    const problem = await problemOf(missing)
    expect(problem.message).toBe("policy file 'nowhere/p.yml' was not found; check the `policy` input or add the file")
  })

  it('treats a path through a file as missing', async () => {
    const problem = await problemOf('.github/package-retention.yml/inner.yml')
    expect(problem.message).toContain('was not found')
  })

  it('refuses a directory', async () => {
    const problem = await problemOf('.github/policies')
    expect(problem.message).toBe(
      `policy file '.github/policies' is a directory (relative to the workspace ${workspace}); the \`policy\` input must name a YAML file or contain the policy as inline YAML`
    )
    expect(problem.line).toBeUndefined()
  })

  it('refuses an empty input', async () => {
    expect((await problemOf('  ')).message).toContain('the `policy` input is empty')
  })

  it('refuses a file over 1 MiB without reading it, saying the limit', async () => {
    await writeFile(path.join(workspace, 'huge.yml'), 'version: 1\n' + '#'.repeat(3 * MAX_POLICY_BYTES))
    const problem = await problemOf('huge.yml')
    expect(problem.message).toMatch(/^policy file 'huge\.yml' is 3\.0 MiB \(3145739 bytes\); the limit is 1 MiB/)
    expect(problem.file).toEqual({ path: 'huge.yml', absolutePath: path.join(workspace, 'huge.yml') })
  })

  it('accepts a file of exactly 1 MiB', async () => {
    await writeFile(path.join(workspace, 'max.yml'), '#'.repeat(MAX_POLICY_BYTES))
    expect((await readPolicySource('max.yml', workspace)).ok).toBe(true)
  })

  it('refuses bytes that are not UTF-8, with their line and column', async () => {
    const bytes = Buffer.concat([Buffer.from('version: 1\nowner: caf'), Buffer.from([0xe9]), Buffer.from('\nrules: []\n')])
    await writeFile(path.join(workspace, 'latin1.yml'), bytes)
    const problem = await problemOf('latin1.yml')
    expect(problem).toMatchObject({
      message: "policy file 'latin1.yml' is not UTF-8 text: byte 0xE9 at offset 21 (line 2, column 11) is invalid; save the file as UTF-8",
      line: 2,
      column: 11,
      file: { path: 'latin1.yml' }
    })
  })

  it('counts columns in characters after multi-byte UTF-8 text', async () => {
    const bytes = Buffer.concat([Buffer.from('# é ✓ 😀\nowner: '), Buffer.from([0xff, 0xfe])])
    await writeFile(path.join(workspace, 'mixed.yml'), bytes)
    const problem = await problemOf('mixed.yml')
    expect(problem).toMatchObject({ line: 2, column: 8 })
    expect(problem.message).toContain('byte 0xFF')
  })

  it('refuses a file that ends inside a multi-byte sequence', async () => {
    await writeFile(path.join(workspace, 'cut.yml'), Buffer.concat([Buffer.from('version: 1\nowner: x'), Buffer.from([0xe2, 0x9c])]))
    expect(await problemOf('cut.yml')).toMatchObject({ line: 2, column: 9, message: expect.stringContaining('byte 0xE2 at offset 19') })
  })

  it('refuses a UTF-16 file at its first byte', async () => {
    await writeFile(path.join(workspace, 'utf16.yml'), Buffer.from('\ufeffversion: 1\n', 'utf16le'))
    expect(await problemOf('utf16.yml')).toMatchObject({ line: 1, column: 1 })
  })

  it('accepts a UTF-8 byte order mark', async () => {
    await writeFile(path.join(workspace, 'bom.yml'), '\ufeff' + VALID)
    const result = await readPolicySource('bom.yml', workspace)
    expect(result.ok && result.source.text).toBe(VALID)
  })
})

describe('loadPolicy', () => {
  it('parses an inline policy', async () => {
    const result = await loadPolicy(VALID, workspace)
    expect(result.ok).toBe(true)
    expect(result.ok && result.source.kind).toBe('inline')
    expect(result.ok && result.policy.rules[0].name).toBe('web')
  })

  it('parses the default policy file', async () => {
    const result = await loadPolicy('.github/package-retention.yml', workspace)
    expect(result.ok && result.source).toMatchObject({ kind: 'file', path: '.github/package-retention.yml' })
  })

  it('returns the source with the problems, so they can be annotated on the file', async () => {
    await writeFile(path.join(workspace, '.github', 'policies', 'bad.yml'), 'version: 1\nrules:\n  - name: web\n    packges: {}\n')
    const result = await loadPolicy('.github/policies/bad.yml', workspace)
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.source).toMatchObject({ kind: 'file', path: '.github/policies/bad.yml' })
    expect(result.problems.map((p) => [p.line, p.column])).toEqual([
      [3, 5],
      [4, 5]
    ])
  })

  it('returns the read problem without a source', async () => {
    const result = await loadPolicy('.github/none.yml', workspace)
    expect(result).toMatchObject({ ok: false, problems: [{ message: expect.stringContaining('was not found') }] })
    expect(!result.ok && result.source).toBeUndefined()
  })

  it('refuses a multi-megabyte inline policy', async () => {
    const result = await loadPolicy(VALID + '#'.repeat(2 * MAX_POLICY_BYTES), workspace)
    expect(result).toMatchObject({ ok: false, problems: [{ message: expect.stringMatching(/^the policy is 2\.0 MiB .*the limit is 1 MiB/) }] })
  })
})
