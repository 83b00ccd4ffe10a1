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

/** The first tag matching the predicate, else undefined. */
export function firstMatchingTag(tags: readonly string[], matches: (tag: string) => boolean): string | undefined {
  for (const tag of tags) if (matches(tag)) return tag
  return undefined
}
