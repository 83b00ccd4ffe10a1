// (1.2) What a package's view holds back whatever the rules say (see src/inventory/package-view.ts):
// a version a later look no longer showed (gone meanwhile, or hidden by a shifted page) is not
// deleted, and still protects what it lists; a digest a tag the registry serves names, and what
// that manifest lists, is kept (the listing missed it, or lags a push).
import type { PackageView } from '../model.js'
import { keep, type PackageContext, type Verdicts } from './package-context.js'
import { shortDigest } from './reasons.js'

export const GONE_REASON = 'kept: a later look no longer listed it (deleted by someone else meanwhile?), so it is not deleted again'

function servedReason(tag: string, listedBy: string | undefined): string {
  return listedBy === undefined
    ? `kept: the registry serves tag '${tag}' for it`
    : `kept: listed by ${shortDigest(listedBy)}, which the registry serves as tag '${tag}'`
}

/**
 * Keeps the images the view holds (call after judgeImages, so that their dependants follow them)
 * and returns the dependants it holds, to be kept by judgeDependants whatever their parents' fate.
 */
export function keepViewHolds(ctx: PackageContext, verdicts: Verdicts, view: PackageView | undefined): Map<number, string> | undefined {
  if (!view || (view.gone.length === 0 && view.kept.length === 0)) return undefined
  const held = new Map<number, string>()
  const gone = new Set(view.gone)
  const kept = new Map(view.kept.map((entry) => [entry.digest, entry]))
  const { versions } = ctx.index
  for (let i = 0; i < versions.length; i++) {
    const served = kept.get(versions[i].name)
    const reason = gone.has(versions[i].id) ? GONE_REASON : served ? servedReason(served.tag, served.listedBy) : undefined
    if (reason === undefined) continue
    if (ctx.graph.isDependant[i]) held.set(i, reason)
    else keep(verdicts, i, reason)
  }
  return held.size > 0 ? held : undefined
}
