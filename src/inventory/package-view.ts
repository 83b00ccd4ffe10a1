// (1.2) A package's view: what each look at the package saw (passes over its pages, closing looks
// at page 1, the registry's tags list), merged into one inventory the planner can trust while
// other actors push, delete and retag. Pure: the looks are taken by view-listing.ts.
//
// GitHub pages versions by number, newest first, so a change between two page requests shifts
// later versions by a place: a deletion can hide one, a push can show one twice. Merging looks
// makes the view lean towards keeping:
//   - a version is judged with every tag any look showed it with (keep and protect win);
//   - a version first seen in a later look is added (the image graph reads it like any other);
//   - a version a later look no longer shows is kept (it is gone, or hidden by a shift);
//   - a tag the registry serves that no version carries is left for resolution (served-tags.ts).
import type { PackageVersion, PackageView } from '../model.js'

/** One pass over a package's pages, in listing order (an id may come twice). */
export interface PassLook {
  versions: PackageVersion[]
  /** Pages read. */
  pages: number
  /** The distinct last pages the pages' Link headers announced. */
  announcedLastPages: number[]
}

/** Page 1 read again after a pass. */
export interface PageLook {
  versions: PackageVersion[]
  lastPage?: number
}

/** What a look showed that a pass may have missed: the reasons to list again. */
export interface LookChanges {
  /** Listed versions a look showed gone (deleted meanwhile: a later version may have shifted past a page boundary). */
  gone: number[]
  /** Listed versions a look showed with other tags. */
  retagged: number[]
  /** Ids a pass listed twice (a push meanwhile). */
  duplicates: number[]
  /** The Link page count changed between pages or looks. */
  pageCounts: number[]
}

interface Seen {
  /** The latest answer's version, its `tags` replaced by every tag any look showed (first seen first). */
  version: PackageVersion
  /** The tags the latest look that showed it saw. */
  lastTags: readonly string[]
}

export function hasChanges(changes: LookChanges): boolean {
  return changes.gone.length > 0 || changes.retagged.length > 0 || changes.duplicates.length > 0 || changes.pageCounts.length > 1
}

/** "version 12 gone; version 7 retagged; ..." for the log. */
export function describeChanges(changes: LookChanges): string {
  const parts: string[] = []
  const ids = (list: number[]): string => (list.length > 3 ? `${list.slice(0, 3).join(', ')} and ${list.length - 3} more` : list.join(', '))
  if (changes.gone.length > 0) parts.push(`version(s) ${ids(changes.gone)} no longer listed`)
  if (changes.retagged.length > 0) parts.push(`version(s) ${ids(changes.retagged)} retagged`)
  if (changes.duplicates.length > 0) parts.push(`version(s) ${ids(changes.duplicates)} listed twice`)
  if (changes.pageCounts.length > 1) parts.push(`the page count changed (${changes.pageCounts.join(', ')})`)
  return parts.join('; ')
}

function sameTags(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false
  const set = new Set(a)
  return b.every((tag) => set.has(tag))
}

export class ViewBuilder {
  private readonly seen = new Map<number, Seen>()
  private readonly gone = new Set<number>()
  private readonly added = new Set<number>()
  private readonly retagged = new Set<number>()
  private readonly looks: string[] = []
  /** The latest pass's versions in listing order (each once): what a closing page 1 is compared with. */
  private lastPass: number[] = []
  private lastPassPages = 0
  /** The page count the latest pass's pages announced, when they agreed. */
  private lastPassAnnounced: number | undefined
  private served: ReadonlySet<string> | undefined

  get passes(): number {
    return this.lastPassPages === 0 ? 0 : this.looks.filter((look) => look.startsWith('pass')).length
  }

  /** Distinct versions in the view (gone ones included). */
  get size(): number {
    return this.seen.size
  }

  /** Merges a pass over the pages. A version an earlier pass listed and this one does not is kept as gone. */
  addPass(pass: PassLook): LookChanges {
    const first = this.seen.size === 0 && this.looks.length === 0
    const duplicates = new Set<number>()
    const listed = new Set<number>()
    const changes: LookChanges = { gone: [], retagged: [], duplicates: [], pageCounts: [...pass.announcedLastPages].sort((a, b) => a - b) }
    for (const version of pass.versions) {
      if (listed.has(version.id)) {
        duplicates.add(version.id)
        // The later copy is the newer answer: its tags count too.
        this.merge(version, first, changes)
        continue
      }
      listed.add(version.id)
      this.merge(version, first, changes)
    }
    if (!first) {
      for (const id of this.seen.keys()) {
        if (listed.has(id) || this.gone.has(id)) continue
        this.gone.add(id)
        changes.gone.push(id)
      }
    }
    changes.duplicates = [...duplicates]
    this.lastPass = [...listed]
    this.lastPassPages = pass.pages
    this.lastPassAnnounced = pass.announcedLastPages.length === 0 ? 1 : pass.announcedLastPages.length === 1 ? pass.announcedLastPages[0] : undefined
    this.looks.push(`pass ${this.looks.filter((look) => look.startsWith('pass')).length + 1}: ${pass.pages} page(s), ${listed.size} version(s)`)
    return changes
  }

