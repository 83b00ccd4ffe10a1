// The plan/result file at `plan-path`: a versioned JSON document that a later run can
// restore from. Written atomically, so an interrupted run never leaves half a file.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { RunReport } from './run-report.js'

export const PLAN_FILE_FORMAT = 'package-retention/plan'
export const PLAN_FILE_VERSION = 1

export interface PlanFile extends RunReport {
  format: typeof PLAN_FILE_FORMAT
  formatVersion: typeof PLAN_FILE_VERSION
  /**
   * 'planned' after planning; 'running' while deleting (a file left so was killed outright: its
   * outcomes are missing); 'finished' when the plan ran to its end; 'stopped' when the run
   * stopped before the end (cancelled, or out of primary rate limit) and deferred the rest.
   */
  status: 'planned' | 'running' | 'finished' | 'stopped'
  /** With 'stopped': why. */
  stopReason?: string
  writtenAt: string
}

export function planFilePath(runnerTemp: string, startedAt: Date): string {
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-')
  return join(runnerTemp, 'package-retention', `plan-${stamp}-${process.pid}.json`)
}

export function writePlanFile(path: string, report: RunReport, status: PlanFile['status'], writtenAt: Date, stopReason?: string): void {
  const file: PlanFile = {
    format: PLAN_FILE_FORMAT,
    formatVersion: PLAN_FILE_VERSION,
    status,
    ...(stopReason !== undefined ? { stopReason } : {}),
    writtenAt: writtenAt.toISOString(),
    ...report
  }
  mkdirSync(dirname(path), { recursive: true })
  const temporary = `${path}.tmp`
  writeFileSync(temporary, `${JSON.stringify(file, null, 2)}\n`)
  renameSync(temporary, path)
}

/** Reads a plan file, or throws an Error whose message says what is wrong with it. */
export function readPlanFile(path: string): PlanFile {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new Error(`cannot read the plan file '${path}': ${(error as Error).message}`)
  }
  let data: Partial<PlanFile>
  try {
    data = JSON.parse(text) as Partial<PlanFile>
  } catch (error) {
    throw new Error(`'${path}' is not JSON: ${(error as Error).message}`)
  }
  if (data.format !== PLAN_FILE_FORMAT) throw new Error(`'${path}' is not a package-retention plan file (format '${String(data.format)}')`)
  if (data.formatVersion !== PLAN_FILE_VERSION) {
    throw new Error(`'${path}' has plan file format version ${String(data.formatVersion)}; this action reads version ${PLAN_FILE_VERSION}`)
  }
  if (!Array.isArray(data.packages)) throw new Error(`'${path}' has no packages list`)
  return data as PlanFile
}
