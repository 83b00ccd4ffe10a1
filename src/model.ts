// Domain types shared by the pipeline: policy → inventory → plan → execute → report.
// Everything here is plain data (JSON-serialisable) so the planner stays pure and plans can be written to disk.

export const PACKAGE_TYPES = ['container', 'npm', 'maven', 'rubygems', 'nuget', 'docker'] as const
export type PackageType = (typeof PACKAGE_TYPES)[number]

/** Which REST path family serves the owner: /orgs/{org}, /users/{username}, or /user (the token's own account). */
export type OwnerKind = 'org' | 'user' | 'self'

// ---------------------------------------------------------------- policy

/** A validated duration; months and years are calendar units (date-fns `sub` applies them). */
export interface Duration {
  /** As written in the policy, for messages and reasons ("30d", "P1M"). */
  text: string
  years: number
  months: number
  weeks: number
  days: number
  hours: number
  minutes: number
}

export type AgeFrom = 'updated' | 'created'
export type OnLastVersion = 'keep' | 'delete-package'

export interface Rule {
  name: string
  packages: {
    type: PackageType
    /** minimatch globs as written; a leading "!" excludes. */
    names: string[]
  }
  match: {
    tags?: string[]
    /** (1.2) Companion tags (commit tags such as sha-8826c28): the tag condition holds when at least one tag matches `tags` and every other matches `tags` or `withTags`. Only with `tags`. */
    withTags?: string[]
    versions?: string[]
    untagged?: true
    /** (1.1) npm-style range the version's semver must satisfy (prereleases included). */
    semver?: string
    /** (1.1) true: the semver has a prerelease part; false: it has none. */
    prerelease?: boolean
    /** (1.1) only damaged images (PackageInventory.damaged). */
    broken?: true
    olderThan?: Duration
    ageFrom: AgeFrom
  }
  keep: {
    latest?: number
    /** (1.1) keep.latest counts within each semver major (or major.minor) group of the series. */
    per?: 'major' | 'minor'
    tags: string[]
    versions: string[]
  }
}

export interface Policy {
  version: 1
  owner?: string
  /** inUse (1.1): globs of workspace files scanned for image references (see InUseReference). */
  protect: { tags: string[]; versions: string[]; inUse: string[] }
  limits: { maxDeletions?: number; onLastVersion: OnLastVersion }
  rules: Rule[]
}

// ---------------------------------------------------------------- inventory

export interface PackageRef {
  owner: string
  ownerKind: OwnerKind
  type: PackageType
  name: string
  visibility?: 'public' | 'private' | 'internal'
}

export interface PackageVersion {
  id: number
  /** Version name; for containers the manifest digest ("sha256:…"). */
  name: string
  /** Container tags; always empty for other package types. */
  tags: string[]
  /** ISO 8601 timestamps as GitHub returns them. */
  createdAt: string
  updatedAt: string
}

/** How a dependant version refers to the version it belongs to. */
export type ReferenceKind =
  | 'platform' // a platform manifest listed by an index
  | 'attestation' // an attestation manifest listed by an index (platform unknown/unknown)
  | 'subject' // a manifest whose `subject` is the parent
  | 'signature' // a cosign `sha256-<hex>.sig|.att|.sbom` tagged artifact
  | 'referrers-index' // an OCI referrers-tag index `sha256-<hex>`

/** `child` belongs to `parent`: the child is a dependant and follows the parent's fate. */
export interface VersionReference {
  child: number
  parent: number
  kind: ReferenceKind
  /** "linux/arm64" for platform manifests. */
  platform?: string
}

/** A manifest a decision needed but could not be read: the package fails closed. */
export interface UnreadableManifest {
  digest: string
  reason: string
}

export interface PackageInventory {
  package: PackageRef
  /** Active versions, any order. */
  versions: PackageVersion[]
  /** References between present versions (containers only; empty until the graph is built). */
  references: VersionReference[]
  /** Non-empty means: do not delete anything in this package. */
  unreadable: UnreadableManifest[]
  /** (1.1) Set when no consistent listing could be had (the versions changed while listed): do not delete anything in this package. */
  listingProblem?: string
  /**
   * (1.2) Set when the package's view could not be completed (an answer too large to read, the run
   * stopped while it was listed): nothing in it is deleted, with this reason and warning.
   */
  untouched?: { reason: string; warning: string }
  /** (1.1) Images found broken before this run: an index listing platform manifests absent from the package. */
  damaged?: DamagedImage[]
  /** (1.2) What the looks at the package saw beyond `versions` (which hold every tag any look showed): see PackageView. */
  view?: PackageView
}

/**
 * (1.2) A package's view: the union of its looks (passes over the pages, closing looks at page 1,
 * the registry's tags list). `versions` already holds every version any look showed, each with
 * every tag it was seen with; this says what else the planner must respect.
 */
export interface PackageView {
  /** The looks taken, in order, for the log ("pass 1: 3 pages", "page 1", "tags list: 12 tags"). */
  looks: string[]
  /** Versions a later look no longer showed (another actor deleted them): never deleted, they still protect what they list. */
  gone: number[]
  /** Versions first seen in a later look (pushed meanwhile, or missed by a shifted page). */
  added: number[]
  /** Versions seen with different tags by different looks (judged with all of them). */
  retagged: number[]
  /** Tags the registry serves that no version of the view carries: resolved before planning (see `kept`). */
  servedOnly: string[]
  /** Digests a served tag names, and what those manifests list: kept whatever the rules say. */
  kept: KeptDigest[]
}

/** (1.2) A digest kept because a tag the registry serves names it (`tag`), or names what lists it (`listedBy`). */
export interface KeptDigest {
  digest: string
  tag: string
  /** The digest of the manifest (named by `tag`) that lists this one; absent when the tag names it itself. */
  listedBy?: string
}

