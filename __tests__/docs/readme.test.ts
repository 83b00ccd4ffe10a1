// The README's recipes are meant to be copied as they are: every policy in it (the policy files and
// the workflows' inline policies) is valid for the action, every input a workflow passes exists,
// and each workflow has what the contract asks of it (a plan file kept in an always() step,
// concurrency where runs could overlap, the token a glob needs). The e2e test
// (__tests__/e2e/readme-recipes.test.ts) runs the recipes themselves through dist/index.js.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { parsePolicy } from '../../src/policy/validate.js'
import { ROOT } from '../e2e/run-action.js'
import { EXPRESSION_VALUES, actionSteps, codeBlocks, inlinePolicy, policyBlocks, readme, steps, workflows, yamlBlocks, type Workflow } from './readme.js'

const ACTION_INPUTS = Object.keys((parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as { inputs: Record<string, unknown> }).inputs)

function problemsOf(text: string): string[] {
  const result = parsePolicy(text)
  if (!result.ok) return result.problems.map(p => `${p.line}:${p.column} ${p.message}`)
  return result.warnings.map(w => `warning ${w.line}:${w.column} ${w.message}`)
}

/** Every policy the README shows, where it is and its text as the action would read it. */
function everyPolicy(): { where: string; text: string }[] {
  const files = policyBlocks().map(({ file, block }) => ({ where: `README line ${block.line} (${file ?? 'policy'})`, text: block.text }))
  const inline = workflows().flatMap(flow =>
    actionSteps(flow).flatMap(step => {
      const text = inlinePolicy(step, EXPRESSION_VALUES)
      return text === undefined ? [] : [{ where: `${flow.file} (README line ${flow.block.line})`, text }]
    })
  )
  return [...files, ...inline]
}

const isDryRunOnly = (flow: Workflow): boolean => actionSteps(flow).every(step => step.with?.['dry-run'] === undefined || step.with['dry-run'] === true || step.with['dry-run'] === 'true')
const deletes = (flow: Workflow): boolean => !isDryRunOnly(flow) || 'schedule' in flow.on

