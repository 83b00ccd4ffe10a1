// Turns policy problems into workflow annotations on the policy file (GitHub shows at most
// 10 error annotations per step, so the rest go to the log with their positions).
import * as core from '@actions/core'
import type { PolicyProblem } from '../policy/source.js'

const ANNOTATION_LIMIT = 10

export function reportPolicyProblems(problems: PolicyProblem[], file: string | undefined): void {
  for (const [index, problem] of problems.entries()) {
    const where = problem.line !== undefined ? ` (line ${problem.line}, column ${problem.column ?? 1})` : ''
    if (index < ANNOTATION_LIMIT) {
      core.error(file ? problem.message : `policy${where}: ${problem.message}`, {
        title: 'Invalid retention policy',
        file,
        startLine: file ? problem.line : undefined,
        startColumn: file ? problem.column : undefined
      })
    } else {
      core.info(`${file ?? 'policy'}${where}: ${problem.message}`)
    }
  }
}