/** (1.1) An image (an index, not a referrers-tag index) listing platform manifests the package no longer has. */
export interface DamagedImage {
  /** The index's version id. */
  id: number
  /** What it lists that is absent (attestations, `unknown/unknown`, do not count). */
  missing: { digest: string; platform?: string }[]
}

/**
 * (1.1) A reference to one of the owner's container images found in a workspace file by the
 * protect.in-use scan. The planner keeps what it names (and, with `unresolved`, every version of
 * the package).
 */
export interface InUseReference {
  /** Workspace-relative path and 1-based line, for the reason ("kept: in use, deploy/prod.yaml:12"). */
  file: string
  line: number
  /** Package name as GitHub names it, lower-cased (`team/web`). */
  package: string
  /** The tag referenced (`latest` for a bare reference); absent when only a digest is given. */
  tag?: string
  /** `sha256:<hex>` when the reference pins a digest. */
  digest?: string
  /** The tag is a template (`{{ .Values.tag }}`, `${TAG}`): every version of the package is protected. */
  unresolved?: true
  /** (1.2) The reference as written, for messages and the summary (the planner does not read it). */
  written?: string
}

// ---------------------------------------------------------------- plan

export type Decision = 'delete' | 'keep'
export type VersionRole = 'image' | 'dependant'

export interface VersionPlan {
  id: number
  name: string
  tags: string[]
  createdAt: string
  updatedAt: string
  role: VersionRole
  decision: Decision
  /** The rule that decided, when one did (absent for "no rule selects it" and for protect). */
  rule?: string
  /** Human reason, e.g. "kept: 3rd newest of series 'nightly'", "delete: untagged, 41 days old". */
  reason: string
  /** For dependants: the ids it belongs to. */
  belongsTo?: number[]
  kind?: ReferenceKind
  platform?: string
}

/** An image and the dependants deleted with it: never split across runs, image first. */
export interface DeletionGroup {
  /** `${type}/${name}` of the package, as in PackagePlan.key. */
  packageKey: string
  /** The image's id (or, for a whole-package deletion, the package's newest version id). */
  imageId: number
  /** The image's created_at, used to order the cap oldest first. */
  createdAt: string
  /** Version ids in deletion order: the image before its dependants. */
  versionIds: number[]
  /** One DELETE of the package instead of per-version DELETEs. */
  wholePackage?: boolean
}

export interface PackagePlan {
  key: string
  package: PackageRef
  /** Names of the rules that apply to this package. */
  rules: string[]
  /** Every version of the package, with its decision. */
  versions: VersionPlan[]
  /** Deletions of this package, in deletion order (before the cap). */
  groups: DeletionGroup[]
  /** Set when the package is left untouched for safety (fail closed); groups is then empty. */
  warning?: string
  /** (1.1) What the summary should say about how the rules met this package (e.g. a semver rule that found no semver). */
  notes?: string[]
  /** (1.2) How each rule that applies met this package: the summary's account per rule. */
  accounts?: RuleAccount[]
}

/**
 * (1.2) How one rule met one package, for the summary's account per rule (images only: dependants
 * follow their image). Filled by the planner (src/plan/accounts.ts). Every image of the series is
 * counted once: series = deleted + deletedByAnotherRule + the sum of keptBy.
 */
export interface RuleAccount {
  rule: string
  /** Images of the package in the rule's series. */
  series: number
  /** Images of the series the rule selects (past `older-than`, not kept by the rule's own keep). */
  selected: number
  /** Of the selected images, those the plan deletes (the others were kept by something else: see keptBy). */
  deleted: number
  /** Images of the series this rule does not select (too young for it) that the plan deletes because another rule selects them. */
  deletedByAnotherRule?: number
  /**
   * Images of the series the plan keeps, counted by what kept them (only labels with a count). In
   * order of precedence: 'unreadable timestamp', 'in use' (protect.in-use), 'protect', 'keep.latest'
   * and 'keep.tags/versions' (this rule's keep), 'another rule' (another rule's keep), 'last version'
   * (GitHub's last-version rule), 'too young' (newer than this rule's older-than); 'left untouched'
   * for every image of a package left untouched for safety.
   */
  keptBy: Record<string, number>
  /** Images outside the series only because they also carry other tags ("kept: also tagged latest"). */
  alsoTagged?: number
  /**
   * A plain sentence when the rule selects nothing in this package, saying why: the first condition
   * no image meets ("no image of api has a tag matching pr-42"; "every image of api with a tag
   * matching pr-42 also carries a sha-* tag: see with-tags ..."), or what holds the whole series
   * ("keep.latest 5 keeps all 3 images of the series", "none of the 4 images of the series is older
   * than 30d"). For a package left untouched, the reason it is ("left untouched: ..."), whatever the
   * rule selects.
   */
  whyNothing?: string
}

export interface Plan {
  /** The "now" the plan was computed for (ISO). */
  now: string
  packages: PackagePlan[]
  /** Groups to execute this run, oldest first (after the max-deletions cap). */
  scheduled: DeletionGroup[]
  /** Groups left for a later run by the max-deletions cap. */
  deferredByCap: DeletionGroup[]
  /** (1.1) Set when the oldest group alone was larger than max-deletions and was taken anyway. */
  oversizedGroup?: OversizedGroup
}

/** (1.1) A group larger than the cap, taken alone so that it cannot block every later run. */
export interface OversizedGroup {
  packageKey: string
  imageId: number
  /** The group's size: the max-deletions that would fit it. */
  versions: number
  maxDeletions: number
}

/** Key used to identify a package across plan, execution and report. */
export function packageKey(ref: Pick<PackageRef, 'type' | 'name'>): string {
  return `${ref.type}/${ref.name}`
}
