import type { RunReport, ReportedVersion } from '../../src/report/run-report.js'
import { emptyCounts } from '../../src/report/run-report.js'
import type { RestoreItem } from '../../src/execute/restore.js'
import { escapeHtml, formatAge, renderRestoreSummary, renderSummary, ROWS_PER_TABLE } from '../../src/report/summary.js'

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

test('stays under the byte budget, saying what was left out', () => {
  const versions = Array.from({ length: 200 }, (_, i) => version(i, 'delete', [`tag-${'x'.repeat(100)}-${i}`]))
  const html = renderSummary(report(versions, {}, 40), '/tmp/plan.json', 200_000)
  expect(Buffer.byteLength(html)).toBeLessThan(200_000)
  expect(html).toMatch(/\d+ more package section\(s\) left out to stay under GitHub's 1 MiB summary limit/)
})

test('ages read in hours under two days, else days', () => {
  expect(formatAge('2026-11-19T12:00:00Z', NOW)).toBe('12h')
  expect(formatAge('2026-11-10T00:00:00Z', NOW)).toBe('10d')
})

describe('every part of the summary counts against the budget', () => {
  const MIB = 1024 * 1024

  test('thousands of packages: the counts table is cut too, and the whole stays under budget', () => {
    const versions = [version(1, 'delete', ['pr-1']), version(2, 'keep', ['latest'])]
    const html = renderSummary(report(versions, {}, 5000), '/tmp/plan.json')
    expect(Buffer.byteLength(html)).toBeLessThan(MIB)
    expect(html).toMatch(/<td colspan="8"><em>\d+ more package\(s\): their counts are in the plan file<\/em><\/td>/)
    expect(html).toContain('<td><strong>Total</strong></td>')
    expect(html).toMatch(/(\d+) more package section\(s\) left out to stay under GitHub's 1 MiB summary limit; the full plan, every version with its decision and reason, is in the plan file <code>\/tmp\/plan\.json<\/code>/)
  })

  test('a huge failure list and long messages are cut, pointing at the plan file', () => {
    const failures = Array.from({ length: 10_000 }, (_, i) => `failure ${i}: ${'<x>'.repeat(2000)}`)
    const html = renderSummary(report([version(1, 'delete')], { failures }), '/tmp/plan.json', 200_000)
    expect(Buffer.byteLength(html)).toBeLessThan(200_000)
    expect(html).toContain('… and 9980 more failure causes (see the plan file)')
  })

  test('one package whose rows are huge is cut inside its table, with the note, under the budget', () => {
    const tags = Array.from({ length: 200 }, (_, t) => `tag-${t}-${'y'.repeat(40)}`)
    const versions = Array.from({ length: 300 }, (_, i) => version(i + 1, 'delete', tags))
    const budget = 300_000
    const html = renderSummary(report(versions, {}, 3), '/tmp/plan.json', budget)
    expect(Buffer.byteLength(html)).toBeLessThanOrEqual(budget)
    expect(html).toMatch(/(\d+) more images to delete not shown to stay under GitHub's 1 MiB summary limit; the full list is in the plan file <code>\/tmp\/plan\.json<\/code>/)
    expect(html).toContain("2 more package section(s) left out to stay under GitHub's 1 MiB summary limit")
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

  test('counts, causes grouped by package, each version with its result, escaped', () => {
    const html = renderRestoreSummary({
      planFile: '/tmp/<plan>.json',
      dryRun: false,
      items: [item('restored', 'restored'), item('failed', "GitHub no longer keeps it <b>"), item('failed', "GitHub no longer keeps it <b>"), item('already present', 'already present')]
    })
    expect(html).toContain('<tr><td>4</td><td>1</td><td>1</td><td>2</td></tr>')
    expect(html).toContain('<li>2 version(s) of container/&lt;web&gt;: GitHub no longer keeps it &lt;b&gt;</li>')
    expect(html).toContain('<code>&lt;img src=x&gt;</code>')
    expect(html).toContain('/tmp/&lt;plan&gt;.json')
    expect(html).not.toContain('<b>')
  })

  test('nothing to restore says why', () => {
    const html = renderRestoreSummary({ planFile: '/tmp/plan.json', dryRun: true, items: [], nothing: 'the plan file is from a dry run, which deleted nothing: nothing to restore' })
    expect(html).toContain('<p>the plan file is from a dry run, which deleted nothing: nothing to restore.</p>')
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
