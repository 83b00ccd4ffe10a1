// match.semver ranges: npm's own `semver` package reads them, as npm does, with prereleases included
// (contract "Semver (1.1)": `<2.0.0` matches `1.5.0-rc.1`). The validator and the planner share this.
import { Range } from 'semver'

/** The compiled range, or undefined when semver cannot read it. */
export function semverRange(range: string): Range | undefined {
  try {
    return new Range(range, { includePrerelease: true, loose: false })
  } catch {
    return undefined
  }
}

const EXAMPLES = 'write an npm-style range such as "<2.0.0", ">=1.2 <1.5", "1.x", "^3.1", or "*" for every version with a semver'

/** Why `range` is not a usable range, phrased to follow the quoted range; undefined when it is one. */
export function explainInvalidRange(range: string): string | undefined {
  // npm's semver reads an empty alternative as "*": `>=1.0.0 ||` would select every version (contract 1.2).
  if (range.split('||').some((alternative) => alternative.trim() === '')) {
    return 'has an empty alternative (nothing on one side of "||"), which npm\'s semver reads as "*" (every version); remove the extra "||" or write the missing range'
  }
  if (semverRange(range)) return undefined
  // Names like "1.2-SNAPSHOT" or globs like "main-*" are what match.versions is for.
  if (/[A-Za-z]/.test(range.replace(/\b[vxX]\b|\bv(?=\d)|[xX](?=$|[\s.|])/g, ''))) {
    return `is not a semver range; ${EXAMPLES} (to select versions by name, such as "*-SNAPSHOT", use match.versions)`
  }
  return `is not a semver range; ${EXAMPLES}`
}
