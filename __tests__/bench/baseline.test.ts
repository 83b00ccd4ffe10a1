// The rule CI's benchmark check applies (npm run bench:check): request counts equal to the
// committed baseline, exactly; planner throughput failing only below half the baseline.
import { readFileSync } from 'node:fs'
import { regressions, type Baseline } from '../../scripts/bench/baseline.js'

const committed = JSON.parse(readFileSync(new URL('../../bench/baseline.json', import.meta.url), 'utf8')) as Baseline
const copy = (): Baseline => JSON.parse(JSON.stringify(committed)) as Baseline

describe('the benchmark regression rule', () => {
  it('holds for the committed baseline itself', () => {
    expect(regressions(committed, copy())).toEqual([])
  })

  it('fails on one manifest read more, or one page less', () => {
    const current = copy()
    current.requests.dryRun['registry GET manifest'] += 1
    current.requests.capped.requests['REST list versions pages'] -= 1
    expect(regressions(committed, current)).toEqual([
      `dry run: registry GET manifest: ${committed.requests.dryRun['registry GET manifest'] + 1}, baseline ${committed.requests.dryRun['registry GET manifest']}`,
      `capped run (max-deletions 30): REST list versions pages: ${committed.requests.capped.requests['REST list versions pages'] - 1}, baseline ${committed.requests.capped.requests['REST list versions pages']}`
    ])
  })

  it('counts a kind of request missing on one side as zero, so a new kind of request fails', () => {
    const current = copy()
    current.requests.dryRun['REST GET one version'] = 3
    expect(regressions(committed, current)).toEqual(['dry run: REST GET one version: 3, baseline 0'])
  })

  it('fails when the plan deletes a different number of versions', () => {
    const current = copy()
    current.requests.planned -= 1
    expect(regressions(committed, current)).toHaveLength(1)
  })

  it('tolerates a slower planner down to half the baseline, not below', () => {
    const current = copy()
    current.planner.warmVersionsPerSecond = Math.ceil(committed.planner.warmVersionsPerSecond / 2)
    expect(regressions(committed, current)).toEqual([])
    current.planner.warmVersionsPerSecond = Math.floor(committed.planner.warmVersionsPerSecond / 2) - 1
    expect(regressions(committed, current)).toEqual([expect.stringMatching(/^planner at 100000: \d+ versions\/s, below half the baseline's \d+$/)])
  })
})
