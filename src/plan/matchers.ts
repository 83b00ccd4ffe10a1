// Tag/version glob pairs (protect, keep.tags + keep.versions) compiled once, answering WHAT matched
// so reasons can name it.
import { compileGlobs } from '../policy/glob.js'

export type Hit = { by: 'tag'; tag: string } | { by: 'version'; name: string }

/** Returns the first matching tag, else the name when it matches, else undefined. */
export type TagVersionMatcher = (tags: readonly string[], name: string) => Hit | undefined

export function compileTagVersionMatcher(tagGlobs: string[], versionGlobs: string[]): TagVersionMatcher {
  if (tagGlobs.length === 0 && versionGlobs.length === 0) return () => undefined
  const tagMatches = compileGlobs(tagGlobs)
  const versionMatches = compileGlobs(versionGlobs)
  return (tags, name) => {
    if (tagGlobs.length > 0) {
      for (const tag of tags) if (tagMatches(tag)) return { by: 'tag', tag }
    }
    if (versionGlobs.length > 0 && versionMatches(name)) return { by: 'version', name }
    return undefined
  }
}

/** How a version's tags meet a `match.tags` condition (contract 1.1: the condition describes the whole version). */
export const TagMatch = {
  /** No tag matches (or the version has none). */
  None: 0,
  /** Some tags match but not all (nor with-tags): the version is also something else ("kept: also tagged latest"). */
  Some: 1,
  /** The version has tags and every one matches (at least one match.tags, the others match.tags or match.with-tags): the condition holds. */
  Every: 2
} as const
export type TagMatch = (typeof TagMatch)[keyof typeof TagMatch]

/**
 * `companions` (match.with-tags, 1.2): tags a version may also carry; they count towards "every
 * tag" only beside at least one tag that `matches`, never alone.
 */
export function matchEveryTag(tags: readonly string[], matches: (tag: string) => boolean, companions?: (tag: string) => boolean): TagMatch {
  let matched = 0
  let covered = 0
  for (const tag of tags) {
    if (matches(tag)) {
      matched++
      covered++
    } else if (companions?.(tag)) covered++
  }
  if (matched === 0) return TagMatch.None
  return covered === tags.length ? TagMatch.Every : TagMatch.Some
}
