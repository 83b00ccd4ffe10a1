// End-to-end: the job summary is safe and bounded. Names, tags, rule names and reasons are
// shown as text (HTML-escaped, and no blank line that would let GitHub read the rest as
// Markdown); a run over 50,000 versions keeps the summary under GitHub's 1 MiB step limit,
// saying what it left out and that the full plan is in the plan file, and never leaving out a
// package that deletes something.
import { statSync } from 'node:fs'
import { FakeGitHub, type FakePackageSeed } from '../fake/index.js'
import { runAction } from './run-action.js'
import { PAT, containerVersion, npmVersion, world } from './world.js'

const MIB = 1024 * 1024
/** What GitHub's step summary may contain: the elements the action writes, nothing a name brought in. */
const ALLOWED_ELEMENTS = new Set(['h2', 'h3', 'p', 'em', 'strong', 'code', 'table', 'tr', 'th', 'td', 'details', 'summary', 'br', 'ul', 'li'])

function elementsIn(html: string): Set<string> {
  return new Set([...html.matchAll(/<\/?([A-Za-z][A-Za-z0-9-]*)/g)].map(m => m[1].toLowerCase()))
}

let fake: FakeGitHub
afterEach(async () => {
  await fake?.stop()
})

test('names, tags, rule names and reasons are escaped: an <img onerror> tag shows as text', async () => {
  const evilTag = '<img src=x onerror=alert(1)>'
  const evilVersion = '1.0.0-<svg onload=alert(1)>'
  const web: FakePackageSeed = {
    owner: 'acme',
    package_type: 'container',
    name: 'web',
    versions: [containerVersion('latest', ['latest'], 1), containerVersion('evil', [evilTag, 'pr-"quoted"&co'], 40), containerVersion('kept-evil', ["<b>it's</b>"], 50)]
  }
  const lib: FakePackageSeed = { owner: 'acme', package_type: 'npm', name: 'lib', versions: [npmVersion('0.9.0', 100), npmVersion(evilVersion, 60), npmVersion('2.0.0', 5)] }
  fake = await FakeGitHub.start(world([web, lib]))
  // A rule name with a blank line in it would end GitHub's HTML block: the rest would be Markdown.
  const policy = `version: 1
protect:
  tags: ["latest", "<b>*"]
rules:
  - name: "evil <i>rule</i>\\n\\n# a heading [link](https://example.invalid)"
    packages: { type: container, names: ["web"] }
    match: { tags: ["<img*", "pr-*"], older-than: 7d }   # every tag of the version must match (1.1)
  - name: svg
    packages: { type: npm, names: ["lib"] }
    match: { versions: ["1.0.0-*"] }
`
  const result = await runAction({
    apiUrl: fake.url,
    inputs: { token: PAT, policy: 'ops/a&<b>.yml', 'registry-url': fake.url },
    files: { 'ops/a&<b>.yml': policy }
  })
  expect(result.exitCode).toBe(0)
  expect(result.outputs['planned-count']).toBe('2')
  const summary = result.summary
  expect(summary).toContain('<code>&lt;img src=x onerror=alert(1)&gt;</code>')
  expect(summary).toContain('<code>pr-&quot;quoted&quot;&amp;co</code>')
  expect(summary).toContain('<code>1.0.0-&lt;svg onload=alert(1)&gt;</code>')
  expect(summary).toContain('<code>&lt;b&gt;it&#39;s&lt;/b&gt;</code>')
  expect(summary).toContain('evil &lt;i&gt;rule&lt;/i&gt;&#10;&#10;# a heading [link](https://example.invalid)')
  expect(summary).toContain('policy <code>ops/a&amp;&lt;b&gt;.yml</code>')
  // The reasons quote the tag, escaped too.
  expect(summary).toMatch(/delete: [^<]*&#39;&lt;img src=x onerror=alert\(1\)&gt;&#39;/)
  // Nothing but the action's own elements, and one HTML block: no blank line anywhere in it.
  expect([...elementsIn(summary)].filter(e => !ALLOWED_ELEMENTS.has(e))).toEqual([])
  expect(summary.trimEnd()).not.toMatch(/\n\s*\n/)
  // The plan file keeps the values as they are.
  const versions = result.planFile!.packages.flatMap(p => p.versions)
  expect(versions.find(v => v.tags.includes(evilTag))).toMatchObject({ decision: 'delete' })
  expect(versions.find(v => v.name === evilVersion)).toMatchObject({ decision: 'delete' })
})

test('a run over 50,000 versions keeps the summary under 1 MiB and says what it left out and where the full plan is', async () => {
  // 25,000 versions in one package (250 pages) and 250 packages of 100 (250 pages): 500 pages.
  const big: FakePackageSeed = {
    owner: 'acme',
    package_type: 'npm',
    name: 'big',
    versions: Array.from({ length: 25_000 }, (_, i) => npmVersion(`1.0.${i}`, 400 - i / 100))
  }
  const small = Array.from(
    { length: 250 },
    (_, p): FakePackageSeed => ({
      owner: 'acme',
      package_type: 'npm',
      name: `lib-${String(p).padStart(3, '0')}`,
      versions: Array.from({ length: 100 }, (_, i) => npmVersion(`2.${p}.${i}`, 400 - i * 2))
    })
  )
  fake = await FakeGitHub.start(world([big, ...small]))
  const policy = `version: 1
rules:
  - name: old-big
    packages: { type: npm, names: ["big"] }
    match: { older-than: 300d }
  - name: old-libs
    packages: { type: npm, names: ["lib-*"] }
    match: { older-than: 300d }
`
  const started = Date.now()
  const result = await runAction({ apiUrl: fake.url, inputs: { token: PAT, policy, 'registry-url': fake.url }, timeoutMs: 60_000 })
  const elapsed = Date.now() - started
  expect(result.exitCode).toBe(0)
  // 250 pages of the big package and page 1 again (its closing look), and one page of each small one.
  expect(fake.requests.filter(r => r.path.endsWith('/versions'))).toHaveLength(501)
  expect(fake.mutations()).toEqual([])

  const planPath = result.outputs['plan-path']
  const plan = result.planFile!
  expect(plan.totals.scanned).toBe(50_000)
  expect(plan.packages).toHaveLength(251)

  // Under GitHub's limit, counting every byte of the file the runner uploads.
  const size = statSync(`${result.workDir}/step-summary`).size
  expect(size).toBeLessThan(MIB)
  expect(size).toBeGreaterThan(500 * 1024) // it used the room it has
  const summary = result.summary
  // Every package is in the counts table, with the totals.
  expect(summary.match(/<tr><td><code>npm\/(big|lib-\d{3})<\/code><\/td>/g)).toHaveLength(251)
  expect(summary).toMatch(/<tr><td><strong>Total<\/strong><\/td><td>50000<\/td>/)
  // The big package: its first rows, then a note with the count left out and where they are.
  const bigDeleted = plan.packages.find(p => p.key === 'npm/big')!.versions.filter(v => v.decision === 'delete').length
  expect(summary).toMatch(new RegExp(`(\\d+) more versions to delete not shown( to stay under GitHub's 1 MiB summary limit)?; the full list is in the plan file <code>${planPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</code>\\.`))
  expect(bigDeleted).toBeGreaterThan(250)
  // Every package deletes something, so none is left out (1.2): each section is there, its rows cut
  // to a share of the budget with a note saying how many more and where they all are.
  const shown = summary.match(/<h3><code>npm\/lib-\d{3}<\/code>/g)!.length
  expect(shown).toBe(250)
  expect(summary).not.toContain('package section(s) left out')
  const cutNotes = summary.match(/\d+ more versions to delete not shown to stay under GitHub's 1 MiB summary limit; the full list is in the plan file/g) ?? []
  expect(cutNotes.length).toBeGreaterThan(0)
  expect([...elementsIn(summary)].filter(e => !ALLOWED_ELEMENTS.has(e))).toEqual([])
  console.log(`50,000 versions, 500 pages: dry run in ${(elapsed / 1000).toFixed(1)} s, summary ${(size / 1024).toFixed(0)} KiB`)
  expect(elapsed).toBeLessThan(30_000)
})
