// The text form of an image reference (HOST/OWNER/NAME, :TAG, @sha256:HEX), read by hand in one
// pass: no regular expression that could backtrack, so the cost is linear in the text whatever it
// holds. Also reads JSON's escaped slashes (ghcr.io\/acme\/web) and gives every reading of an
// ambiguous tag (`web:1.2.` ending a sentence is `1.2.` and `1.2`).

/** One reference found in a piece of text; offsets are in that text. */
export interface TextReference {
  start: number
  end: number
  /** Lower-cased package name (`team/web`). */
  package: string
  /** Every reading of the tag (one, or more when trailing punctuation may not belong to it). */
  tags: string[]
  digest?: string
  /** The tag or digest is a template (`{{ .Values.tag }}`, `${TAG}`, `$TAG`). */
  unresolved?: true
  /** HOST/OWNER/NAME and nothing after it: `:latest` unless a mapping says otherwise. */
  bare: boolean
  /** The text as written (with the template, when there is one). */
  written: string
}

/** Longest package name read (Docker's limit on a repository name): a longer run is not a name. */
const MAX_NAME = 255
/** The tag grammar's limit: 1 word character, then up to 127 of `[\w.-]`. */
const MAX_TAG = 128
/** How far a template after a tag is looked at (`{{ .Values.image.tag }}`). */
const MAX_TEMPLATE = 200
/**
 * The most characters a reference and what decides its reading can span: a piece of a long line
 * is read up to this far from its end, the rest with the next piece.
 */
export const MAX_REFERENCE_SPAN = 2048

const isAlnum = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90)
const isWord = (c: number): boolean => isAlnum(c) || c === 95
const isTagChar = (c: number): boolean => isWord(c) || c === 46 || c === 45
const isHex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70)
/** Characters of a host name: before HOST they mean another host (`notghcr.io`). */
const isHostChar = (c: number): boolean => isWord(c) || c === 46 || c === 45

const SLASH = 47
const BACKSLASH = 92

export class ReferenceReader {
  private readonly host: string
  private readonly owner: string
  /** The host, without regard to case: a literal, so the search is linear. */
  private readonly hostPattern: RegExp

  constructor(host: string, owner: string) {
    this.host = host.toLowerCase()
    this.owner = owner.toLowerCase()
    this.hostPattern = new RegExp(this.host.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'gi')
  }

  /** Where the host is next written in `text` at or after `from` (without regard to case), or -1. */
  nextHost(text: string, from: number): number {
    this.hostPattern.lastIndex = from
    return this.hostPattern.exec(text)?.index ?? -1
  }

  /** Whether `text` holds the host at `i` (a value that may name one of our images). */
  startsWithHost(text: string, i: number): boolean {
    return startsWithFolded(text, this.host, i)
  }

  /** Every reference in `text` starting before `until` (a piece of a longer line leaves the rest to the next piece). */
  read(text: string, until = text.length): TextReference[] {
    const found: TextReference[] = []
    for (let at = this.nextHost(text, 0); at !== -1 && at < until; at = this.nextHost(text, at + 1)) {
      if (at > 0 && isHostChar(text.charCodeAt(at - 1))) continue
      const reference = this.readAt(text, at)
      if (reference) {
        found.push(reference)
        at = reference.end - 1
      }
    }
    return found
  }

  /** The whole of `value` as one bare HOST/OWNER/NAME of ours: the package, else undefined. */
  bareName(value: string): string | undefined {
    if (value.length <= this.host.length || !startsWithFolded(value, this.host, 0)) return undefined
    const reference = this.readAt(value, 0)
    return reference && reference.bare && reference.end === value.length ? reference.package : undefined
  }

  /** A reference starting at `start` (where the host is), or undefined. */
  private readAt(text: string, start: number): TextReference | undefined {
    let i = this.separator(text, start + this.host.length)
    if (i < 0 || !startsWithFolded(text, this.owner, i)) return undefined
    i = this.separator(text, i + this.owner.length)
    if (i < 0) return undefined
    const name = this.name(text, i)
    if (name === undefined) return undefined
    i = name.end
    const length = text.length
    // The name goes on as a template ("web-${ENV}"): it is not this package.
    let j = i
    while (j < length && (text.charCodeAt(j) === 45 || text.charCodeAt(j) === 95 || text.charCodeAt(j) === 46)) j++
    if (j < length && (text.charCodeAt(j) === 36 || text.startsWith('{{', j))) return undefined
    const pkg = name.text
    let tags: string[] = []
    let digest: string | undefined
    let unresolved = false
    let hasColon = false
    if (text.charCodeAt(i) === 58) {
      hasColon = true
      i++
      const tagStart = i
      if (i < length && isWord(text.charCodeAt(i))) {
        i++
        while (i < length && i - tagStart < MAX_TAG && isTagChar(text.charCodeAt(i))) i++
      }
      const tag = text.slice(tagStart, i)
      const template = templateAt(text, i)
      if (template > 0) {
        unresolved = true
        i += template
      } else if (tag !== '') {
        tags = readings(tag)
      }
    }
    if (text.charCodeAt(i) === 64) {
      if (startsWithFolded(text, 'sha256:', i + 1) && hexRun(text, i + 8) >= 64 && !isHex(text.charCodeAt(i + 72))) {
        digest = text.slice(i + 1, i + 72).toLowerCase()
        i += 72
      } else {
        const template = templateAt(text, i + 1)
        if (template > 0) {
          unresolved = true
          i += 1 + template
        }
      }
    }
    const written = text.slice(start, i)
    if (unresolved) return { start, end: i, package: pkg, tags: [], unresolved: true, bare: false, written }
    const bare = !hasColon && digest === undefined
    // A bare name (or an empty tag) is ":latest", as `docker pull` reads it.
    if (tags.length === 0 && digest === undefined) tags = ['latest']
    return { start, end: i, package: pkg, tags, ...(digest !== undefined && { digest }), bare, written }
  }

