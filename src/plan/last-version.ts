// Step 6, GitHub's own rules: it refuses to delete the last tagged version of a container package and
// the last version of any other type. Rather than plan a deletion GitHub will refuse, keep the newest
// version that would go (with its dependants); or, with `on-last-version: delete-package`, delete the
// package whole when every version would go.
import type { OnLastVersion } from '../model.js'
import { judgeDependants } from './dependants.js'
import { keep, tagsOf, type PackageContext, type Verdicts } from './package-context.js'
import { reasons } from './reasons.js'

export type LastVersionOutcome = 'versions' | 'whole-package'

function everyVersionDeleted(verdicts: Verdicts): boolean {
  return verdicts.deleted.length > 0 && verdicts.deleted.every((d) => d === 1)
}

/** `forcedKeep`: dependants kept whatever their parents' fate (see judgeDependants), kept again when dependants are judged anew. */
export function applyLastVersionRule(
  ctx: PackageContext,
  verdicts: Verdicts,
  onLastVersion: OnLastVersion,
  forcedKeep?: ReadonlyMap<number, string>
): LastVersionOutcome {
  if (onLastVersion === 'delete-package' && everyVersionDeleted(verdicts)) return 'whole-package'
  const { versions } = ctx.index
  const newestFirst = ctx.index.newestFirstByCreated()
  const reason = reasons.lastVersion(ctx.isContainer)

  if (!ctx.isContainer) {
    if (everyVersionDeleted(verdicts)) keep(verdicts, newestFirst[0], reason)
    return 'versions'
  }

  // Any tagged version that stays (a signature tag counts for GitHub too) satisfies GitHub.
  let anyTaggedGoes = false
  for (let i = 0; i < versions.length; i++) {
    if (tagsOf(ctx, versions[i]).length === 0) continue
    if (!verdicts.deleted[i]) return 'versions'
    anyTaggedGoes = true
  }
  if (!anyTaggedGoes) return 'versions'

  const { isDependant } = ctx.graph
  const newestTagged = (dependants: boolean): number | undefined =>
    newestFirst.find((i) => verdicts.deleted[i] === 1 && (isDependant[i] === 1) === dependants && versions[i].tags.length > 0)

  const image = newestTagged(false)
  if (image !== undefined) {
    keep(verdicts, image, reason)
    judgeDependants(ctx, verdicts, forcedKeep) // its dependants now have a parent that stays
  } else {
    // Only tagged dependants would go (e.g. signatures of untagged images): keep the newest of them and
    // its own dependants; its parent may go, leaving an orphan a later run judges as an image.
    const dependant = newestTagged(true)
    if (dependant !== undefined) judgeDependants(ctx, verdicts, new Map([...(forcedKeep ?? []), [dependant, reason]]))
  }
  return 'versions'
}
