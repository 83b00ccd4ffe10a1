// A version's semver (contract "Semver (1.1)"): for containers the highest of its tags that parse,
// for other types its name. Parsed once per package, only when a rule of the package asks for it.
import { SemVer, compare } from 'semver'
import type { PackageVersion } from '../model.js'
import { semverRange } from '../policy/semver-range.js'

/** The semver of one version and the text it was read from (the tag or the name, as written). */
export interface VersionSemver {
  version: SemVer
  text: string
}

// A cheap shape test before semver's own parser, which throws (and builds a stack trace) for
// every text that does not parse: most tags (`pr-12`, `latest`, `main-abc`) never reach it.
const SEMVER_SHAPE = /^v?\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?$/

/** `1.2.3`, `v1.2.3`, `1.2.3-rc.1+build`: a full semantic version, optionally after one `v`; else undefined. */
export function parseSemver(text: string): SemVer | undefined {
  if (!SEMVER_SHAPE.test(text)) return undefined
  // One leading `v` is allowed and stripped; the rest must be strict semver (loose: false).
  const bare = text.charCodeAt(0) === 118 /* v */ ? text.slice(1) : text
  try {
    return new SemVer(bare, { loose: false })
  } catch {
    return undefined
  }
}

/** The version's semver: the highest parsing tag of a container version, the name of any other. */
export function semverOf(version: PackageVersion, isContainer: boolean): VersionSemver | undefined {
  if (!isContainer) {
    const parsed = parseSemver(version.name)
    return parsed && { version: parsed, text: version.name }
  }
  let best: VersionSemver | undefined
  for (const tag of version.tags) {
    const parsed = parseSemver(tag)
    if (parsed && (!best || compare(parsed, best.version) > 0)) best = { version: parsed, text: tag }
  }
  return best
}

/** `match.semver` and `match.prerelease` of one rule as one test; a version without semver never passes. */
export function compileSemverCondition(range: string | undefined, prerelease: boolean | undefined): ((semver: VersionSemver | undefined) => boolean) | undefined {
  if (range === undefined && prerelease === undefined) return undefined
  const compiled = range === undefined ? undefined : semverRange(range)
  if (range !== undefined && !compiled) throw new Error(`invalid semver range '${range}' (the policy validator accepts only valid ranges)`)
  return (semver) => {
    if (!semver) return false
    if (prerelease !== undefined && semver.version.prerelease.length > 0 !== prerelease) return false
    return compiled === undefined || compiled.test(semver.version)
  }
}

/**
 * Dense group numbers for keep.per: 0 for versions without semver (one group of their own), then
 * 1, 2, … per distinct major (or major.minor), so ranks can be counted in plain arrays.
 */
export function semverGroups(semvers: readonly (VersionSemver | undefined)[], per: 'major' | 'minor'): { group: number[]; count: number } {
  const numbers = new Map<string, number>()
  const group = new Array<number>(semvers.length).fill(0)
  for (let i = 0; i < semvers.length; i++) {
    const semver = semvers[i]
    if (!semver) continue
    const key = per === 'major' ? String(semver.version.major) : `${semver.version.major}.${semver.version.minor}`
    let number = numbers.get(key)
    if (number === undefined) numbers.set(key, (number = numbers.size + 1))
    group[i] = number
  }
  return { group, count: numbers.size + 1 }
}
