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
