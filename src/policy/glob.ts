// Policy globs, compiled once: the planner tests them against every version of every package.
import { Minimatch, type MinimatchOptions } from 'minimatch'

// `nonegate`/`nocomment`: a leading "!" or "#" is literal to minimatch; exclusions are handled
// here, and only in packages.names. `dot`: tags such as ".cache" are ordinary names.
// `platform`: the same semantics on every runner OS (no backslash path separators on Windows).
const OPTIONS: MinimatchOptions = { nonegate: true, nocomment: true, dot: true, platform: 'linux' }

function compile(glob: string): Minimatch {
  return new Minimatch(glob, OPTIONS)
}

// The regular expression is anchored and matches the whole string, like Minimatch#match, but
// skips its per-call splitting on "/".
function tester(matcher: Minimatch): (value: string) => boolean {
  const re = matcher.makeRe()
  return re ? (value) => re.test(value) : (value) => matcher.match(value)
}

/** A predicate that is true when any glob matches the whole value; false for every value when `globs` is empty. */
export function compileGlobs(globs: readonly string[]): (value: string) => boolean {
  const tests = globs.map((glob) => tester(compile(glob)))
  if (tests.length === 0) return () => false
  if (tests.length === 1) return tests[0]
  return (value) => tests.some((test) => test(value))
}

export interface PackageNameFilter {
  /** True when the name matches at least one positive glob and no "!" glob, whatever their order. */
  matches(name: string): boolean
  /** Positive names without glob magic (brace alternatives expanded), minus the excluded ones: usable without listing packages. */
  literalNames: string[]
  /** Some positive name is a glob, so the owner's packages must be listed to resolve it. */
  needsListing: boolean
}

/** The names a pattern stands for when minimatch sees no magic in it (`a\-b` → `a-b`, `{web,api}` → web, api). */
function literalAlternatives(matcher: Minimatch): string[] | undefined {
  if (matcher.hasMagic()) return undefined
  return matcher.set.map((parts) => parts.join('/'))
}

/** Compile `packages.names`: a leading "!" excludes, anything else (including `hotfix-[!a-c]`) selects. */
export function compilePackageNameFilter(names: readonly string[]): PackageNameFilter {
  const positive = names.filter((name) => !name.startsWith('!')).map(compile)
  const excluded = compileGlobs(names.filter((name) => name.startsWith('!')).map((name) => name.slice(1)))
  const positiveTests = positive.map(tester)
  const literals = positive.map(literalAlternatives)
  return {
    matches: (name) => positiveTests.some((test) => test(name)) && !excluded(name),
    literalNames: [...new Set(literals.flatMap((alternatives) => alternatives ?? []))].filter((name) => !excluded(name)),
    needsListing: literals.some((alternatives) => alternatives === undefined)
  }
}

/** The values globs stand for when they have no glob magic (`latest`, `{prod,stable}`); globs with magic are left out. */
export function literalValues(globs: readonly string[]): string[] {
  return [...new Set(globs.flatMap((glob) => literalAlternatives(compile(glob)) ?? []))]
}