  /**
   * Merges page 1 read again after a pass. Listed versions newer than the oldest one page 1 still
   * shows must all be there: one missing was deleted meanwhile (its absence may have shifted an
   * older version past a page boundary of the pass). Versions older than that may just have
   * shifted to page 2 (pushes), so nothing is said about them.
   */
  addClosingPage(page: PageLook): LookChanges {
    const changes: LookChanges = { gone: [], retagged: [], duplicates: [], pageCounts: [] }
    // Compared with what the pass's pages announced (a Link may announce fewer pages than were read).
    const announced = page.lastPage ?? 1
    if (this.lastPassAnnounced !== undefined && announced !== this.lastPassAnnounced) changes.pageCounts = [this.lastPassAnnounced, announced].sort((a, b) => a - b)
    const shown = new Set(page.versions.map((version) => version.id))
    let oldestShown = -1
    this.lastPass.forEach((id, position) => {
      if (shown.has(id)) oldestShown = position
    })
    for (let position = 0; position < oldestShown; position++) {
      const id = this.lastPass[position]
      if (shown.has(id) || this.gone.has(id)) continue
      this.gone.add(id)
      changes.gone.push(id)
    }
    for (const version of page.versions) this.merge(version, false, changes)
    this.looks.push(`page 1: ${page.versions.length} version(s)`)
    return changes
  }

  /**
   * The registry's tags list: which tags no version of the view carries (resolved before planning),
   * and which tags a version was last seen with that the registry no longer serves (a retag or a
   * deletion after the listing, or a tags list that lags: a hint, never a stop).
   */
  addServedTags(served: readonly string[]): { servedOnly: string[]; notServed: string[] } {
    this.served = new Set(served)
    this.looks.push(`tags list: ${served.length} tag(s)`)
    const carried = new Set<string>()
    const lastCarried = new Set<string>()
    for (const [id, entry] of this.seen) {
      for (const tag of entry.version.tags) carried.add(tag)
      if (!this.gone.has(id)) for (const tag of entry.lastTags) lastCarried.add(tag)
    }
    return {
      servedOnly: served.filter((tag) => !carried.has(tag)).sort(),
      notServed: [...lastCarried].filter((tag) => !this.served!.has(tag)).sort()
    }
  }

  /** The merged versions (each with every tag seen) and the view, for the inventory. */
  build(): { versions: PackageVersion[]; view: PackageView } {
    // Shared, not copied: a package can hold a hundred thousand versions.
    const versions = Array.from(this.seen.values(), (entry) => entry.version)
    const carried = new Set(versions.flatMap((version) => version.tags))
    const servedOnly = this.served ? [...this.served].filter((tag) => !carried.has(tag)).sort() : []
    return {
      versions,
      view: {
        looks: [...this.looks],
        gone: [...this.gone].sort((a, b) => a - b),
        added: [...this.added].sort((a, b) => a - b),
        retagged: [...this.retagged].sort((a, b) => a - b),
        servedOnly,
        kept: []
      }
    }
  }

  private merge(version: PackageVersion, first: boolean, changes: LookChanges): void {
    const entry = this.seen.get(version.id)
    if (!entry) {
      this.seen.set(version.id, { version, lastTags: version.tags })
      if (!first) this.added.add(version.id)
      return
    }
    if (this.gone.has(version.id)) this.gone.delete(version.id)
    const retagged = !sameTags(entry.lastTags, version.tags)
    if (retagged) {
      if (!changes.retagged.includes(version.id)) changes.retagged.push(version.id)
      this.retagged.add(version.id)
    }
    const merged = entry.version.tags
    const tags = sameTags(merged, version.tags) ? version.tags : [...new Set([...merged, ...version.tags])]
    entry.lastTags = version.tags
    // The newest answer (a retag moves updated_at), with every tag seen.
    entry.version = tags === version.tags ? version : { ...version, tags }
  }
}
