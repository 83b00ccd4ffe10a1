// End-to-end (issue 17, contract 1.2 "The job summary"): the summary tells what happened and why.
// A named package missing among several makes the first line ⚠️ (dry run and execute) while the
// run exits 0; an org-wide sweep over 300 packages keeps every package that deletes something in
// the summary; a glob's `*` that skipped `team/tools` is said; an unresolved in-use template that
// keeps every image is said outside the collapsed list; warnings are in the summary too; a token
// that cannot delete gives a failing run with a ❌ first line and one "failed:" in its error; a
// cosign .att counts as an attestation; a deleting run says how to undo it and what the next
// scheduled run would do with restored versions.
import { statSync } from 'node:fs'
import { cosignSignature, FakeGitHub, singleImage, type FakePackageSeed } from '../fake/index.js'
import { runAction, type ActionRun } from './run-action.js'
import { PAT, READ_ONLY_PAT, containerVersion, daysAgo, npmVersion, world } from './world.js'

const MIB = 1024 * 1024

let fake: FakeGitHub
afterEach(async () => {
  await fake?.stop()
})

const firstLine = (run: ActionRun): string => run.summary.split('\n')[1]

function run(policy: string, inputs: Record<string, string> = {}, files: Record<string, string> = {}): Promise<ActionRun> {
  return runAction({ apiUrl: fake.url, inputs: { token: PAT, policy, 'registry-url': fake.url, 'max-deletes-per-minute': '180', ...inputs }, files, timeoutMs: 60_000 })
}

function webPackage(name = 'web'): FakePackageSeed {
  return { owner: 'acme', package_type: 'container', name, versions: [containerVersion(`${name}-latest`, ['latest'], 1), containerVersion(`${name}-pr-1`, ['pr-1'], 40), containerVersion(`${name}-pr-2`, ['pr-2'], 30)] }
}

