// Contract 1.1, "Unreadable timestamps": a version whose created_at or updated_at is missing or not
// an ISO 8601 date-time is never deleted, whatever the rules say. Its age is unknown, so neither
// "older than" nor "the N newest" can be judged for it.
import { keep, type PackageContext, type Verdicts } from './package-context.js'
import { UNREADABLE_TIMESTAMP_REASON } from './reasons.js'
import { isUnreadableTime } from './timestamps.js'

/**
 * Keeps the images with an unreadable timestamp (call after judgeImages, so that their dependants
 * then follow them) and returns the dependants with one, to be kept by judgeDependants whatever
 * their parents' fate.
 */
export function keepUnreadableTimestamps(ctx: PackageContext, verdicts: Verdicts): ReadonlyMap<number, string> | undefined {
  const { created, updated } = ctx.index
  let dependants: Map<number, string> | undefined
  for (let i = 0; i < created.length; i++) {
    if (!isUnreadableTime(created[i]) && !isUnreadableTime(updated[i])) continue
    if (ctx.graph.isDependant[i]) (dependants ??= new Map()).set(i, UNREADABLE_TIMESTAMP_REASON)
    else keep(verdicts, i, UNREADABLE_TIMESTAMP_REASON)
  }
  return dependants
}
