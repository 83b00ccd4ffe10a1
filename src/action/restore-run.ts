// Restore run: read an earlier run's plan file and restore what it deleted. The policy is
// not applied in the same run. A plan file that cannot be used fails before any request; a
// plan with nothing to restore (a dry run's) makes none. The run writes its own result file
// under RUNNER_TEMP (the plan-path output), never pointing back at the plan file it read.
import * as core from '@actions/core'
import { mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { failureCauses, PlanFileError, planStatus, restoreFromPlan, restoreTargets, RESTORE_WINDOW_DAYS, type RestoreItem, type RestoreTarget } from '../execute/restore.js'
import { FatalError } from '../github/errors.js'
import { readPlanFile, type PlanFile } from '../report/plan-file.js'
import { renderRestoreSummary } from '../report/summary.js'
import { connect } from './github.js'
import type { Settings } from './inputs.js'
import { setOutputs, writeSummary } from './outputs.js'
import type { RunOutcome } from './retention-run.js'

const DAY_MS = 24 * 60 * 60 * 1000

export const RESTORE_RESULT_FORMAT = 'package-retention/restore-result'

/** `$RUNNER_TEMP/package-retention/restore-<time>-<pid>.json`, beside the plan files. */
export function restoreResultPath(runnerTemp: string, startedAt: Date): string {
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-')
  return join(runnerTemp, 'package-retention', `restore-${stamp}-${process.pid}.json`)
}

interface RestoreResultFile {
  format: typeof RESTORE_RESULT_FORMAT
  formatVersion: 1
  mode: 'dry-run' | 'restore'
  /** The plan file this run restored from. */
  restoreFrom: string
  writtenAt: string
  notes: string[]
  /** Why there was nothing to restore, when there was nothing. */
  nothing?: string
  totals: { versions: number; restored: number; present: number; failed: number }
  items: RestoreItem[]
}

/** Written atomically (temporary file, then rename), as the plan file is. */
function writeRestoreResult(path: string, result: Omit<RestoreResultFile, 'format' | 'formatVersion' | 'writtenAt'>): void {
  const file: RestoreResultFile = { format: RESTORE_RESULT_FORMAT, formatVersion: 1, writtenAt: new Date().toISOString(), ...result }
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(`${path}.tmp`, `${JSON.stringify(file, null, 2)}\n`)
  renameSync(`${path}.tmp`, path)
}
/** Leaves room for the step's own failure annotation within GitHub's 10 per step. */
const FAILURE_ANNOTATIONS = 9

/** The plan file and what it says to restore; a file a restore cannot use fails here, before any request. */
function readRestorable(planFile: string): { file: PlanFile; targets: RestoreTarget[] } {
  const advice = 'Pass the plan-path output of the run to undo.'
  let file: PlanFile
  try {
    file = readPlanFile(planFile)
  } catch (error) {
    throw new FatalError(`restore-from: ${(error as Error).message}. ${advice}`)
  }
  try {
    return { file, targets: restoreTargets(file) }
  } catch (error) {
    if (error instanceof PlanFileError) throw new FatalError(`restore-from: '${planFile}' is not a usable plan file: ${error.message}. ${advice}`)
    throw error
  }
}

/** Why there is nothing to restore, in words; undefined when the plan file records deletions. */
function nothingToRestore(file: PlanFile, targets: readonly RestoreTarget[]): string | undefined {
  if (planStatus(file) === 'dry-run') return 'the plan file is from a dry run, which deleted nothing: nothing to restore'
  if (targets.length === 0) return 'the plan file records no deleted versions: nothing to restore'
  return undefined
}

/** Whole days since the run that wrote the plan file, by this machine's clock. */
function planAgeDays(file: PlanFile): number | undefined {
  const at = Date.parse(file.writtenAt ?? file.now)
  return Number.isNaN(at) ? undefined : Math.floor((Date.now() - at) / DAY_MS)
}

/** "tags now 1.0; latest is on version 9 now", for the log and the warning. */
function tagsAfterText(item: RestoreItem): string {
  if (!item.tagsAfter) return ''
  const now = `tags now: ${item.tagsAfter.join(', ') || 'none'}`
  const moved = (item.movedTags ?? []).map(m => (m.versionId !== undefined ? `${m.tag} is on version ${m.versionId} now` : `${m.tag} is on no version now`))
  return moved.length > 0 ? `${now}; ${moved.join(', ')}` : now
}

function logItems(items: RestoreItem[]): void {
  for (const item of items) {
    const what = `${item.packageKey} ${item.id} ${item.tags.join(',') || item.name}`
    const tags = tagsAfterText(item)
    core.info(`${what}: ${item.outcome}${item.outcome === 'failed' || item.outcome === 'already present' ? ` (${item.detail})` : ''}${tags ? ` [${tags}]` : ''}`)
  }
  // Tags that did not come back are worth a warning: a user restoring `latest` expects it back.
  const moved = items.filter(i => i.movedTags && i.movedTags.length > 0)
  if (moved.length > 0) {
    const lines = moved.slice(0, 5).map(i => `${i.packageKey} ${i.id}: ${tagsAfterText(i)}`)
    core.warning(
      `${moved.length} restored version(s) did not get all their old tags back, because those tags were pushed to other versions since they were deleted ` +
        `(GitHub leaves a tag where it is now): ${lines.join(' | ')}${moved.length > lines.length ? ` and ${moved.length - lines.length} more` : ''}. ` +
        'Push or re-tag the image if a tag should point at the restored version again.'
    )
  }
  // One annotation per package and cause, so a hundred versions refused for one reason are one line.
  for (const [index, { packageKey, detail, count }] of failureCauses(items).entries()) {
    const line = `${count} version(s) of ${packageKey} could not be restored: ${detail}`
    if (index < FAILURE_ANNOTATIONS) core.error(line, { title: 'Restore failed' })
    else core.info(line)
  }
}

export async function runRestore(settings: Settings, planFile: string, startedAt = new Date()): Promise<RunOutcome> {
  const { file, targets } = readRestorable(planFile)
  const resultPath = restoreResultPath(settings.runnerTemp, startedAt)
  const mode = settings.dryRun ? 'dry-run' : 'restore'
  const notes: string[] = []
  const status = planStatus(file)
  if (status === 'unrecorded') {
    notes.push(
      `The run that wrote the plan file did not finish (status '${file.status}'), so it did not record what it deleted: ` +
        'the versions it scheduled that GitHub lists as deleted are restored.'
    )
  }
  const age = planAgeDays(file)
  const windowNote = age !== undefined && age >= RESTORE_WINDOW_DAYS ? ` (the plan file was written ${age} days ago)` : ''
  if (windowNote && status !== 'dry-run') {
    notes.push(`The plan file was written ${age} days ago; GitHub keeps deleted versions for ${RESTORE_WINDOW_DAYS} days, so those deleted longer ago cannot be restored.`)
  }
  for (const note of notes) core.warning(note)

  const nothing = nothingToRestore(file, targets)
  if (nothing) {
    core.info(`restore-from ${planFile}: ${nothing}.`)
    writeRestoreResult(resultPath, { mode, restoreFrom: planFile, notes, nothing, totals: { versions: 0, restored: 0, present: 0, failed: 0 }, items: [] })
    setOutputs({ planned: 0, deleted: 0, skipped: 0, failed: 0, deferred: 0, planPath: resultPath })
    await writeSummary(renderRestoreSummary({ planFile, file, dryRun: settings.dryRun, items: [], notes, nothing, resultFile: resultPath }))
    return {}
  }

  const api = connect(settings)
  const result = await core.group('Restore', async () => {
    if (!settings.dryRun) {
      await api.refreshRateLimit()
      core.info(`At start, ${api.rateLimit.describe()}`)
    }
    const restored = await restoreFromPlan(file, api, { dryRun: settings.dryRun, log: line => core.info(line), windowNote })
    logItems(restored.items)
    return restored
  })
  const { items, failed, present, restored } = result
  const emptyReason = items.length === 0 ? 'GitHub lists none of the versions that run scheduled as deleted: nothing to restore' : undefined
  writeRestoreResult(resultPath, { mode, restoreFrom: planFile, notes, nothing: emptyReason, totals: { versions: items.length, restored, present, failed }, items })
  setOutputs({ planned: items.length, deleted: 0, skipped: present, failed, deferred: 0, planPath: resultPath })
  await writeSummary(renderRestoreSummary({ planFile, file, dryRun: settings.dryRun, items, notes, nothing: emptyReason, resultFile: resultPath }))
  const verb = settings.dryRun ? 'would restore' : 'restored'
  core.info(`${verb} ${settings.dryRun ? items.length : restored}, already present ${present}, failed ${failed}; from plan file ${planFile}; result file ${resultPath}`)
  if (!settings.dryRun) {
    await api.refreshRateLimit()
    core.info(`At end, ${api.rateLimit.describe()}`)
  }
  return failed > 0 ? { failure: `${failed} of ${items.length} version(s) could not be restored; the summary and the annotations say why for each.` } : {}
}
