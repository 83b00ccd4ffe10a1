// Reads the README the way a user copies from it: its fenced YAML blocks, the workflows among
// them, the steps that use this action and their inline policies. Shared by the README test and
// the e2e test that runs the README's recipes, so both read exactly what the README shows.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { ROOT } from '../e2e/run-action.js'

export const README_PATH = join(ROOT, 'README.md')
/** How the README's workflows name this action. */
export const ACTION_USES = 'OWNER/package-retention@v1'

export interface CodeBlock {
  language: string
  text: string
  /** 1-based line of the opening fence in the README. */
  line: number
  /** The nearest heading above the block. */
  heading: string
}

export interface WorkflowStep {
  id?: string
  name?: string
  uses?: string
  run?: string
  if?: string
  with?: Record<string, unknown>
}

export interface Workflow {
  /** The file name the block's first comment gives (`# .github/workflows/x.yml`). */
  file: string
  block: CodeBlock
  on: Record<string, unknown>
  permissions?: Record<string, string>
  concurrency?: { group?: string; 'cancel-in-progress'?: boolean }
  jobs: Record<string, { steps: WorkflowStep[]; [key: string]: unknown }>
}

/** Fenced code blocks, indented ones (inside list items) included, with the indentation removed. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = []
  const lines = markdown.split('\n')
  let heading = ''
  for (let i = 0; i < lines.length; i++) {
    const headingMatch = /^#{1,6} (.*)$/.exec(lines[i])
    if (headingMatch) heading = headingMatch[1]
    const fence = /^(\s*)```(\w*)\s*$/.exec(lines[i])
    if (!fence) continue
    const [, indent, language] = fence
    const body: string[] = []
    const start = i
    for (i++; i < lines.length && lines[i].trim() !== '```'; i++) body.push(lines[i].startsWith(indent) ? lines[i].slice(indent.length) : lines[i])
    blocks.push({ language, text: body.join('\n') + '\n', line: start + 1, heading })
  }
  return blocks
}

export function readme(): string {
  return readFileSync(README_PATH, 'utf8')
}

export function yamlBlocks(markdown = readme()): CodeBlock[] {
  return codeBlocks(markdown).filter(b => b.language === 'yaml')
}

const fileComment = (block: CodeBlock): string | undefined => /^# (\S+\.ya?ml)\s*$/m.exec(block.text.split('\n')[0])?.[1]

/** Blocks that are a policy (a top-level `version` and `rules`), by the file name they give, if any. */
export function policyBlocks(markdown = readme()): { file?: string; block: CodeBlock }[] {
  return yamlBlocks(markdown)
    .filter(block => {
      const data = parse(block.text) as Record<string, unknown> | null
      return data !== null && typeof data === 'object' && 'version' in data && 'rules' in data
    })
    .map(block => ({ file: fileComment(block), block }))
}

export function workflows(markdown = readme()): Workflow[] {
  return yamlBlocks(markdown)
    .map(block => ({ block, data: parse(block.text) as Record<string, unknown> | null }))
    .filter(({ data }) => data !== null && typeof data === 'object' && 'jobs' in data)
    .map(({ block, data }) => {
      const file = fileComment(block)
      if (!file) throw new Error(`README line ${block.line}: a workflow block starts with its file name (# .github/workflows/....yml)`)
      return { ...(data as unknown as Workflow), file, block }
    })
}

export function workflow(file: string, markdown = readme()): Workflow {
  const found = workflows(markdown).find(w => w.file === file)
  if (!found) throw new Error(`the README has no workflow ${file}`)
  return found
}

export function steps(flow: Workflow): WorkflowStep[] {
  return Object.values(flow.jobs).flatMap(job => job.steps)
}

export function actionSteps(flow: Workflow): WorkflowStep[] {
  return steps(flow).filter(step => step.uses === ACTION_USES)
}

/**
 * A step's inline policy as the runner would pass it: each `${{ expression }}` replaced by the
 * value given for it. An expression without a value is an error, so the test says which one.
 */
export function inlinePolicy(step: WorkflowStep, values: Record<string, string>): string | undefined {
  const policy = step.with?.policy
  if (typeof policy !== 'string' || !policy.includes('\n')) return undefined
  return policy.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expression: string) => {
    if (!(expression in values)) throw new Error(`the inline policy uses \${{ ${expression} }}: give the test a value for it`)
    return values[expression]
  })
}

/** The values the README's inline policies may use, as the runner would fill them in. */
export const EXPRESSION_VALUES = { 'github.event.pull_request.number': '42' }
