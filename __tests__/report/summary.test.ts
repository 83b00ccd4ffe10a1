import type { RunReport, ReportedVersion } from '../../src/report/run-report.js'
import { emptyCounts } from '../../src/report/run-report.js'
import type { RestoreItem } from '../../src/execute/restore.js'
import type { RuleAccount } from '../../src/model.js'
import { escapeHtml, formatAge, renderRestoreSummary, renderSummary, ROWS_PER_TABLE } from '../../src/report/summary.js'
import { describeParts } from '../../src/report/image-entries.js'

const NOW = '2026-11-20T00:00:00.000Z'

function version(id: number, decision: 'delete' | 'keep', tags: string[] = [], extra: Partial<ReportedVersion> = {}): ReportedVersion {
  return { id, name: `sha256:${String(id).padStart(64, '0')}`, tags, createdAt: '2026-10-10T00:00:00Z', updatedAt: '2026-10-10T00:00:00Z', role: 'image', decision, reason: `${decision === 'delete' ? 'delete' : 'kept'}: because`, ...extra }
}

function report(versions: ReportedVersion[], extra: Partial<RunReport> = {}, packages = 1): RunReport {
  const counts = { ...emptyCounts(), scanned: versions.length }
  return {
    mode: 'dry-run',
    owner: { login: 'acme', kind: 'org' },
    policy: '.github/package-retention.yml',
    now: NOW,
    packages: Array.from({ length: packages }, (_, i) => ({
      key: `container/web-${i}`,
      package: { owner: 'acme', ownerKind: 'org' as const, type: 'container' as const, name: `web-${i}`, visibility: 'private' as const },
      rules: ['r'],
      counts,
      versions
    })),
    totals: counts,
    missing: [],
    failures: [],
    requests: {},
    damaged: [],
    ...extra
  }
}

test('escapes everything user-controlled', () => {
  const evil = '<img src=x onerror=alert(1)>'
  const html = renderSummary(report([version(1, 'delete', [evil], { reason: `delete: tag '${evil}'`, rule: evil })], { policy: evil }), '/tmp/plan.json')
  expect(html).not.toContain('<img')
  expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;')
  expect(escapeHtml(`a&b"c'd`)).toBe('a&amp;b&quot;c&#39;d')
})

test('shows the mode, the counts table and the kept versions collapsed', () => {
  const html = renderSummary(report([version(1, 'delete', ['pr-1']), version(2, 'keep', ['latest'])]), '/tmp/plan.json')
  expect(html).toContain('Dry run')
  expect(html).toMatch(/<th>Scanned<\/th><th>Kept<\/th><th>Planned<\/th><th>Deleted<\/th><th>Skipped<\/th><th>Failed<\/th><th>Deferred<\/th>/)
  expect(html).toContain('<details><summary>Kept: 1 image(s), 1 version(s)</summary>')
  expect(html).toContain('/tmp/plan.json')
})

test('versions of other package types are listed as versions, without the tags and parts columns of images', () => {
  const npm = report([version(1, 'delete', [], { name: '1.0.0-SNAPSHOT' }), version(2, 'keep', [], { name: '1.0.0' })])
  npm.packages[0] = { ...npm.packages[0], key: 'npm/lib', package: { ...npm.packages[0].package, type: 'npm', name: 'lib' } }
  const html = renderSummary(npm, '/tmp/plan.json')
  expect(html).toContain('<details><summary>Kept: 1 version(s)</summary>')
  expect(html).toContain('<tr><th>ID</th><th>Version</th><th>Age</th><th>Rule</th><th>Reason</th><th>Would</th></tr>')
  expect(html).toContain('<tr><td>1</td><td><code>1.0.0-SNAPSHOT</code></td><td>')
  expect(html).not.toContain('With it')
  expect(html).not.toContain('image(s)')
})

test('long lists are cut with a note naming the plan file', () => {
  const versions = Array.from({ length: ROWS_PER_TABLE + 20 }, (_, i) => version(i, 'delete'))
  const html = renderSummary(report(versions), '/tmp/plan.json')
  expect(html).toContain('20 more images to delete not shown; the full list is in the plan file <code>/tmp/plan.json</code>')
})

