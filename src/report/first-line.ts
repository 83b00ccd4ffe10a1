// The summary's first line (contract 1.2): what happened, truthfully, with a sign a user can
// trust at a glance. ❌ when the run exits with failure; else ⚠️ when something the user must
// act on happened although the run succeeded (a named package not found, a package left
// untouched, deletions stopped by a limit or a cancellation, a cache that failed); else ✅.
// Deferral by max-deletions is what the policy asked for: ✅. A dry run has the same sign and
// says "Dry run" in words.
import { clip, escapeHtml, limitedList, plural } from './html.js'
import type { PackageReport, RunReport } from './run-report.js'

/** Packages left untouched for safety (fail closed, an inconsistent listing): a warning and nothing planned. */
export function untouchedPackages(report: RunReport): PackageReport[] {
  return report.packages.filter(p => p.warning !== undefined && p.counts.planned + p.counts.deferred === 0)
}

const names = (keys: readonly string[]): string => limitedList(keys, k => `<code>${k}</code> `, 'packages').trim()

/** Why deletions stopped early, in words; undefined when they did not. */
function stopWords(report: RunReport): string | undefined {
  if (!report.stoppedEarly && !report.stopKind) return undefined
  const why = report.stoppedEarly ? escapeHtml(report.stoppedEarly) : { 'rate-limit': "GitHub's rate limit ran out", wait: 'a wait GitHub asked for was too long', cancelled: 'the run was cancelled' }[report.stopKind!]
  return report.resumeAt ? `${why}; GitHub allows requests again at ${escapeHtml(report.resumeAt)}` : why
}

/** A problem's cause ("the manifest cache failed: …"), without the "Manifest cache: " it may start with and what it goes on to explain. */
function cause(problem: string): string {
  const text = problem.replace(/^Manifest cache: /, '')
  const end = text.search(/\.(\s|$)/)
  return end > 0 ? text.slice(0, end) : text
}

/** What makes a successful run ⚠️, each in a few words (the sections below say what to do). */
function problems(report: RunReport): string[] {
  const found: string[] = []
  if (report.missing.length > 0) {
    found.push(`${report.missing.length === 1 ? 'a package the policy names was' : `${report.missing.length} packages the policy names were`} not found (${names(report.missing)}): check the name, or let the token see it (what to do is below)`)
  }
  const safe = untouchedPackages(report)
  if (safe.length > 0) found.push(`${plural(safe.length, 'package')} left untouched for safety (${names(safe.map(p => p.key))})`)
  const stop = stopWords(report)
  if (stop) found.push(`deletions stopped early (${stop}): ${plural(report.totals.deferred, 'version')} deferred to a later run`)
  if (report.cacheProblem) found.push(`${escapeHtml(clip(cause(report.cacheProblem)))} (manifests were read from the registry)`)
  return found
}

/** The sentence after the title, by what the run did. */
function body(report: RunReport): { title: string; text: string } {
  const t = report.totals
  const capped = t.deferred > 0 && !stopWords(report) ? `; ${plural(t.deferred, 'version')} deferred by <code>max-deletions</code> to later runs` : ''
  if (report.mode === 'dry-run') {
    return { title: 'Dry run', text: `nothing was deleted; ${plural(t.planned, 'version')} would be deleted${capped}. Set <code>dry-run: false</code> to execute this plan.` }
  }
  if (t.failed > 0) {
    const attempted = t.deleted + t.skipped + t.failed
    return { title: `${t.failed} of ${plural(attempted, 'deletion')} failed`, text: `${t.deleted} deleted, ${t.skipped} skipped. The causes are below.` }
  }
  const stop = stopWords(report)
  if (stop) {
    const title = report.stopKind === 'cancelled' ? 'Cancelled' : 'Stopped early'
    return { title, text: `${stop}. ${t.deleted} of ${plural(t.planned, 'planned deletion')} done, ${plural(t.deferred, 'version')} deferred to a later run.` }
  }
  const skipped = t.skipped > 0 ? `, ${t.skipped} skipped (GitHub refused, or already gone)` : ''
  return { title: 'Executed', text: `the plan was carried out: ${plural(t.deleted, 'version')} deleted${skipped}${capped}.` }
}

export function firstLine(report: RunReport): string {
  const dry = report.mode === 'dry-run' ? '<strong>Dry run</strong>: ' : ''
  if (report.packages.length === 0) {
    const none = report.missing.length > 0 ? `none of the packages the policy names was found (${names(report.missing)})` : 'the policy names no package'
    return `❌ ${dry}<strong>Nothing was planned</strong>: ${none}. See below for what to do.`
  }
  const t = report.totals
  const safe = untouchedPackages(report)
  if (safe.length === report.packages.length && t.planned + t.deferred === 0) {
    const missing = report.missing.length > 0 ? `; not found: ${names(report.missing)}` : ''
    return `❌ ${dry}<strong>Nothing was planned</strong>: every package was left untouched for safety (${names(safe.map(p => p.key))})${missing}. The warnings below say why.`
  }
  const { title, text } = body(report)
  const fails = report.failure !== undefined || t.failed > 0 || report.stopKind === 'cancelled'
  // A failure the counts do not explain is said in its own words.
  const why = report.failure !== undefined && t.failed === 0 && report.stopKind !== 'cancelled' ? ` The run fails: ${escapeHtml(clip(report.failure))}.` : ''
  // A stop the title already tells is not said twice.
  const stopTold = title === 'Stopped early' || title === 'Cancelled'
  const found = problems(report).filter(p => !(stopTold && p.startsWith('deletions stopped early')))
  const but = found.length > 0 ? ` But: ${found.join('; ')}.` : ''
  const sign = fails ? '❌' : found.length > 0 || stopTold ? '⚠️' : '✅'
  return `${sign} ${dry}${title === 'Dry run' ? '' : `<strong>${title}</strong>: `}${text}${why}${but}`
}
