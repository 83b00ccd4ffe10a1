// (1.2) The looks that make a package's view (package-view.ts merges them):
//
//   1. a pass over the pages: page 1, then the rest concurrently;
//   2. a closing look: for containers the registry's tags list, then page 1 again (for other
//      packages, page 1 again only when they have more than one page: a one-page answer is a
//      snapshot and they have no tags);
//   3. another pass only when a look showed a listed version gone or retagged, an id twice, or the
//      page count changing: at most MAX_PASSES in all. A hint that a version may be missing (fewer
//      versions than version_count says, a tag last seen that the registry no longer serves) is
//      worth one more pass, once; never a stop.
//
// Additions alone (a package pushed to every second) never stop a package: new versions are merged.
// Only when the last closing look still shows listed versions gone or retagged on page 1 after
// MAX_PASSES is the view not trusted: the package is then left untouched (`problem`).
import type { PackageRef, PackageVersion, PackageView } from '../model.js'
import type { OnPage, PackagesApi, PackageSummary } from '../github/packages-api.js'
import { registryRepository } from '../registry/names.js'
import { describeChanges, hasChanges, ViewBuilder, type LookChanges } from './package-view.js'

export const MAX_PASSES = 3

/** The registry's tags list of a repository ("owner/name"), as RegistryClient.listTags serves it. */
export interface TagsSource {
  listTags(repository: string): Promise<string[]>
}

export interface ListedView {
  summary: PackageSummary
  /** Every version any look showed, each once, with every tag it was seen with. */
  versions: PackageVersion[]
  view: PackageView
  /** Why the package was listed again, per extra pass (for the log). */
  relisted: string[]
  /** Set when the view could not be made true: nothing in the package may be deleted. */
  problem?: string
}

function mergeChanges(a: LookChanges, b: LookChanges): LookChanges {
  return {
    gone: [...a.gone, ...b.gone],
    retagged: [...new Set([...a.retagged, ...b.retagged])],
    duplicates: [...a.duplicates, ...b.duplicates],
    pageCounts: [...new Set([...a.pageCounts, ...b.pageCounts])].sort((x, y) => x - y)
  }
}

/**
 * The view of one package, or undefined when it does not exist (or the token cannot see it).
 * `known` is the package as the package listing reported it (saves a request).
 */
export async function listPackageView(
  api: PackagesApi,
  tags: TagsSource | undefined,
  pkg: PackageRef,
  onPage?: OnPage<PackageVersion>,
  known?: PackageSummary
): Promise<ListedView | undefined> {
  const summary = known ?? (await api.getPackage(pkg))
  if (!summary) return undefined
  const countHint = summary.versionCount
  const repository = pkg.type === 'container' ? registryRepository(pkg.owner, pkg.name) : undefined
  const builder = new ViewBuilder()
  const relisted: string[] = []
  let hintUsed = false
  for (let pass = 1; pass <= MAX_PASSES; pass++) {
    // Pages of later passes are not reported: they repeat the work `onPage` already counted and started.
    const listed = await api.listPass(pkg, countHint, pass === 1 ? onPage : undefined)
    let changes = builder.addPass({ versions: listed.versions, pages: listed.pages, announcedLastPages: listed.announcedLastPages })
    // The tags list first, then page 1: a tag moved onto a version of page 1 while the tags list
    // was read still shows on page 1, the look's last request.
    const served = repository !== undefined && tags ? await tags.listTags(repository) : undefined
    // A one-page answer is a snapshot, but a container's tags can move after it: page 1 again shows that.
    const closing = listed.pages > 1 || repository !== undefined ? await api.listPage(pkg, 1) : undefined
    let closingChanges: LookChanges = { gone: [], retagged: [], duplicates: [], pageCounts: [] }
    if (closing) {
      closingChanges = builder.addClosingPage(closing)
      changes = mergeChanges(changes, closingChanges)
    }
    const servedCheck = served ? builder.addServedTags(served) : { servedOnly: [], notServed: [] }
    if (hasChanges(changes)) {
      if (pass < MAX_PASSES) {
        relisted.push(describeChanges(changes))
        continue
      }
      // The union of the passes holds every version they showed; only a deletion or retag the last
      // closing look saw on page 1 may still have hidden one.
      const unsettled = closingChanges.gone.length > 0 || closingChanges.retagged.length > 0
      if (unsettled) return { summary, ...builder.build(), relisted, problem: `its versions changed while they were listed, ${MAX_PASSES} times (${[...relisted, describeChanges(changes)].join('; ')})` }
      break
    }
    const hints: string[] = []
    const distinct = builder.size
    if (countHint !== undefined && distinct < countHint) hints.push(`${distinct} version(s) listed where GitHub counts ${countHint}`)
    if (servedCheck.notServed.length > 0) hints.push(`tag(s) ${servedCheck.notServed.slice(0, 3).join(', ')} no longer served by the registry`)
    if (hints.length === 0 || hintUsed || pass === MAX_PASSES) break
    // A hint, not evidence: worth one look more, never a stop.
    hintUsed = true
    relisted.push(hints.join('; '))
  }
  return { summary, ...builder.build(), relisted }
}
