import * as core from '@actions/core'

export interface ActionOutputs {
  planned: number
  deleted: number
  skipped: number
  failed: number
  deferred: number
  planPath: string
}

export function setOutputs(outputs: ActionOutputs): void {
  core.setOutput('planned-count', outputs.planned)
  core.setOutput('deleted-count', outputs.deleted)
  core.setOutput('skipped-count', outputs.skipped)
  core.setOutput('failed-count', outputs.failed)
  core.setOutput('deferred-count', outputs.deferred)
  core.setOutput('plan-path', outputs.planPath)
}

/** The job summary is only written where the runner provides a file for it. */
export async function writeSummary(html: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return
  await core.summary.addRaw(html, true).write({ overwrite: false })
}
