import * as core from '@actions/core'
import { escapeHtml } from '../report/summary.js'

export interface ActionOutputs {
  planned: number
  deleted: number
  skipped: number
  failed: number
  deferred: number
  /** (1.1) Broken images seen before this run (a restore run sees none: 0). */
  damaged?: number
  planPath: string
}

export function setOutputs(outputs: ActionOutputs): void {
  core.setOutput('planned-count', outputs.planned)
  core.setOutput('deleted-count', outputs.deleted)
  core.setOutput('skipped-count', outputs.skipped)
  core.setOutput('failed-count', outputs.failed)
  core.setOutput('deferred-count', outputs.deferred)
  core.setOutput('plan-path', outputs.planPath)
  core.setOutput('damaged-count', outputs.damaged ?? 0)
}

/** The job summary is only written where the runner provides a file for it. */
export async function writeSummary(html: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return
  await core.summary.addRaw(html, true).write({ overwrite: false })
}

/** For summaries of a run that is already failing: a summary that cannot be written is a warning, not a second failure. */
export async function writeSummaryOrWarn(html: string): Promise<void> {
  try {
    await writeSummary(html)
  } catch (error) {
    core.warning(`The job summary could not be written: ${error instanceof Error ? error.message : String(error)}`)
  }
}

/** The job summary is always written: a run that stops on an error before its report says so there too, not only in the log. */
export async function writeFailureSummary(message: string): Promise<void> {
  await writeSummaryOrWarn(
    ['<h2>package-retention</h2>', `<p>❌ <strong>The run failed</strong>: ${escapeHtml(message)}</p>`, '<p>See the log of this step for what was done before the failure.</p>'].join('\n')
  )
}