  /** After "/" (or JSON's "\/"): the index past it, or -1. */
  private separator(text: string, i: number): number {
    if (text.charCodeAt(i) === SLASH) return i + 1
    if (text.charCodeAt(i) === BACKSLASH && text.charCodeAt(i + 1) === SLASH) return i + 2
    return -1
  }

  /**
   * A repository name: components of the OCI grammar (`[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`)
   * separated by "/" (or "\/"), matched without regard to case.
   */
  private name(text: string, start: number): { text: string; end: number } | undefined {
    const parts: string[] = []
    let i = start
    for (;;) {
      const componentStart = i
      const end = component(text, i)
      if (end === componentStart) break
      parts.push(text.slice(componentStart, end).toLowerCase())
      i = end
      const next = this.separator(text, i)
      if (next < 0 || !isAlnum(text.charCodeAt(next))) break
      i = next
    }
    if (parts.length === 0) return undefined
    const joined = parts.join('/')
    return joined.length > MAX_NAME ? undefined : { text: joined, end: i }
  }
}

/** The end of one name component starting at `i` (i itself when there is none). */
function component(text: string, i: number): number {
  const length = text.length
  let end = i
  let j = i
  for (;;) {
    const runStart = j
    while (j < length && isAlnum(text.charCodeAt(j)) && j - i <= MAX_NAME) j++
    if (j === runStart) return end
    end = j
    // A separator counts only when an alphanumeric follows it.
    const c = text.charCodeAt(j)
    let k = j
    if (c === 46) k = j + 1
    else if (c === 95) k = text.charCodeAt(j + 1) === 95 ? j + 2 : j + 1
    else if (c === 45) while (k < length && text.charCodeAt(k) === 45) k++
    if (k === j || !isAlnum(text.charCodeAt(k)) || k - i > MAX_NAME) return end
    j = k
  }
}

function hexRun(text: string, i: number): number {
  let j = i
  while (j < text.length && j - i < 64 && isHex(text.charCodeAt(j))) j++
  return j - i
}

/** Whether `text` holds `lower` (ASCII, lower case) at `i`, without regard to ASCII case. */
function startsWithFolded(text: string, lower: string, i: number): boolean {
  if (i + lower.length > text.length) return false
  for (let k = 0; k < lower.length; k++) {
    const c = text.charCodeAt(i + k)
    if ((c >= 65 && c <= 90 ? c + 32 : c) !== lower.charCodeAt(k)) return false
  }
  return true
}

/**
 * The length of a template at `i` where a tag or digest goes on (Helm/Go `{{ }}`, Actions
 * `${{ }}`, shell `${X}` and `$X`), or 0.
 */
function templateAt(text: string, i: number): number {
  const limit = Math.min(text.length, i + MAX_TEMPLATE)
  if (text.startsWith('{{', i) || text.startsWith('${{', i)) {
    const close = text.indexOf('}}', i + 2)
    return close !== -1 && close + 2 <= limit ? close + 2 - i : limit - i
  }
  if (text.startsWith('${', i)) {
    let j = i + 2
    while (j < limit && text.charCodeAt(j) !== 125 && text.charCodeAt(j) !== 10) j++
    return j < limit && text.charCodeAt(j) === 125 ? j + 1 - i : j - i
  }
  if (text.charCodeAt(i) === 36 && isWord(text.charCodeAt(i + 1))) {
    let j = i + 1
    while (j < limit && isWord(text.charCodeAt(j))) j++
    return j - i
  }
  return 0
}

/**
 * Every reading of a tag as written: `1.2.` ending a sentence may be `1.2.` or `1.2`, `v1-` may be
 * `v1-` or `v1`; each is protected, as the contract asks (never protect less than the text says).
 */
export function readings(tag: string): string[] {
  const all = [tag]
  let end = tag.length
  while (end > 1 && (tag.charCodeAt(end - 1) === 46 || tag.charCodeAt(end - 1) === 45)) {
    end--
    all.push(tag.slice(0, end))
  }
  return all
}
