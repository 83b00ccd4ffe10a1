// One retention run: policy → inventory → plan → execute → report, each phase a log group.
import * as core from '@actions/core'
import { ManifestCacheRun, presentManifests } from '../cache/actions-cache.js'
import { executePlan, outcomeKey, type ExecutionResult } from '../execute/executor.js'
import type { ClientStats } from '../github/client.js'
import { FatalError } from '../github/errors.js'
import { buildImageGraphs } from '../inventory/image-graph.js'
import { collectInventory, resolveOwner } from '../inventory/inventory.js'
import { resolveServedTags } from '../inventory/served-tags.js'
import { DeletionRelooks } from '../inventory/deletion-relook.js'
import { PrefetchingReader } from '../inventory/manifest-prefetch.js'
import { ProgressReader } from '../inventory/read-progress.js'
import { packageKey, type PackageInventory, type PackageRef } from '../model.js'
import type { OwnerRef } from '../github/packages-api.js'
import type { Inventory } from '../inventory/inventory.js'
import { RunControl } from '../run-control.js'
import { planRetention } from '../plan/planner.js'
import { Progress } from '../progress.js'
import { compilePackageNameFilter, literalValues } from '../policy/glob.js'
import { loadPolicy } from '../policy/validate.js'
import { RegistryClient } from '../registry/client.js'
import { registryRepository } from '../registry/names.js'
import { planFilePath, writePlanFile } from '../report/plan-file.js'
import { buildRunReport, type RunReport } from '../report/run-report.js'
import { renderSummary } from '../report/summary.js'
import { connect } from './github.js'
import type { Settings } from './inputs.js'
import { findImagesInUse } from './images-in-use.js'
import { nothingPlannedFailure } from './nothing-planned.js'
import { setOutputs, writeSummary } from './outputs.js'
import { reportPolicyProblems, reportPolicyWarnings } from './policy-problems.js'
import { warn, warningsIssued } from './warnings.js'

/**
 * Why the run fails because of its deletions (each cause once: the "failed: " of each cause is the
 * message's own) or a cancellation. A run told to wait longer than it may defers what is left: not
 * a failure.
 */
function runFailure(report: RunReport, control: RunControl, planPath: string): string | undefined {
  const t = report.totals
  if (t.failed > 0) {
    const causes = report.failures.map(f => (f.startsWith('failed: ') ? f.slice('failed: '.length) : f))
    return `${t.failed} deletion(s) failed: ${causes.join(' | ')}`
  }
  if (control.stop?.kind === 'cancelled') {
    return `The run was cancelled: ${t.deleted} of ${t.planned} planned deletion(s) done, ${t.deferred} version(s) deferred to a later run (plan file ${planPath}).`
  }
  return undefined
}

export interface RunOutcome {
  /** Set when the run must fail; the message says why. */
  failure?: string
}

/**
 * SIGINT/SIGTERM (a cancelled job: the runner sends SIGINT, then SIGTERM 7.5 s later) stop the
 * run at once, whatever it is doing: no new request, the DELETE in flight awaited at most 3 s,
 * then the report (contract 1.2).
 */
function watchForCancellation(control: RunControl): { dispose: () => void } {
  const onSignal = (signal: string): void => {
    if (control.stop?.kind === 'cancelled') return
    control.cancel(signal)
    warn(`Received ${signal}: no new request is sent; the DELETE in flight (if any) is awaited at most 3 s, the rest is deferred and the report written.`)
  }
  process.on('SIGTERM', onSignal)
  process.on('SIGINT', onSignal)
  return {
    dispose: () => {
      process.off('SIGTERM', onSignal)
      process.off('SIGINT', onSignal)
    }
  }
}

/** Set once a run stopped its requests (cancelled, or a wait it would not take): the process then leaves once its report is written, abandoned waits and sockets notwithstanding. */
let stoppedRun = false
export function runWasStopped(): boolean {
  return stoppedRun
}

export async function runRetention(settings: Settings, startedAt: Date): Promise<RunOutcome> {
  const control = new RunControl()
  const cancellation = watchForCancellation(control)
  try {
    return await runUnder(control, settings, startedAt)
  } finally {
    cancellation.dispose()
    if (control.stop) stoppedRun = true
  }
}

