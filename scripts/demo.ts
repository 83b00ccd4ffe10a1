// `npm run demo`: starts the local fake of GitHub with a sample organization and runs the bundled
// action (dist/index.js) against it as a runner does — a dry run, a run capped by max-deletions,
// the rest of the sweep, a restore, the README's PR-close workflow and a user's inline policy —
// printing each job summary in the terminal. No token, no network.
//
// Each table is printed once: the policy before its first run, the kept versions with the dry run
// (later runs of the same policy keep the same ones); later runs show their first lines, counts
// and outcomes.
import { FakeGitHub } from '../__tests__/fake/index.js'
import { runAction, type ActionRun } from '../__tests__/e2e/run-action.js'
import { EXPRESSION_VALUES, actionSteps, inlinePolicy, workflow } from '../__tests__/docs/readme.js'
import { CLOSED_PR, DEMO_TOKEN, FAKE_OPTIONS, NOW, ORG_POLICY, USER_POLICY, deployment } from './demo/sample-org.js'
import { TablesShown, annotations, attemptedImages, outputsLine, summaryText, unexpectedOutcomes, type SummaryParts } from './demo/render.js'

function heading(title: string): void {
  console.log(`\n${'='.repeat(8)} ${title} ${'='.repeat(Math.max(8, 92 - title.length))}`)
}

function showPolicy(title: string, policy: string): void {
  console.log(`\n--- ${title} ---\n${policy.trimEnd()}`)
}

const tables = new TablesShown()

function show(title: string, run: ActionRun, parts: SummaryParts): void {
  heading(`${title} (exit ${run.exitCode})`)
  console.log(tables.once(summaryText(run.summary, parts), `run ${title.split('.')[0]}`))
  console.log(`\noutputs: ${outputsLine(run)}`)
  const problems = annotations(run)
  if (problems.length > 0) console.log(problems.join('\n'))
}

const WHOLE: SummaryParts = 'whole'
const WITHOUT_KEPT: SummaryParts = 'without kept'
const FIRST_PART: SummaryParts = 'first part'

const fake = await FakeGitHub.start(FAKE_OPTIONS)
const runs: ActionRun[] = []
const run = async (options: Parameters<typeof runAction>[0]): Promise<ActionRun> => {
  const result = await runAction(options)
  runs.push(result)
  return result
}
try {
  console.log(`Local fake GitHub at ${fake.url}: organization 'acme' (4 packages), user 'octo' (1 private package). Clock: ${new Date(NOW).toISOString()}.`)
  const inputs = { token: DEMO_TOKEN, 'max-deletes-per-minute': '180', 'registry-url': fake.url }
  const files = { '.github/package-retention.yml': ORG_POLICY, 'deploy/web.yaml': deployment(new URL(fake.url).host) }
  showPolicy('.github/package-retention.yml, the nightly sweep of acme (deploy/web.yaml is what protect.in-use scans)', `${ORG_POLICY}\n${files['deploy/web.yaml']}`)

  const dryRun = await run({ apiUrl: fake.url, inputs, files })
  show('1. Dry run (the default): the whole job summary', dryRun, WHOLE)
  console.log(`mutating requests during the dry run: ${fake.mutations().length}`)

  const capped = await run({ apiUrl: fake.url, inputs: { ...inputs, 'dry-run': 'false', 'max-deletions': '10' }, files })
  show('2. dry-run: false, capped with max-deletions: 10 (oldest first; the rest is deferred)', capped, FIRST_PART)
  console.log(['this run, oldest first:', ...attemptedImages(capped.planFile)].join('\n'))

  const brokenBefore = fake.brokenImages().length
  const rest = await run({ apiUrl: fake.url, inputs: { ...inputs, 'dry-run': 'false' }, files })
  show('3. The next run: the rest of the plan (the kept versions are those of the dry run)', rest, FIRST_PART)
  const unexpected = unexpectedOutcomes(rest.planFile)
  if (unexpected.length > 0) console.log(['not deleted:', ...unexpected].join('\n'))
  // The fake's integrity check: every index still present lists only manifests that are present.
  console.log(`broken images in the registry: ${brokenBefore} before the run (left by another tool), ${fake.brokenImages().length} after it`)

  const restore = await run({ apiUrl: fake.url, inputs: { ...inputs, 'dry-run': 'false', 'restore-from': capped.outputs['plan-path'] }, files })
  show("4. Restore what run 2 deleted (restore-from: run 2's plan file)", restore, WITHOUT_KEPT)

  // The README's PR-close workflow (recipe 2), as GitHub runs it when pull request 121 closes.
  const prStep = actionSteps(workflow('.github/workflows/prune-pr-images.yml'))[0]
  const prPolicy = inlinePolicy(prStep, { ...EXPRESSION_VALUES, 'github.event.pull_request.number': String(CLOSED_PR) })!
  showPolicy(`The README's PR-close workflow, when pull request ${CLOSED_PR} closes: its inline policy`, prPolicy)
  const prClose = await run({ apiUrl: fake.url, inputs: { ...inputs, 'dry-run': 'false', policy: prPolicy } })
  show(`5. Pull request ${CLOSED_PR} closed: its images go, commit tag and all`, prClose, WITHOUT_KEPT)

  showPolicy("An inline policy for the token's own account", USER_POLICY)
  const mine = await run({ apiUrl: fake.url, inputs: { ...inputs, owner: 'octo', 'dry-run': 'false', policy: USER_POLICY } })
  show("6. The user 'octo' (a private package: the /user endpoints)", mine, WHOLE)

  process.exitCode = runs.some(r => r.exitCode !== 0) ? 1 : 0
} finally {
  await fake.stop()
}
