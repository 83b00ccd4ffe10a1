// The action's entry point: settings, then a retention run or a restore run. The one place
// that marks the step failed.
import * as core from '@actions/core'
import { getSettings } from './action/inputs.js'
import { writeFailureSummary } from './action/outputs.js'
import { runRestore } from './action/restore-run.js'
import { runRetention } from './action/retention-run.js'
import { FatalError } from './github/errors.js'

export async function run(): Promise<void> {
  try {
    const startedAt = new Date()
    const settings = getSettings()
    const action = settings.restoreFrom ? 'restore' : 'delete'
    core.info(settings.dryRun ? `Mode: dry run (${action}: plan and report only)` : `Mode: ${action} (executing)`)
    const outcome = settings.restoreFrom ? await runRestore(settings, settings.restoreFrom, startedAt) : await runRetention(settings, startedAt)
    if (outcome.failure) core.setFailed(outcome.failure)
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    if (!(error instanceof FatalError && error.explainedInSummary)) await writeFailureSummary(message)
    core.setFailed(message)
  }
}