async function runUnder(control: RunControl, settings: Settings, startedAt: Date): Promise<RunOutcome> {
  const loaded = await core.group('Policy', async () => {
    const result = await loadPolicy(settings.policy, settings.workspace)
    if (!result.ok) {
      const file = result.source?.kind === 'file' ? result.source.path : result.file?.path
      await reportPolicyProblems(result.problems, file)
      return result
    }
    const where = result.source.kind === 'file' ? result.source.path : 'inline policy'
    reportPolicyWarnings(result.warnings, result.source.kind === 'file' ? result.source.path : undefined)
    core.info(`${where}: ${result.policy.rules.length} rule(s): ${result.policy.rules.map(r => r.name).join(', ')}`)
    return result
  })
  if (!loaded.ok) {
    throw new FatalError('The policy is invalid (see the annotations and the job summary); nothing was listed or deleted.', true)
  }
  const { policy } = loaded
  const policyLabel = loaded.source.kind === 'file' ? loaded.source.path : 'inline'
  const ownerLogin = settings.ownerInput ?? policy.owner ?? settings.repositoryOwner
  if (!ownerLogin) {
    throw new FatalError('No owner: set the `owner` input or the policy\'s `owner` (outside Actions GITHUB_REPOSITORY_OWNER is not set).')
  }
  const maxDeletions = settings.maxDeletionsInput ?? policy.limits.maxDeletions
  // Before any request: a scan that cannot be complete stops the run before anything is listed.
  const inUse = await findImagesInUse(settings, policy, ownerLogin)

  const client: ClientStats = { secondaryLimitRefusals: 0 }
  const api = connect(settings, client, control)
  const registry = new RegistryClient({ registryUrl: settings.registryUrl, githubToken: settings.token, control })
  // Long inventories (thousands of pages, thousands of manifests) log progress every 10 s.
  const listing = new Progress({ total: 0, label: 'Listing versions (pages)', log: line => core.info(line), everyCount: Number.POSITIVE_INFINITY })
  const reading = new Progress({ total: 0, label: 'Reading manifests', log: line => core.info(line), everyCount: Number.POSITIVE_INFINITY })
  // Restored while the versions are listed (reads wait for it), from when the first requests are
  // answered: loading the cache library must not delay them. Progress counts registry reads only.
  let firstRequestsAnswered!: () => void
  const manifestCache = ManifestCacheRun.start({
    startAfter: new Promise<void>(resolve => (firstRequestsAnswered = resolve)),
    enabled: settings.manifestCache,
    owner: ownerLogin,
    registryUrl: settings.registryUrl,
    runId: settings.runId,
    runAttempt: settings.runAttempt,
    directory: settings.runnerTemp,
    log: { info: line => core.info(line), warning: line => warn(line) }
  })
  // Tagged versions' manifests are read while later pages of versions are still being listed.
  const reader = new PrefetchingReader(manifestCache.wrap(new ProgressReader(registry, reading)))
  // Which versions the policy keeps decides which manifests must be read; the cap only defers.
  const keptVersions = (pkg: PackageInventory): ReadonlySet<number> => {
    const draft = planRetention({ policy, inventories: [pkg], now: startedAt, inUse })
    return new Set(draft.packages[0].versions.filter(v => v.decision === 'keep').map(v => v.id))
  }
  let owner: OwnerRef | undefined
  const inventory = await core.group('Inventory', async () => {
    // The rate-limit state is only logged: asked for alongside the owner, not a round trip before it.
    ;[owner] = await Promise.all([resolveOwner(api, ownerLogin), api.refreshRateLimit()])
    firstRequestsAnswered()
    core.info(`At start, ${api.rateLimit.describe()}`)
    core.info(`Owner '${owner.login}' (${owner.kind === 'org' ? 'organization' : owner.kind === 'self' ? "the token's own account" : 'user'})`)
    const listingStarted = new Set<string>()
    const result = await collectInventory(api, owner!, policy, (pkg, versions, pages) => {
      if (!listingStarted.has(packageKey(pkg))) {
        listingStarted.add(packageKey(pkg))
        listing.expect(pages)
      }
      listing.advance()
      if (pkg.type === 'container') reader.prefetch(registryRepository(pkg.owner, pkg.name), versions)
    }, registry)
    // (1.2) Tags the registry serves that no listed version carries: resolved, and kept with what they list.
    // The policy's literal protect/keep tags (`latest`, `prod`) are verified too (a HEAD each): one
    // moved onto an older version after its page was read (a rollback) keeps the version it names now.
    const verify = {
      tags: literalValues([...policy.protect.tags, ...policy.rules.filter(rule => rule.packages.type === 'container').flatMap(rule => rule.keep.tags)]),
      checker: registry
    }
    result.packages = await Promise.all(result.packages.map(async pkg => (pkg.package.type === 'container' ? (await resolveServedTags(pkg, reader, verify)).inventory : pkg)))
    // (1.2) A rule with a `broken` condition (true or false) needs every image judged.
    const judgesBroken = (pkg: PackageRef): boolean =>
      policy.rules.some(rule => rule.match.broken !== undefined && rule.packages.type === pkg.type && compilePackageNameFilter(rule.packages.names).matches(pkg.name))
    const graphs = await buildImageGraphs(result.packages, {
      reader,
      keptVersions,
      presence: registry,
      versionState: (pkg, id) => api.versionState(pkg, id),
      judgesBroken
    })
    // A registry that let the run read no package at all is an authentication failure, not a green run that deleted nothing.
    const registryUnusable = registry.unusableMessage()
    if (registryUnusable) throw new FatalError(registryUnusable)
    result.packages = graphs.map(g => g.inventory)
    for (const g of graphs) {
      const key = packageKey(g.inventory.package)
      for (const version of g.gone) {
        core.info(`${key}: version ${version.id} (${version.tags[0] ?? version.name}) was deleted by someone else after it was listed (its manifest is not found, and GitHub no longer lists it); the package is planned without it.`)
      }
      for (const image of g.undetermined) {
        const say = judgesBroken(g.inventory.package) ? warn : core.info
        say(`${key}: could not tell whether version ${image.id} is broken, the registry did not say whether it has what the image lists (${image.why}); it is not counted as broken this run.`)
      }
      if (g.manifestReads === 0) continue
      core.info(`${packageKey(g.inventory.package)}: ${g.manifestReads} manifest(s) read, ${g.inventory.references.length} reference(s) between versions`)
    }
    for (const key of result.missing) {
      warn(`Package ${key} was not found for owner '${owner!.login}' (or the token cannot see it); the other packages go on.`)
    }
    return result
  }).catch((error: unknown): Inventory => {
    // Stopped before the packages were even known (cancelled, or a wait too long): nothing is planned, the report says why.
    if (!control.stop) throw error
    // The cache's restore waits for the first answers, which will not come now.
    firstRequestsAnswered()
    warn(`The run stopped before its packages were listed (${control.stop.reason}); nothing is planned or deleted.`)
    return { owner: owner ?? { login: ownerLogin, kind: 'org' }, packages: [], missing: [], notReached: [] }
  })

  const plan = await core.group('Plan', async () => {
    const result = planRetention({ policy, inventories: inventory.packages, now: startedAt, maxDeletions, inUse })
    for (const pkg of result.packages) {
      const deleting = pkg.versions.filter(v => v.decision === 'delete').length
      core.info(`${pkg.key}: ${pkg.versions.length} version(s), ${deleting} to delete, ${pkg.versions.length - deleting} kept`)
      if (pkg.warning) warn(pkg.warning)
      for (const note of pkg.notes ?? []) core.info(`${pkg.key}: ${note}`)
    }
    if (result.deferredByCap.length > 0) {
      const versions = result.deferredByCap.reduce((n, g) => n + g.versionIds.length, 0)
      core.info(`max-deletions ${maxDeletions}: ${versions} version(s) deferred to later runs`)
    }
    if (result.oversizedGroup) {
      const { packageKey: key, imageId, versions, maxDeletions: cap } = result.oversizedGroup
      warn(
        `${key}: the oldest image to delete (version ${imageId}) goes with ${versions} versions, more than max-deletions ${cap}. ` +
          `An image is never split, so it is taken alone this run; max-deletions ${versions} would fit it.`
      )
    }
    for (const pkg of inventory.packages) {
      for (const image of pkg.damaged ?? []) {
        const platforms = image.missing.map(m => m.platform ?? m.digest).join(', ')
        core.info(`${packageKey(pkg.package)}: version ${image.id} is already broken, it lists absent platform manifest(s): ${platforms}`)
      }
    }
    return result
  })

  const planPath = planFilePath(settings.runnerTemp, startedAt)
  const mode = settings.dryRun ? 'dry-run' : 'delete'
  const report = (execution?: ExecutionResult): RunReport => ({
    ...buildRunReport({
      mode,
      owner: inventory.owner,
      policy: policyLabel,
      plan,
      execution,
      missing: inventory.missing,
      inventories: inventory.packages,
      ageFrom: Object.fromEntries(policy.rules.map(rule => [rule.name, rule.match.ageFrom])),
      inUseUnresolved: inUse.filter(r => r.unresolved).map(({ package: name, file, line, written }) => ({ package: name, file, line, written })),
      stop: control.stop,
      requests: {
        'list packages pages': api.stats.packagePages,
        'list versions pages': api.stats.versionPages,
        'registry manifest reads': registry.stats.manifestReads,
        'manifests from the cache': manifestCache.served,
        'registry token requests': registry.stats.tokenRequests,
        'registry tags list pages': registry.stats.tagsListReads,
        'secondary-limit refusals': client.secondaryLimitRefusals
      }
    }),
    ...(inventory.notReached.length > 0 && { notReached: inventory.notReached }),
    // A cache that was available but failed: the first line's ⚠️ (1.2).
    ...(manifestCache.problem !== undefined && { cacheProblem: manifestCache.problem }),
    warnings: warningsIssued()
  })
  // Written before any deletion, so even a run killed outright leaves its plan ('running': cut short).
  writePlanFile(planPath, report(), settings.dryRun ? 'planned' : 'running', new Date())

  let execution: ExecutionResult | undefined
  if (!settings.dryRun) {
    // (1.2) Deletions of one package lasting over 60 s look again before going on.
    const relooks = new DeletionRelooks(inventory.packages, { api, tags: registry, reader, policy, log: line => core.info(line) })
    execution = await core.group('Delete', () =>
      executePlan(plan, api, { log: line => core.info(line), control, beforeGroup: group => relooks.heldBack(group) })
    )
  } else {
    core.info('Dry run: no deletion requests are made. Set `dry-run: false` to execute this plan.')
  }

  // The cache is saved before the report, so a save that failed is in the summary too; a cancelled
  // run leaves within seconds and saves nothing.
  if (manifestCache.active && control.stop?.kind !== 'cancelled') {
    const gone = (pkg: PackageInventory, id: number): boolean => execution?.outcomes.get(outcomeKey(packageKey(pkg.package), id))?.outcome === 'deleted'
    await core.group('Manifest cache', () => manifestCache.save(presentManifests(inventory.packages, gone)))
  }
  const outcome = await core.group('Report', async () => {
    if (client.secondaryLimitRefusals > 0) {
      warn(
        `GitHub refused ${client.secondaryLimitRefusals} request(s) with its secondary rate limit although the run stays within its budget; ` +
          'each was retried after the wait GitHub asked for. Another client using the same token at the same time spends the same budget.'
      )
    }
    // Decided before the summary is written: its first line says ❌ exactly when the run fails.
    const draft = report(execution)
    const failure = runFailure(draft, control, planPath) ?? (control.stop ? undefined : nothingPlannedFailure(policy, inventory.owner.login, inventory.missing, plan))
    const final: RunReport = { ...draft, ...(failure !== undefined && { failure }) }
    const stopped = final.stoppedEarly
    writePlanFile(planPath, final, stopped ? 'stopped' : 'finished', new Date(), stopped)
    if (stopped) {
      const resume = final.resumeAt ? ` GitHub allows requests again from ${final.resumeAt}.` : ''
      const say = final.stopKind === 'cancelled' ? core.info : warn
      say(`The run stopped before the end of the plan (${stopped}); the rest is deferred to a later run.${resume}`)
    }
    const t = final.totals
    // Outputs first: they cannot fail, the summary (a file) can.
    setOutputs({ planned: t.planned, deleted: t.deleted, skipped: t.skipped, failed: t.failed, deferred: t.deferred, damaged: final.damaged?.length ?? 0, planPath })
    await writeSummary(renderSummary(final, planPath))
    core.info(`planned ${t.planned}, deleted ${t.deleted}, skipped ${t.skipped}, failed ${t.failed}, deferred ${t.deferred}; plan file ${planPath}`)
    // A stopped run sends nothing more (GitHub asked to wait, or the job is being cancelled).
    if (!control.stop) await api.refreshRateLimit()
    core.info(`At end, ${api.rateLimit.describe()}`)
    const concurrency = registry.concurrency
    if (registry.stats.manifestRequests > 0) {
      core.info(
        `Registry: ${registry.stats.manifestRequests} manifest request(s), up to ${concurrency.peak} at once (${concurrency.now} at the end), ` +
          `${registry.stats.tooManyRequests} answered 429`
      )
    }
    const spent = client.budget
    if (spent) {
      core.info(
        `REST requests: ${spent.requests} (${spent.points} points), at most ${spent.peakWindowPoints} points in any 60 s and ${spent.peakInFlight} in flight ` +
          "(GitHub's secondary limits: 900 and 100)"
      )
    }
    return failure !== undefined ? { failure } : {}
  })
  return outcome
}
