import type { RunReport, ReportedVersion } from '../../src/report/run-report.js'
import { emptyCounts } from '../../src/report/run-report.js'
import { escapeHtml, formatAge, renderSummary, ROWS_PER_TABLE } from '../../src/report/summary.js'

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
