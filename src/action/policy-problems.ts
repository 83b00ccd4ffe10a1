// Turns policy problems into workflow annotations on the policy file and a job summary that
// lists them. GitHub shows at most 10 error annotations per step and the step's own failure is
// one of them, so 9 problems are annotated and the rest go to the log with their positions.
import * as core from '@actions/core'
import type { PolicyProblem } from '../policy/source.js'
import { escapeHtml } from '../report/summary.js'
import { writeSummaryOrWarn } from './outputs.js'
import { warn } from './warnings.js'

const ANNOTATION_LIMIT = 9
/** Problems listed in the job summary (parsing stops at 50 and counts the rest). */
const SUMMARY_LIMIT = 60

function where(problem: PolicyProblem): string {
  return problem.line !== undefined ? `line ${problem.line}, column ${problem.column ?? 1}` : ''
}

/**
 * An annotation on the policy file when there is one (a problem with the file as a whole,
 * such as its size, is shown at its first line); an inline policy has no file, so the
 * position is written into the message.
 */
export async function reportPolicyProblems(problems: PolicyProblem[], file: string | undefined): Promise<void> {
  for (const [index, problem] of problems.entries()) {
    const at = where(problem)
    if (index < ANNOTATION_LIMIT) {
      core.error(file ? problem.message : `policy${at ? ` (${at})` : ''}: ${problem.message}`, {
        title: 'Invalid retention policy',
        file,
        startLine: file ? (problem.line ?? 1) : undefined,
        startColumn: file ? (problem.column ?? 1) : undefined
      })
    } else {
      core.info(`${file ?? 'policy'}${at ? ` (${at})` : ''}: ${problem.message}`)
    }
  }
  await writeProblemsSummary(problems, file)
}

/**
 * Warnings about a valid policy (it protects or selects nothing somewhere): a warning annotation on
 * the policy file at the line and column, or with the position in the message for an inline policy.
 */
export function reportPolicyWarnings(warnings: PolicyProblem[], file: string | undefined): void {
  for (const warning of warnings) {
    const at = where(warning)
    warn(file ? warning.message : `policy${at ? ` (${at})` : ''}: ${warning.message}`, {
      title: 'Retention policy',
      file,
      startLine: file ? (warning.line ?? 1) : undefined,
      startColumn: file ? (warning.column ?? 1) : undefined
    })
  }
}

/** The job summary is "always written": for an invalid policy it lists the problems. */
async function writeProblemsSummary(problems: PolicyProblem[], file: string | undefined): Promise<void> {
  const items = problems.slice(0, SUMMARY_LIMIT).map(problem => {
    const at = where(problem)
    return `<li>${at ? `<strong>${escapeHtml(at)}</strong>: ` : ''}${escapeHtml(problem.message)}</li>`
  })
  const html = [
    '<h2>package-retention</h2>',
    `<p>❌ <strong>The policy is invalid</strong>: nothing was listed or deleted. Policy <code>${escapeHtml(file ?? 'inline')}</code>, ${problems.length} problem(s):</p>`,
    `<ul>${items.join('')}</ul>`
  ].join('\n')
  await writeSummaryOrWarn(html)
}
