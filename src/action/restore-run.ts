// Restore run: read an earlier run's plan file and restore what it deleted. The policy is
// not applied in the same run.
import * as core from '@actions/core'
import { restoreFromPlan } from '../execute/restore.js'
import { FatalError } from '../github/errors.js'
import { readPlanFile } from '../report/plan-file.js'
import { renderRestoreSummary } from '../report/summary.js'
import { connect } from './github.js'
import type { Settings } from './inputs.js'
import { setOutputs, writeSummary } from './outputs.js'
import type { RunOutcome } from './retention-run.js'

export async function runRestore(settings: Settings, planFile: string): Promise<RunOutcome> {
  let file
  try {
    file = readPlanFile(planFile)
  } catch (error) {
    throw new FatalError(`restore-from: ${(error as Error).message}. Pass the plan-path output of the run to undo.`)
  }
  const api = connect(settings)
  const result = await core.group('Restore', async () => {
    await api.refreshRateLimit()
    core.info(`At start, ${api.rateLimit.describe()}`)
    const restored = await restoreFromPlan(file, api, { dryRun: settings.dryRun, log: line => core.info(line) })
    for (const item of restored.items) {
      core.info(`${item.packageKey} ${item.id} ${item.tags.join(',') || item.name}: ${item.outcome}${item.outcome === 'failed' ? ` (${item.detail})` : ''}`)
    }
    return restored
  })
  await writeSummary(renderRestoreSummary({ planFile, dryRun: settings.dryRun, items: result.items }))
  setOutputs({ planned: result.items.length, deleted: 0, skipped: 0, failed: result.failed, deferred: 0, planPath: planFile })
  await api.refreshRateLimit()
  core.info(`At end, ${api.rateLimit.describe()}`)
  return result.failed > 0 ? { failure: `${result.failed} restore(s) failed; see the summary for each version.` } : {}
}