test('stays under the byte budget, saying what was left out: rows to delete are cut, never their package', () => {
  const versions = Array.from({ length: 200 }, (_, i) => version(i, 'delete', [`tag-${'x'.repeat(100)}-${i}`]))
  const html = renderSummary(report(versions, {}, 40), '/tmp/plan.json', 200_000)
  expect(Buffer.byteLength(html)).toBeLessThan(200_000)
  expect(html.match(/<h3>/g)).toHaveLength(40)
  expect(html.match(/\d+ more images to delete not shown to stay under GitHub's 1 MiB summary limit/g)).toHaveLength(40)
})

test('ages read in hours under two days, else days', () => {
  expect(formatAge('2026-11-19T12:00:00Z', NOW)).toBe('12h')
  expect(formatAge('2026-11-10T00:00:00Z', NOW)).toBe('10d')
})

describe('every part of the summary counts against the budget', () => {
  const MIB = 1024 * 1024

  test('thousands of packages with nothing to delete: collapsed under the counts, and the whole stays under budget', () => {
    const versions = [version(1, 'keep', ['pr-1']), version(2, 'keep', ['latest'])]
    const html = renderSummary(report(versions, {}, 5000), '/tmp/plan.json')
    expect(Buffer.byteLength(html)).toBeLessThan(MIB)
    expect(html).toContain('<tr><td colspan="8"><em>5000 more package(s) with nothing to delete: listed under the table</em></td></tr>')
    expect(html).toContain('<details><summary>5000 package(s) with nothing to delete</summary>')
    expect(html).toContain('<td><strong>Total</strong></td>')
    expect(html).toMatch(/(\d+) more package section\(s\) left out to stay under GitHub's 1 MiB summary limit; the full plan, every version with its decision and reason, is in the plan file <code>\/tmp\/plan\.json<\/code>/)
  })

  test('thousands of packages with deletions: the counts table is cut too, every section is there', () => {
    const html = renderSummary(report([version(1, 'delete', ['pr-1']), version(2, 'keep', ['latest'])], {}, 3000), '/tmp/plan.json')
    expect(Buffer.byteLength(html)).toBeLessThan(MIB)
    expect(html).toMatch(/<td colspan="8"><em>\d+ more package\(s\): their counts are in the plan file<\/em><\/td>/)
    expect(html.match(/<h3><code>container\/web-\d+<\/code>/g)).toHaveLength(3000)
    expect(html).not.toContain('package section(s) left out')
  })

  test('a huge failure list and long messages are cut, pointing at the plan file', () => {
    const failures = Array.from({ length: 10_000 }, (_, i) => `failure ${i}: ${'<x>'.repeat(2000)}`)
    const html = renderSummary(report([version(1, 'delete')], { failures }), '/tmp/plan.json', 200_000)
    expect(Buffer.byteLength(html)).toBeLessThan(200_000)
    expect(html).toContain('… and 9980 more failure causes (see the plan file)')
  })

  test('packages whose rows are huge share the budget: each is cut inside its table, with the note, none left out', () => {
    const tags = Array.from({ length: 200 }, (_, t) => `tag-${t}-${'y'.repeat(40)}`)
    const versions = Array.from({ length: 300 }, (_, i) => version(i + 1, 'delete', tags))
    const budget = 300_000
    const html = renderSummary(report(versions, {}, 3), '/tmp/plan.json', budget)
    expect(Buffer.byteLength(html)).toBeLessThanOrEqual(budget)
    const notes = html.match(/(\d+) more images to delete not shown to stay under GitHub's 1 MiB summary limit; the full list is in the plan file <code>\/tmp\/plan\.json<\/code>/g)
    expect(notes).toHaveLength(3)
    // Shared evenly: each package shows rows.
    for (const section of html.split('<h3>').slice(1)) expect(section).toContain('<td>would delete</td>')
    expect(html).not.toContain('package section(s) left out')
    // Tables are closed: every <table> has its </table>.
    expect(html.match(/<table>/g)!.length).toBe(html.match(/<\/table>/g)!.length)
  })

  test('exactly at any budget: never over it', () => {
    const versions = Array.from({ length: 400 }, (_, i) => version(i, i % 2 ? 'keep' : 'delete', [`t${i}`]))
    for (const budget of [5_000, 20_000, 50_000, 120_000]) {
      expect(Buffer.byteLength(renderSummary(report(versions, {}, 10), '/tmp/plan.json', budget))).toBeLessThanOrEqual(budget)
    }
  })

  test('a line break in a name cannot end the HTML block (the rest would be read as Markdown)', () => {
    const html = renderSummary(report([version(1, 'delete', [], { rule: 'a\n\n# b', reason: 'x\r\ny' })]), '/tmp/plan.json')
    expect(html).toContain('a&#10;&#10;# b')
    expect(html).toContain('x&#13;&#10;y')
    expect(html).not.toMatch(/\n\s*\n/)
  })
})

describe('the restore summary', () => {
  const item = (outcome: RestoreItem['outcome'], detail = ''): RestoreItem => ({ packageKey: 'container/<web>', id: 7, name: 'sha256:' + 'a'.repeat(64), tags: ['<img src=x>'], outcome, detail })

  test('counts, causes grouped by package and said once, each version with its result, escaped', () => {
    const html = renderRestoreSummary({
      planFile: '/tmp/<plan>.json',
      dryRun: false,
      items: [item('restored', 'restored'), item('failed', "GitHub no longer keeps it <b>"), item('failed', "GitHub no longer keeps it <b>"), item('already present', 'already present')]
    })
    expect(html).toContain('<tr><td>4</td><td>1</td><td>1</td><td>2</td></tr>')
    expect(html).toContain('<li>(1) 2 version(s) of <code>container/&lt;web&gt;</code>: GitHub no longer keeps it &lt;b&gt;</li>')
    expect(html.match(/GitHub no longer keeps it/g)).toHaveLength(1)
    expect(html.match(/❌ failed \(cause 1\)/g)).toHaveLength(2)
    expect(html).toContain('<code>&lt;img src=x&gt;</code>')
    expect(html).toContain('/tmp/&lt;plan&gt;.json')
    expect(html).not.toContain('<b>')
  })

  test('nothing to restore says why', () => {
    const html = renderRestoreSummary({ planFile: '/tmp/plan.json', dryRun: true, items: [], nothing: 'the plan file is from a dry run, which deleted nothing: nothing to restore' })
    expect(html.split('\n')[1]).toBe('<p>✅ <strong>Nothing to restore</strong>: the plan file is from a dry run, which deleted nothing.</p>')
  })
})

describe('the first line says what happened (1.1)', () => {
  const firstLine = (r: RunReport): string => renderSummary(r, '/tmp/plan.json').split('\n')[1]
  const counts = (c: Partial<ReturnType<typeof emptyCounts>>) => ({ ...emptyCounts(), ...c })
  const executed = (c: Partial<ReturnType<typeof emptyCounts>>, extra: Partial<RunReport> = {}): RunReport => {
    const r = report([version(1, 'delete', ['pr-1'])], { mode: 'delete', ...extra })
    r.totals = counts(c)
    r.packages[0].counts = r.totals
    return r
  }

  it('a run whose deletions all failed does not read as carried out', () => {
    const line = firstLine(executed({ scanned: 3, planned: 3, failed: 3 }))
    expect(line).toContain('3 of 3 deletions failed')
    expect(line).not.toContain('carried out')
  })

  it('a run that stopped early, a dry run and a run that carried out its plan are told apart', () => {
    expect(firstLine(executed({ planned: 5, deleted: 2, deferred: 3 }, { stoppedEarly: 'the run was cancelled (SIGTERM or SIGINT) before this deletion' }))).toMatch(
      /Stopped early.*cancelled.*2 of 5 planned deletions done, 3 versions deferred/
    )
    expect(firstLine(report([version(1, 'delete')], { totals: counts({ planned: 1 }) }))).toMatch(/Dry run.*nothing was deleted; 1 version would be deleted/)
    expect(firstLine(executed({ planned: 4, deleted: 4 }))).toMatch(/Executed.*carried out: 4 versions deleted\./)
  })

  it('a run that found none of its packages says so and names them; the list below says what to do', () => {
    const html = renderSummary({ ...report([]), packages: [], missing: ['container/wbe'] }, '/tmp/plan.json')
    expect(html.split('\n')[1]).toMatch(/Nothing was planned.*none of the packages the policy names was found \(<code>container\/wbe<\/code>/)
    expect(html).toContain('check the package name and type in the policy')
    expect(html).toContain('Manage Actions access')
    expect(html).toContain('classic personal access token')
  })

  it('a run that left every package untouched for safety says so', () => {
    const r = report([version(1, 'keep')])
    r.packages[0].warning = 'left untouched: manifest sha256:1 of container/web-0 could not be read'
    expect(renderSummary(r, '/tmp/plan.json').split('\n')[1]).toMatch(/Nothing was planned.*every package was left untouched for safety \(<code>container\/web-0<\/code>/)
  })
})

test('the Result column says an outcome once, and advice shared by every row is said once above the table', () => {
  const advice = 'failed: the token cannot delete versions of container/web: give the repository the Admin role under Manage Actions access'
  const rows = [1, 2, 3].map(id => version(id, 'delete', [`pr-${id}`], { outcome: 'failed', outcomeDetail: advice, scheduled: true }))
  const html = renderSummary(report(rows, { mode: 'delete' }), '/tmp/plan.json')
  expect(html).not.toContain('failed: failed')
  expect(html.split('the token cannot delete versions').length - 1).toBe(1)
  expect(html).toContain('<p>Every image below: failed: the token cannot delete versions')
  // Different details stay on their rows, without the repeated outcome.
  const mixed = renderSummary(report([rows[0], { ...rows[1], outcomeDetail: 'failed: HTTP 500 (4 attempts)' }], { mode: 'delete' }), '/tmp/plan.json')
  expect(mixed).toContain('<td>failed: HTTP 500 (4 attempts)</td>')
  expect(mixed).not.toContain('failed: failed')
  // A cause already listed under Failures at the top is not repeated on its rows nor above the table.
  const listed = renderSummary(report(rows, { mode: 'delete', failures: [advice] }), '/tmp/plan.json')
  expect(listed.split('the token cannot delete versions').length - 1).toBe(1)
  expect(listed).toContain('<li>the token cannot delete versions')
  expect(listed.match(/<td>failed \(the cause is under Failures above\)<\/td>/g)).toHaveLength(3)
})

test('the age shown is the one the rules used (age-from)', () => {
  const v = version(1, 'delete', [], { createdAt: '2026-08-01T00:00:00Z', updatedAt: '2026-11-10T00:00:00Z', rule: 'r' })
  expect(renderSummary(report([v], { ageFrom: { r: 'created' } }), '/tmp/plan.json')).toContain('<td>111d</td>')
  expect(renderSummary(report([v], { ageFrom: { r: 'updated' } }), '/tmp/plan.json')).toContain('<td>10d</td>')
})

test('broken images seen before the run have their own section, with the missing platforms', () => {
  const html = renderSummary(
    report([version(1, 'keep', ['v1'], { reason: 'kept: protected by tag v1' })], {
      damaged: [{ packageKey: 'container/web-0', id: 1, name: version(1, 'keep').name, tags: ['v1'], missing: [{ digest: `sha256:${'a'.repeat(64)}`, platform: 'linux/arm64' }] }]
    }),
    '/tmp/plan.json'
  )
  expect(html).toContain('<h3>Broken images seen before this run</h3>')
  expect(html).toMatch(/<code>v1<\/code><\/td><td>linux\/arm64 \(<code>sha256:aaaaaaaaaaaa…<\/code>\)<\/td><td>kept: protected by tag v1<\/td>/)
})

test('a first group larger than the cap is said, with the cap that would fit it', () => {
  const html = renderSummary(report([version(7, 'delete', ['big'])], { oversizedGroup: { packageKey: 'container/web-0', imageId: 7, versions: 16, maxDeletions: 10 } }), '/tmp/plan.json')
  expect(html).toContain('<code>web-0:big</code>, goes with 16 versions')
  expect(html).toContain('<code>max-deletions: 16</code> would fit it')
})

describe('the first line\'s sign (1.2): ❌ on failure, ⚠️ for what needs a look, else ✅', () => {
  const first = (r: RunReport): string => renderSummary(r, '/tmp/plan.json').split('\n')[1]
  const run = (mode: 'dry-run' | 'delete', extra: Partial<RunReport> = {}, packages = 2): RunReport => {
    const r = report([version(1, 'delete', ['pr-1'], mode === 'delete' ? { outcome: 'deleted', scheduled: true } : {}), version(2, 'keep', ['latest'])], { mode, ...extra }, packages)
    const counts = { ...emptyCounts(), scanned: 2, kept: 1, planned: 1, deleted: mode === 'delete' ? 1 : 0 }
    for (const p of r.packages) p.counts = counts
    r.totals = { ...emptyCounts(), scanned: 2 * packages, kept: packages, planned: packages, deleted: mode === 'delete' ? packages : 0 }
    return r
  }

  it.each(['dry-run', 'delete'] as const)('a named package not found among several: ⚠️ and named (%s)', mode => {
    const line = first(run(mode, { missing: ['container/wbe'] }))
    expect(line).toMatch(/^<p>⚠️ /)
    expect(line).toContain('a package the policy names was not found (<code>container/wbe</code>)')
    if (mode === 'dry-run') expect(line).toContain('<strong>Dry run</strong>')
    else expect(line).toContain('<strong>Executed</strong>')
  })

  it('a clean run is ✅, and deferral by the cap stays ✅', () => {
    expect(first(run('delete'))).toMatch(/^<p>✅ <strong>Executed<\/strong>/)
    const capped = run('delete')
    capped.totals.deferred = 4
    expect(first(capped)).toMatch(/^<p>✅ .*4 versions deferred by <code>max-deletions<\/code>/)
    expect(first(run('dry-run'))).toMatch(/^<p>✅ <strong>Dry run<\/strong>: nothing was deleted/)
  })

  it('a package left untouched among others is ⚠️, named', () => {
    const r = run('delete')
    r.packages[1] = { ...r.packages[1], warning: 'left untouched: a manifest could not be read', counts: { ...emptyCounts(), scanned: 2, kept: 2 }, versions: [version(3, 'keep')] }
    expect(first(r)).toMatch(/^<p>⚠️ .*1 package left untouched for safety \(<code>container\/web-1<\/code>\)/)
  })

  it('deletions stopped by the rate limit or a cut wait are ⚠️ with when GitHub allows requests again; a cancelled run is ❌', () => {
    const limited = first(run('delete', { stopKind: 'rate-limit', stoppedEarly: 'the primary rate limit ran out', resumeAt: '2026-11-20T01:00:00Z' }))
    expect(limited).toMatch(/^<p>⚠️ <strong>Stopped early<\/strong>: the primary rate limit ran out; GitHub allows requests again at 2026-11-20T01:00:00Z/)
    expect(first(run('delete', { stopKind: 'wait' }))).toMatch(/^<p>⚠️ <strong>Stopped early<\/strong>: a wait GitHub asked for was too long/)
    expect(first(run('delete', { stopKind: 'cancelled', failure: 'the run was cancelled' }))).toMatch(/^<p>❌ <strong>Cancelled<\/strong>/)
  })

  it('a cache that was available but failed is ⚠️', () => {
    expect(first(run('delete', { cacheProblem: 'the manifest cache failed: restoring failed (ECONNRESET)' }))).toMatch(/^<p>⚠️ .*the manifest cache failed: restoring failed \(ECONNRESET\) \(manifests were read from the registry\)/)
  })

  it('a run that exits with failure is ❌, whatever the counts say', () => {
    expect(first(run('delete', { failure: 'something the counts do not show' }))).toMatch(/^<p>❌ .*The run fails: something the counts do not show/)
    const failed = run('delete', { missing: ['container/wbe'] })
    failed.totals.failed = 1
    expect(first(failed)).toMatch(/^<p>❌ <strong>1 of 3 deletions failed<\/strong>.*But: a package the policy names was not found/)
  })
})

describe('the account per rule (1.2)', () => {
  const account = (extra: Partial<RuleAccount> = {}): RuleAccount => ({ rule: 'pr-close', series: 0, selected: 0, deleted: 0, keptBy: {}, ...extra })

  it('comes right after the first line and the counts: per rule, series, selected, deleted, kept by what', () => {
    const r = report([version(1, 'delete', ['pr-1']), version(2, 'keep', ['latest'])], {}, 2)
    r.packages[0].accounts = [account({ rule: 'prs', series: 10, selected: 4, deleted: 3, keptBy: { 'keep.latest': 5, protect: 1, 'too young': 1 }, alsoTagged: 2 })]
    r.packages[1].accounts = [account({ rule: 'prs', series: 5, selected: 1, deleted: 1, keptBy: { 'keep.latest': 4 } })]
    const html = renderSummary(r, '/tmp/plan.json')
    const at = html.indexOf('<h3>What each rule did</h3>')
    expect(at).toBeGreaterThan(html.indexOf('<strong>Total</strong>'))
    expect(at).toBeLessThan(html.indexOf('<h3><code>container/web-0'))
    expect(html).toContain('<tr><td><code>prs</code></td><td>2</td><td>15</td><td>5</td><td>4</td><td>keep.latest 9 · protect 1 · too young 1 · 2 outside the series: also tagged otherwise</td></tr>')
  })

  it('a rule that selects nothing says so and why; the package that has nothing to delete says why', () => {
    const r = report([version(1, 'keep', ['pr-42', 'sha-8826c28']), version(2, 'keep', ['latest'])])
    r.packages[0].accounts = [account({ series: 0, alsoTagged: 1, whyNothing: 'every image also carries a sha-* tag: see with-tags' })]
    const html = renderSummary(r, '/tmp/plan.json')
    expect(html).toContain('<li>Rule <code>pr-close</code> selects nothing: every image also carries a sha-* tag: see with-tags</li>')
    expect(html).toContain("<p>Nothing to delete: rule &#39;pr-close&#39; selects nothing: every image also carries a sha-* tag: see with-tags.</p>")
  })

  it('a package whose every image is kept for one reason (an unresolved in-use template) says it once, outside the collapsed list', () => {
    const reason = 'kept: in use with an unresolved tag, charts/web/values.yaml:7'
    const html = renderSummary(report(Array.from({ length: 83 }, (_, i) => version(i + 1, 'keep', [`v${i}`], { reason }))), '/tmp/plan.json')
    expect(html).toContain(`<p>Nothing to delete: every image is ${reason}.</p>`)
    expect(html.indexOf(`every image is ${reason}`)).toBeLessThan(html.indexOf('<details>'))
  })
})

test('warnings are in the summary too, and the packages a glob did not reach are named with what to do', () => {
  const warnings = Array.from({ length: 14 }, (_, i) => `warning ${i} <x>`)
  const html = renderSummary(report([version(1, 'delete')], { warnings, notReached: ['container/team/tools'] }), '/tmp/plan.json')
  expect(html).toContain('⚠️ Warnings (14; also in the log, and GitHub shows at most 10 as annotations):')
  expect(html.match(/<li>warning \d+ &lt;x&gt;<\/li>/g)).toHaveLength(14)
  expect(html).toMatch(/Not reached by a glob<\/strong>: <code>container\/team\/tools<\/code>\. A glob&#39;s|Not reached by a glob<\/strong>: <code>container\/team\/tools<\/code>\. A glob's/)
  expect(html).toContain('write <code>**</code>')
})

test('a run that deleted something says how to undo it, and that the next scheduled run deletes restored versions unless the policy changes', () => {
  const r = report([version(1, 'delete', [], { outcome: 'deleted', scheduled: true })], { mode: 'delete' })
  r.totals = { ...emptyCounts(), scanned: 1, planned: 1, deleted: 1 }
  const html = renderSummary(r, '/tmp/plan.json')
  expect(html).toContain('<code>restore-from</code>')
  expect(html).toContain('the next scheduled run deletes the restored versions again unless the policy keeps them')
})

describe('what is cut last (1.2)', () => {
  const MIB = 1024 * 1024
  /** 300 packages of 40 kept versions, 10 of them (named last) with 10 deletions each. */
  function orgSweep(): RunReport {
    const packages = Array.from({ length: 300 }, (_, p) => {
      const deleting = p >= 290
      const versions = Array.from({ length: 50 }, (_, i) =>
        version(p * 1000 + i + 1, deleting && i < 10 ? 'delete' : 'keep', [`build-${i}-${'z'.repeat(30)}`], { reason: deleting && i < 10 ? 'delete: untagged, 41 days old' : `kept: ${i + 1}th newest of series 'nightly' ${'r'.repeat(40)}` })
      )
      const counts = { ...emptyCounts(), scanned: 50, kept: deleting ? 40 : 50, planned: deleting ? 10 : 0 }
      return { key: `container/svc-${String(p).padStart(3, '0')}`, package: { owner: 'acme', ownerKind: 'org' as const, type: 'container' as const, name: `svc-${p}` }, rules: ['nightly'], counts, versions }
    })
    const totals = { ...emptyCounts(), scanned: 15000, kept: 14900, planned: 100 }
    return { ...report([]), packages, totals }
  }

  it('300 packages, 10 of them with the 100 deletions: all 10 sections with every deletion, under 1 MiB; their rows come first in the counts', () => {
    const html = renderSummary(orgSweep(), '/tmp/plan.json')
    expect(Buffer.byteLength(html)).toBeLessThan(MIB)
    for (let p = 290; p < 300; p++) expect(html).toContain(`<h3><code>container/svc-${p}</code>`)
    expect(html.match(/<td>would delete<\/td>/g)).toHaveLength(100)
    // The counts table starts with the packages that delete something; the others are collapsed.
    const counts = html.slice(html.indexOf('<table>'), html.indexOf('</table>'))
    expect([...counts.matchAll(/<code>container\/svc-(\d+)<\/code>/g)].map(m => Number(m[1]))).toEqual(Array.from({ length: 10 }, (_, i) => 290 + i))
    expect(counts).toContain('290 more package(s) with nothing to delete')
    // The deletion sections come before any section of a package with nothing to delete.
    expect(html.indexOf('<h3><code>container/svc-299</code>')).toBeLessThan(html.indexOf('<h3><code>container/svc-000</code>') >>> 0)
  })

  it('10,000 versions to delete in one package and 10,000 kept in another: the deletions are there, cut with a count, the kept collapsed after them, under 1 MiB', () => {
    const deleting = Array.from({ length: 10_000 }, (_, i) => version(i + 1, 'delete', [`pr-${i}`]))
    const keeping = Array.from({ length: 10_000 }, (_, i) => version(20_000 + i, 'keep', [`v${i}`]))
    const r = report([], {}, 2)
    r.packages[0] = { ...r.packages[0], key: 'container/kept', versions: keeping, counts: { ...emptyCounts(), scanned: 10_000, kept: 10_000 } }
    r.packages[1] = { ...r.packages[1], key: 'container/prs', versions: deleting, counts: { ...emptyCounts(), scanned: 10_000, planned: 10_000 } }
    const html = renderSummary(r, '/tmp/plan.json')
    expect(Buffer.byteLength(html)).toBeLessThan(MIB)
    expect(html.indexOf('<h3><code>container/prs</code>')).toBeLessThan(html.indexOf('<h3><code>container/kept</code>'))
    expect(html).toContain(`${10_000 - ROWS_PER_TABLE} more images to delete not shown; the full list is in the plan file`)
    expect(html).toContain(`${10_000 - ROWS_PER_TABLE} more kept images not shown`)
  })

  it('when even the deletions do not fit, every package with deletions is still there with its count', () => {
    const html = renderSummary(orgSweep(), '/tmp/plan.json', 20_000)
    expect(Buffer.byteLength(html)).toBeLessThanOrEqual(20_000)
    for (let p = 290; p < 300; p++) expect(html).toContain(`<h3><code>container/svc-${p}</code>`)
    expect(html.match(/\d+ more images to delete not shown to stay under GitHub's 1 MiB summary limit; the full list is in the plan file/g)!.length).toBeGreaterThan(0)
    expect(html).not.toContain('<h3><code>container/svc-000</code>')
  })
})

describe('the restore summary (1.2)', () => {
  const digest = (n: number): string => `sha256:${String(n).padStart(64, '0')}`
  const item = (id: number, outcome: RestoreItem['outcome'], detail = ''): RestoreItem => ({ packageKey: 'container/web', id, name: digest(id), tags: id === 1 ? ['pr-1'] : [], outcome, detail })
  const planned = [
    version(1, 'delete', ['pr-1']),
    version(2, 'delete', [], { role: 'dependant', belongsTo: [1], kind: 'platform', platform: 'linux/amd64' }),
    version(3, 'delete', [], { role: 'dependant', belongsTo: [1], kind: 'platform', platform: 'linux/arm64' })
  ]
  const file = { mode: 'delete' as const, status: 'finished' as const, owner: { login: 'acme', kind: 'org' as const }, now: NOW, packages: report(planned).packages.map(p => ({ ...p, key: 'container/web' })) }

  it('the first line says how many came back and how many could not; one row per image; a long cause said once', () => {
    const cause = `GitHub no longer keeps it ${'x'.repeat(500)}`
    const html = renderRestoreSummary({ planFile: '/tmp/plan.json', file, dryRun: false, items: [item(2, 'failed', cause), item(3, 'failed', cause), item(1, 'restored', 'restored')] })
    expect(html.split('\n')[1]).toBe('<p>❌ <strong>Restore</strong>: 1 of 3 versions (1 image) came back, <strong>2 could not</strong>; the causes are below.</p>')
    expect(html.split(cause).length - 1).toBe(1)
    expect(html).toContain('<td>linux/amd64, linux/arm64</td><td>✅ restored (parts: 2 ❌ failed (cause 1))</td>')
    expect(html.match(/<tr><td><code>container\/web<\/code>/g)).toHaveLength(1)
  })

  it('all back: ✅ with the count; the advice to change the policy first', () => {
    const html = renderRestoreSummary({ planFile: '/tmp/plan.json', file, dryRun: false, items: [item(2, 'restored'), item(3, 'already present'), item(1, 'restored')] })
    expect(html.split('\n')[1]).toBe('<p>✅ <strong>Restore</strong>: all 3 versions (1 image) came back (1 of them already there).</p>')
    expect(html).toContain('Change the policy before the next scheduled run')
  })
})

test('a cosign .att is counted as an attestation and a .sbom as an SBOM, not as signatures', () => {
  const hex = 'a'.repeat(64)
  const part = (id: number, tag: string): ReportedVersion => version(id, 'delete', [tag], { role: 'dependant', belongsTo: [1], kind: 'signature' })
  expect(describeParts([part(2, `sha256-${hex}.sig`), part(3, `sha256-${hex}.att`), part(4, `sha256-${hex}.sbom`)])).toBe('1 attestation + 1 signature + 1 SBOM')
})

test('more packages with deletions than even their headings fit: under the budget, and the closing note counts those with deletions', () => {
  const r = report([version(1, 'delete', ['pr-1'])], {}, 2000)
  r.packages = r.packages.map(p => ({ ...p, notes: ['n'.repeat(1500)] }))
  const budget = 300_000
  const html = renderSummary(r, '/tmp/plan.json', budget)
  expect(Buffer.byteLength(html)).toBeLessThanOrEqual(budget)
  expect(html).toMatch(/(\d+) more package section\(s\) left out to stay under GitHub's 1 MiB summary limit \(\1 of them with versions to delete: not even their count fitted\)/)
})

test('hundreds of rules that select nothing: the account stays within its share, under the budget', () => {
  const r = report([version(1, 'delete', ['pr-1'])])
  r.packages[0].accounts = Array.from({ length: 500 }, (_, i) => ({ rule: `rule-${i}`, series: 0, selected: 0, deleted: 0, keptBy: {}, whyNothing: `no image of web has a tag matching pr-${i} ${'w'.repeat(900)}` }))
  const html = renderSummary(r, '/tmp/plan.json', 200_000)
  expect(Buffer.byteLength(html)).toBeLessThanOrEqual(200_000)
  expect(html).toMatch(/… and \d+ more rules that select nothing somewhere/)
  expect(html).toContain('<td>would delete</td>')
})