describe('README: the code it shows', () => {
  it('keeps the two commands', () => {
    const shell = codeBlocks(readme()).filter(b => b.language === 'sh').map(b => b.text)
    expect(shell.join('')).toContain('npm ci && npm run demo')
    expect(shell.join('')).toContain('npm test')
  })

  it('every YAML block parses', () => {
    for (const block of yamlBlocks()) expect({ line: block.line, parsed: (() => (parse(block.text), true))() }).toEqual({ line: block.line, parsed: true })
  })

  it('shows the quick start, the four jobs of the recipes and a restore', () => {
    const files = workflows().map(w => w.file)
    expect(files).toEqual(
      expect.arrayContaining([
        '.github/workflows/package-retention.yml',
        '.github/workflows/prune-pr-images.yml',
        '.github/workflows/npm-retention.yml',
        '.github/workflows/org-package-retention.yml',
        '.github/workflows/restore-packages.yml'
      ])
    )
  })

  it('every policy in it — files and inline policies of workflows — is valid, without warnings', () => {
    const policies = everyPolicy()
    expect(policies.length).toBeGreaterThanOrEqual(4)
    for (const { where, text } of policies) expect({ where, problems: problemsOf(text) }).toEqual({ where, problems: [] })
  })

  it('a workflow that reads a policy file finds that file among the README policies, and checks out the repository', () => {
    const files = new Set(policyBlocks().map(p => p.file))
    for (const flow of workflows()) {
      for (const step of actionSteps(flow)) {
        const policy = step.with?.policy
        if (typeof policy !== 'string' || policy.includes('\n')) continue
        expect({ workflow: flow.file, policy, shown: files.has(policy) }).toEqual({ workflow: flow.file, policy, shown: true })
        expect({ workflow: flow.file, checkout: steps(flow).some(s => s.uses?.startsWith('actions/checkout@')) }).toEqual({ workflow: flow.file, checkout: true })
      }
    }
  })

  it("passes only the action's inputs, spelled as action.yml spells them", () => {
    for (const flow of workflows())
      for (const step of actionSteps(flow)) {
        const unknown = Object.keys(step.with ?? {}).filter(name => !ACTION_INPUTS.includes(name))
        expect({ workflow: flow.file, unknown }).toEqual({ workflow: flow.file, unknown: [] })
      }
  })

  it('keeps the plan file as an artifact in a step that runs even when the job fails (RUNNER_TEMP is emptied)', () => {
    for (const flow of workflows()) {
      const all = steps(flow)
      for (const step of actionSteps(flow)) {
        expect({ workflow: flow.file, id: step.id }).toEqual({ workflow: flow.file, id: expect.any(String) })
        const upload = all.slice(all.indexOf(step) + 1).find(s => s.uses?.startsWith('actions/upload-artifact@'))
        expect({ workflow: flow.file, always: upload?.if?.startsWith('always()'), path: upload?.with?.path }).toEqual({
          workflow: flow.file,
          always: true,
          path: `\${{ steps.${step.id}.outputs.plan-path }}`
        })
        // A re-run's artifact must not clash with the first attempt's (artifact names are unique per run).
        expect(String(upload?.with?.name)).toContain('${{ github.run_attempt }}')
      }
    }
  })

  it('gives every workflow that deletes or runs on a schedule a concurrency group, never cancelling a run in progress', () => {
    for (const flow of workflows().filter(deletes)) {
      expect({ workflow: flow.file, group: typeof flow.concurrency?.group, cancel: flow.concurrency?.['cancel-in-progress'] }).toEqual({
        workflow: flow.file,
        group: 'string',
        cancel: false
      })
    }
  })

  it('a glob in packages.names comes with a classic PAT (the GITHUB_TOKEN cannot list packages); a run with the GITHUB_TOKEN has packages: write', () => {
    for (const flow of workflows()) {
      for (const step of actionSteps(flow)) {
        const text = inlinePolicy(step, EXPRESSION_VALUES)
        const parsed = text === undefined ? undefined : parsePolicy(text)
        const globs = parsed?.ok ? parsed.policy.rules.flatMap(r => r.packages.names).filter(n => /[*?[\]{}!]/.test(n)) : []
        const token = step.with?.token
        if (globs.length > 0) expect({ workflow: flow.file, token }).toEqual({ workflow: flow.file, token: expect.stringMatching(/^\$\{\{ secrets\./) })
        if (token === undefined && !isDryRunOnly(flow)) expect({ workflow: flow.file, packages: flow.permissions?.packages }).toEqual({ workflow: flow.file, packages: 'write' })
      }
    }
  })

  it('the PR-close recipe selects by the pull request tag with the commit tags as with-tags, not by sha-* alone', () => {
    const flow = workflows().find(w => 'pull_request' in w.on && actionSteps(w).some(s => s.with?.['dry-run'] === false))!
    const policy = parsePolicy(inlinePolicy(actionSteps(flow)[0], EXPRESSION_VALUES)!)
    expect(policy.ok).toBe(true)
    if (!policy.ok) return
    expect(policy.policy.rules[0].match).toMatchObject({ tags: ['pr-42'], withTags: ['sha-*'] })
    expect(flow.concurrency?.group).toContain('github.event.pull_request.number')
  })

  it('the organization-wide sweep caps its deletions; the npm recipe keeps release lines with keep.per', () => {
    const org = workflows().find(w => w.file === '.github/workflows/org-package-retention.yml')!
    expect(Number(actionSteps(org)[0].with?.['max-deletions'])).toBeGreaterThanOrEqual(1)
    const npm = parsePolicy(inlinePolicy(actionSteps(workflows().find(w => w.file === '.github/workflows/npm-retention.yml')!)[0], EXPRESSION_VALUES)!)
    expect(npm.ok && npm.policy.rules.some(r => r.packages.type === 'npm' && r.keep.per === 'minor' && (r.keep.latest ?? 0) > 0)).toBe(true)
  })

  it('the restore recipe downloads the artifact the other recipes upload, by run id, with actions: read', () => {
    const flow = workflows().find(w => actionSteps(w).some(s => s.with?.['restore-from'] !== undefined))!
    expect(flow.permissions).toMatchObject({ actions: 'read' })
    const download = steps(flow).find(s => s.uses?.startsWith('actions/download-artifact@'))!
    expect(download.with).toMatchObject({ 'run-id': '${{ inputs.run-id }}', 'github-token': expect.any(String) })
    const uploaded = workflows()
      .flatMap(steps)
      .filter(s => s.uses?.startsWith('actions/upload-artifact@'))
      .map(s => String(s.with?.name).replace('${{ github.run_attempt }}', ''))
    expect(uploaded).toContain(String(download.with?.name).replace('${{ inputs.attempt }}', ''))
  })

  it('the restore section says the next scheduled run deletes the restored versions again unless the policy changes first', () => {
    const text = readme()
    const section = text.slice(text.indexOf('### 5. Restore'), text.indexOf('\n### ', text.indexOf('### 5. Restore') + 1))
    expect(section).toMatch(/Change the policy before the next scheduled run/)
    expect(section).toMatch(/deletes the restored versions again/)
  })
})
