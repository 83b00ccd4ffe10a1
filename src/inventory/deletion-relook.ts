// (1.2) Looks again while a package's deletions last: GitHub has no conditional delete, so a plan
// is only as true as its last look. Deletions of one package that last more than RELOOK_EVERY_MS
// look again (page 1 and the registry's tags list) before the next group, and hold back what the
// look shows is needed now:
//   - a version the plan deletes that now carries a protected or kept tag (a tag moved onto it);
//   - what a version new on page 1 lists or refers to (an index built meanwhile by
//     `docker buildx imagetools create` over platform manifests the plan deletes);
//   - what a tag the registry serves, that no known version carries, names and lists.
// The executor calls `heldBack` between groups (ExecuteOptions.beforeGroup); held versions are not
// deleted (reported as skipped, with why).
import type { DeletionGroup, PackageInventory, PackageVersion, Policy } from '../model.js'
import { packageKey } from '../model.js'
import type { PackagesApi } from '../github/packages-api.js'
import { compileTagVersionMatcher, type TagVersionMatcher } from '../plan/matchers.js'
import { compilePackageNameFilter } from '../policy/glob.js'
import { parseManifest, type ManifestReader } from '../registry/manifests.js'
import { registryRepository } from '../registry/names.js'
import type { TagsSource } from './view-listing.js'

export const RELOOK_EVERY_MS = 60_000

interface PackageState {
  inventory: PackageInventory
  /** Digests known (listed, or read) → version. */
  byDigest: Map<string, PackageVersion>
  known: Set<number>
  protects: TagVersionMatcher
  lastLookAt?: number
  /** Ids a look showed are needed now, with why. */
  held: Map<number, string>
}

export interface RelookOptions {
  api: Pick<PackagesApi, 'listPage'>
  tags?: TagsSource
  reader: ManifestReader
  policy: Policy
  now?: () => number
  log?: (line: string) => void
  everyMs?: number
}

export class DeletionRelooks {
  private readonly packages = new Map<string, PackageState>()
  /** Looks taken, for the report. */
  looks = 0

  constructor(
    inventories: readonly PackageInventory[],
    private readonly options: RelookOptions
  ) {
    for (const inventory of inventories) {
      const ref = inventory.package
      // protect, and keep.tags / keep.versions of every rule naming this package: a tag moved onto a version makes it kept.
      const rules = options.policy.rules.filter((rule) => rule.packages.type === ref.type && compilePackageNameFilter(rule.packages.names).matches(ref.name))
      const protects = compileTagVersionMatcher(
        [...options.policy.protect.tags, ...rules.flatMap((rule) => rule.keep.tags)],
        [...options.policy.protect.versions, ...rules.flatMap((rule) => rule.keep.versions)]
      )
      this.packages.set(packageKey(ref), {
        inventory,
        byDigest: new Map(inventory.versions.map((version) => [version.name, version])),
        known: new Set(inventory.versions.map((version) => version.id)),
        protects,
        held: new Map()
      })
    }
  }

  /** The versions of `group` not to delete now, with why (empty when nothing changed). Looks again when the last look is too old. */
  async heldBack(group: DeletionGroup): Promise<Map<number, string>> {
    const state = this.packages.get(group.packageKey)
    if (!state || group.wholePackage) return new Map()
    const now = (this.options.now ?? Date.now)()
    if (state.lastLookAt === undefined) state.lastLookAt = now
    else if (now - state.lastLookAt >= (this.options.everyMs ?? RELOOK_EVERY_MS)) {
      state.lastLookAt = now
      await this.look(state)
    }
    const held = new Map<number, string>()
    for (const id of group.versionIds) {
      const why = state.held.get(id)
      if (why !== undefined) held.set(id, why)
    }
    return held
  }

  private async look(state: PackageState): Promise<void> {
    this.looks++
    const ref = state.inventory.package
    const repository = registryRepository(ref.owner, ref.name)
    const isContainer = ref.type === 'container'
    const [page, served] = await Promise.all([
      this.options.api.listPage(ref, 1),
      isContainer && this.options.tags ? this.options.tags.listTags(repository) : undefined
    ])
    const carried = new Set<string>()
    for (const version of state.inventory.versions) for (const tag of version.tags) carried.add(tag)
    const reads: Array<{ reference: string; why: string }> = []
    for (const version of page.versions) {
      for (const tag of version.tags) carried.add(tag)
      const hit = state.protects(isContainer ? version.tags : [], version.name)
      if (hit && state.known.has(version.id)) {
        state.held.set(version.id, `kept: a look during the deletions showed it ${hit.by === 'tag' ? `tagged '${hit.tag}'` : 'protected'}`)
      }
      if (!state.known.has(version.id)) {
        state.known.add(version.id)
        state.byDigest.set(version.name, version)
        if (isContainer) reads.push({ reference: version.name, why: `kept: listed by ${version.name.slice(0, 19)}, pushed during the deletions` })
      }
    }
    for (const tag of served ?? []) {
      if (!carried.has(tag)) reads.push({ reference: tag, why: `kept: listed by tag '${tag}', which the registry serves` })
    }
    await Promise.all(reads.map((read) => this.holdWhatItLists(state, repository, read.reference, read.why)))
    if (state.held.size > 0) this.options.log?.(`${packageKey(ref)}: a look during the deletions holds back ${state.held.size} version(s).`)
  }

  private async holdWhatItLists(state: PackageState, repository: string, reference: string, why: string): Promise<void> {
    let manifest
    try {
      const fetched = await this.options.reader.getManifest(repository, reference)
      manifest = parseManifest(fetched)
      const named = state.byDigest.get(fetched.digest)
      if (named && !reference.startsWith('sha256:')) state.held.set(named.id, `kept: the registry serves tag '${reference}' for it`)
    } catch {
      // Gone again, or unreadable: it lists nothing this look can hold back.
      return
    }
    const listed = manifest.kind === 'index' ? manifest.manifests.map((entry) => entry.digest) : []
    if (manifest.subject) listed.push(manifest.subject.digest)
    for (const digest of listed) {
      const version = state.byDigest.get(digest)
      if (version) state.held.set(version.id, why)
    }
  }
}
