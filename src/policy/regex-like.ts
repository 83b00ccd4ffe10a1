// Tag and name patterns are globs, but authors used to regular expressions write `^pr-\d+$`, which
// as a glob matches only that literal text: selects nothing, or protects nothing. Contract 1.2: such
// a glob is a warning (the run goes on; a glob may really contain these characters).

/**
 * What makes `glob` look like a regular expression, or undefined when it reads as a glob: it starts
 * with `^`, ends with `$`, or contains `\d`, `\w`, `\s`, `.+`, or a `.*` not preceded by `*`
 * (`*.*.*` is a fine glob). A `.*` after a letter or digit is read as a glob too: `1.*`, `v2.1.*`,
 * `*-rc.*`, `com.acme.*` are how globs name a dotted prefix (the contract's own examples use
 * `1.*`), while regular expressions put `.*` after a separator or at the start (`pr-.*`, `.*-SNAPSHOT`).
 */
export function regexLikeness(glob: string): string | undefined {
  const text = glob.startsWith('!') ? glob.slice(1) : glob
  if (text.startsWith('^')) return 'starts with "^"'
  if (text.endsWith('$')) return 'ends with "$"'
  const escape = /\\[dws]/.exec(text)
  if (escape) return `contains "${escape[0]}"`
  if (text.includes('.+')) return 'contains ".+"'
  for (let at = text.indexOf('.*'); at >= 0; at = text.indexOf('.*', at + 1)) {
    const before = at > 0 ? text[at - 1] : ''
    if (before !== '*' && !/[A-Za-z0-9]/.test(before)) return 'contains ".*"'
  }
  return undefined
}

/** The glob the author probably meant (`^pr-\d+$` → `pr-*`), or undefined when no simple one is. */
export function globFromRegex(glob: string): string | undefined {
  const negated = glob.startsWith('!')
  let text = negated ? glob.slice(1) : glob
  // A regular expression anchored at the start only matches any text after it: `^pr-` is `pr-*`.
  const openEnded = text.startsWith('^') && !text.endsWith('$')
  text = text.replace(/^\^/, '').replace(/\$$/, '')
  text = text
    .replace(/(?:\\[dws]|\[[^\]]*\]|\.)[+*]/g, '*')
    .replace(/\\[dws]/g, '?')
    .replace(/\\\./g, '.')
    .replace(/\*{2,}/g, '*')
  if (openEnded && !text.endsWith('*')) text += '*'
  if (text === '' || /[\\()|{}+]/.test(text)) return undefined
  const suggestion = negated ? `!${text}` : text
  return suggestion === glob ? undefined : suggestion
}