test('a named package missing among several: ⚠️ on the first line of a dry run and of an executing run, exit 0, with what to do and the warning in the summary', async () => {
  fake = await FakeGitHub.start(world([webPackage('web'), webPackage('api')]))
  const policy = `version: 1
rules:
  - name: pr-close
    packages: { type: container, names: ["web", "api", "wbe"] }
    match: { tags: ["pr-*"] }
`
  const dry = await run(policy)
  expect(dry.exitCode).toBe(0)
  expect(firstLine(dry)).toMatch(/^<p>⚠️ <strong>Dry run<\/strong>: nothing was deleted; 4 versions would be deleted\..* But: a package the policy names was not found \(<code>container\/wbe<\/code>\)/)
  expect(dry.summary).toContain('Manage Actions access')
  expect(dry.summary).toMatch(/⚠️ Warnings \(1; .*<li>Package container\/wbe was not found for owner &#39;acme&#39;/)

  const executing = await run(policy, { 'dry-run': 'false' })
  expect(executing.exitCode).toBe(0)
  expect(executing.outputs['deleted-count']).toBe('4')
  expect(firstLine(executing)).toMatch(/^<p>⚠️ <strong>Executed<\/strong>: the plan was carried out: 4 versions deleted\. But: a package the policy names was not found \(<code>container\/wbe<\/code>\)/)
  // The same run with every package found is ✅.
  const clean = await run(policy.replace(', "wbe"', ''))
  expect(firstLine(clean)).toMatch(/^<p>✅ <strong>Dry run<\/strong>: nothing was deleted; 0 versions would be deleted/)
})

test('an org-wide sweep over 300 packages: the 10 packages holding the 100 deletions are all there, first, under 1 MiB', async () => {
  // 290 packages whose 40 versions are all kept, named before the 10 that each delete 10.
  const quiet = Array.from({ length: 290 }, (_, p): FakePackageSeed => ({
    owner: 'acme',
    package_type: 'npm',
    name: `aa-lib-${String(p).padStart(3, '0')}`,
    versions: Array.from({ length: 40 }, (_, i) => npmVersion(`1.${i}.0-${'build'.repeat(8)}`, 100 - i))
  }))
  const busy = Array.from({ length: 10 }, (_, p): FakePackageSeed => ({
    owner: 'acme',
    package_type: 'npm',
    name: `zz-app-${p}`,
    versions: [...Array.from({ length: 10 }, (_, i) => npmVersion(`0.${i}.0`, 200 - i)), ...Array.from({ length: 30 }, (_, i) => npmVersion(`1.${i}.0-${'build'.repeat(8)}`, 100 - i))]
  }))
  fake = await FakeGitHub.start(world([...quiet, ...busy]))
  const policy = `version: 1
rules:
  - name: old-zero
    packages: { type: npm, names: ["*"] }
    match: { versions: ["0.*"] }
`
  const result = await run(policy)
  expect(result.exitCode).toBe(0)
  expect(result.outputs['planned-count']).toBe('100')
  expect(statSync(`${result.workDir}/step-summary`).size).toBeLessThan(MIB)
  const summary = result.summary
  for (let p = 0; p < 10; p++) expect(summary).toContain(`<h3><code>npm/zz-app-${p}</code>`)
  expect(summary.match(/<td>would delete<\/td>/g)).toHaveLength(100)
  // The counts table starts with the packages that delete something; the 290 others are one row there.
  const counts = summary.slice(summary.indexOf('<table>'), summary.indexOf('</table>'))
  expect([...counts.matchAll(/<code>npm\/([a-z-]+\d+)<\/code>/g)].map(m => m[1])).toEqual(Array.from({ length: 10 }, (_, p) => `zz-app-${p}`))
  expect(counts).toContain('290 more package(s) with nothing to delete')
  expect(summary.indexOf('<h3><code>npm/zz-app-9</code>')).toBeLessThan(summary.indexOf('<h3><code>npm/aa-lib-000</code>') >>> 0)
})

test("a glob's * that skips team/tools is said in the log and the summary, from the listing it already made", async () => {
  fake = await FakeGitHub.start(world([webPackage('web'), webPackage('team/tools'), webPackage('team/ci')]))
  const policy = `version: 1
rules:
  - name: prs
    packages: { type: container, names: ["*", "!team/ci"] }
    match: { tags: ["pr-*"] }
`
  const result = await run(policy)
  expect(result.exitCode).toBe(0)
  expect(result.summary).toMatch(/<strong>Not reached by a glob<\/strong>: <code>container\/team\/tools<\/code>\. A glob's <code>\*<\/code> does not cross <code>\/<\/code>/)
  expect(result.summary).not.toContain('<code>container/team/ci</code>')
  expect(result.stdout).toMatch(/Not reached by a glob \(a glob's \* does not cross \/\): container\/team\/tools\./)
  // One listing of the owner's packages, as before.
  expect(fake.requests.filter(r => /\/orgs\/acme\/packages$/.test(r.path))).toHaveLength(1)
})

test('an unresolved in-use template that keeps every image is said outside the collapsed list, and its warning is in the summary', async () => {
  const images = Array.from({ length: 6 }, (_, i) => singleImage({ tags: [`1.${i}`], created_at: daysAgo(60 - i), salt: `web-${i}` }))
  fake = await FakeGitHub.start(world([{ owner: 'acme', package_type: 'container', name: 'web', versions: images.flatMap(i => i.versions) }]))
  const host = new URL(fake.url).host
  const policy = `version: 1
protect:
  in-use: ["deploy/**"]
rules:
  - name: old
    packages: { type: container, names: ["web"] }
    match: { older-than: 30d }
`
  const result = await run(policy, {}, { 'deploy/app.yaml': `image: ${host}/acme/web:\${TAG}\n` })
  expect(result.exitCode).toBe(0)
  const reason = 'kept: in use with an unresolved tag, deploy/app.yaml:1'
  expect(result.summary).toContain(`<p>Nothing to delete: every image is ${reason}.</p>`)
  expect(result.summary.indexOf(`every image is ${reason}`)).toBeLessThan(result.summary.indexOf('<details>'))
  expect(result.summary).toMatch(/⚠️ Warnings \(1; .*<li>deploy\/app\.yaml:1: .*the tag cannot be resolved from the file, so every version of web is kept/)
})

test('a token that cannot delete: ❌ first line, exit 1, and the error says "failed" once', async () => {
  fake = await FakeGitHub.start(world([webPackage('web')]))
  const policy = `version: 1
rules:
  - name: prs
    packages: { type: container, names: ["web"] }
    match: { tags: ["pr-*"] }
`
  const result = await run(policy, { 'dry-run': 'false', token: READ_ONLY_PAT })
  expect(result.exitCode).toBe(1)
  expect(firstLine(result)).toMatch(/^<p>❌ <strong>\d+ of \d+ deletions? failed<\/strong>/)
  const error = /^::error::(.*)$/m.exec(result.stdout)?.[1] ?? ''
  expect(error).toMatch(/^\d+ deletion\(s\) failed: /)
  expect(error).not.toContain('failed: failed:')
})

test('a cosign .att goes with its image as an attestation; a deleting run says how to undo it and that the next scheduled run deletes restored versions again', async () => {
  const image = singleImage({ tags: ['pr-7'], created_at: daysAgo(40), salt: 'pr-7' })
  const signature = cosignSignature(image, 'sig', daysAgo(40))
  const attestation = cosignSignature(image, 'att', daysAgo(40))
  fake = await FakeGitHub.start(world([{ owner: 'acme', package_type: 'container', name: 'web', versions: [...image.versions, ...signature.versions, ...attestation.versions, containerVersion('latest', ['latest'], 1)] }]))
  const policy = `version: 1
rules:
  - name: prs
    packages: { type: container, names: ["web"] }
    match: { tags: ["pr-*"] }
`
  const result = await run(policy, { 'dry-run': 'false' })
  expect(result.exitCode).toBe(0)
  expect(result.outputs['deleted-count']).toBe('3')
  expect(firstLine(result)).toMatch(/^<p>✅ <strong>Executed<\/strong>: the plan was carried out: 3 versions deleted\.<\/p>$/)
  expect(result.summary).toMatch(/<code>pr-7<\/code><\/td><td>1 attestation \+ 1 signature<\/td>/)
  expect(result.summary).toContain('<code>restore-from</code>')
  expect(result.summary).toContain('the next scheduled run deletes the restored versions again unless the policy keeps them')
})
