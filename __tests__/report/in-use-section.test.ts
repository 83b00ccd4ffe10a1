// The summary's "Images in use" section (contract 1.2): per package, the references that kept
// something (file:line → versions) and the unresolved ones, built from the plan's reasons.
import { inUseSection } from '../../src/report/in-use-section.js'
import { emptyCounts, type ReportedVersion, type RunReport } from '../../src/report/run-report.js'
import { renderSummary } from '../../src/report/summary.js'

function version(id: number, tags: string[], reason: string, decision: 'keep' | 'delete' = 'keep'): ReportedVersion {
  return { id, name: `sha256:${String(id).padStart(64, 'a')}`, tags, createdAt: '2026-10-10T00:00:00Z', updatedAt: '2026-10-10T00:00:00Z', role: 'image', decision, reason }
}

function report(byPackage: Record<string, ReportedVersion[]>, extra: Partial<RunReport> = {}): RunReport {
  return {
    mode: 'dry-run',
    owner: { login: 'acme', kind: 'org' },
    policy: 'policy.yml',
    now: '2026-11-20T00:00:00.000Z',
    packages: Object.entries(byPackage).map(([name, versions]) => ({
      key: `container/${name}`,
      package: { owner: 'acme', ownerKind: 'org' as const, type: 'container' as const, name },
      rules: ['r'],
      counts: { ...emptyCounts(), scanned: versions.length },
      versions
    })),
    totals: emptyCounts(),
    missing: [],
    failures: [],
    requests: {},
    ...extra
  }
}

test('groups the versions each reference kept, by package and place; unresolved references first, with their text', () => {
  const html = inUseSection(
    report(
      {
        web: [
          version(1, ['1.4', 'stable'], 'kept: in use, deploy/prod.yaml:12'),
          version(2, [], 'kept: in use, deploy/prod.yaml:12'),
          version(3, ['1.3'], 'kept: in use, images.txt:1'),
          version(4, ['1.2'], 'delete: older than 30d', 'delete'),
          version(5, ['1.1'], 'kept: protected tag')
        ],
        api: [version(6, ['2.0'], 'kept: in use with an unresolved tag, charts/api/values.yaml:7'), version(7, [], 'kept: in use with an unresolved tag, charts/api/values.yaml:7')]
      },
      { inUseUnresolved: [{ package: 'api', file: 'charts/api/values.yaml', line: 7, written: 'ghcr.io/acme/api:{{ .Values.tag }}' }] }
    ),
    100_000
  )
  const rows = html.match(/<tr><td>.*?<\/tr>/g)!
  expect(rows).toEqual([
    '<tr><td><code>api</code></td><td><code>charts/api/values.yaml:7</code> <code>ghcr.io/acme/api:{{ .Values.tag }}</code> ⚠️ unresolved</td><td>every version (2): the tag cannot be resolved from the file</td></tr>',
    '<tr><td><code>web</code></td><td><code>deploy/prod.yaml:12</code></td><td><code>1.4, stable</code>, <code>sha256:aaaaaaaaaaaa…</code></td></tr>',
    '<tr><td><code>web</code></td><td><code>images.txt:1</code></td><td><code>1.3</code></td></tr>'
  ])
})

test('is absent when nothing was kept by an image in use, and appears in the summary when something was', () => {
  expect(inUseSection(report({ web: [version(1, ['1.0'], 'kept: newest')] }), 100_000)).toBe('')
  expect(renderSummary(report({ web: [version(1, ['1.0'], 'kept: newest')] }), '/tmp/plan.json')).not.toContain('Images in use')
  expect(renderSummary(report({ web: [version(1, ['1.0'], 'kept: in use, a.yaml:1')] }), '/tmp/plan.json')).toContain('<h3>Images in use</h3>')
})

test('stays within its budget, counting the rows it leaves out; escapes what files say', () => {
  const versions = Array.from({ length: 500 }, (_, k) => version(k, [`t<${k}>`], `kept: in use, f${k}.yaml:1`))
  const html = inUseSection(report({ web: versions }), 4000)
  expect(Buffer.byteLength(html)).toBeLessThanOrEqual(4000)
  expect(html).toMatch(/<p><em>\d+ more reference\(s\) left out; each kept version's reason is in the plan file\.<\/em><\/p>$/)
  expect(html).toContain('t&lt;0&gt;')
  expect(html).not.toContain('t<0>')
})
