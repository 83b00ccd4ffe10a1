// Packages a glob did not reach: in minimatch `*` does not cross `/`, so `*` skips `team/tools`
// without a word. From the listing a glob already needs (no extra request), the packages that
// no rule chose but that a rule's glob would match if its `*` crossed `/` are named, so the run
// can say so.
import type { PackageType, Rule } from '../model.js'
import { compileGlobs, compilePackageNameFilter } from '../policy/glob.js'

/** Stands for a `/` that a `*` may cross: a character no package name holds, that only a wildcard matches. */
const CROSSED = '\u2044'
/** Names with more slashes are tried with the first ones only (2^n readings). */
const MAX_SLASHES = 8

/** Every reading of `name` in which some of its slashes are ordinary characters (`a/b/c` → `a⁄b/c`, `a/b⁄c`, …). */
function readings(name: string): string[] {
  const parts = name.split('/')
  const slashes = Math.min(parts.length - 1, MAX_SLASHES)
  const result: string[] = []
  for (let mask = 1; mask < 1 << slashes; mask++) {
    let text = parts[0]
    for (let i = 1; i < parts.length; i++) text += (i <= slashes && mask & (1 << (i - 1)) ? CROSSED : '/') + parts[i]
    result.push(text)
  }
  return result
}

/**
 * Of `listed` (the owner's packages of `type`), those no rule of that type chose but that one of
 * their globs reaches when `*` crosses `/`; a package a `!` glob excludes is left alone on purpose.
 */
export function packagesNotReached(rules: readonly Rule[], type: PackageType, listed: readonly string[]): string[] {
  const own = rules.filter(rule => rule.packages.type === type)
  const chosen = own.map(rule => compilePackageNameFilter(rule.packages.names))
  const globs = own.map(rule => ({
    positive: compileGlobs(rule.packages.names.filter(n => !n.startsWith('!'))),
    excluded: compileGlobs(rule.packages.names.filter(n => n.startsWith('!')).map(n => n.slice(1)))
  }))
  return listed.filter(name => {
    if (!name.includes('/') || chosen.some(filter => filter.matches(name))) return false
    const ways = [name, ...readings(name)]
    if (globs.some(g => ways.some(g.excluded))) return false
    return globs.some(g => readings(name).some(g.positive))
  })
}
