// The mappings around image names, tracked line by line as the text streams past (YAML block and
// flow style, JSON): no document is ever held whole, only the keys that decide how an image name
// is read, for the mappings still open. When a mapping ends, its image names are read as the
// contract says: a Kustomize `images:` entry names `newName` (else `name`) at `newTag` and at
// `digest`; a bare name beside `tag`/`digest` under `repository`/`image` is a Helm reference;
// beside any other tag or digest key it is unresolved; alone it is `:latest`.
import type { ReferenceReader } from './in-use-text.js'

/** What a mapping's keys make of an image name. */
export interface MappingReference {
  line: number
  package: string
  tags: string[]
  digest?: string
  unresolved?: true
  written: string
}

/** A value span (in the piece of text just given) that a mapping reads: the text rule leaves it. */
export interface HeldSpan {
  start: number
  end: number
}

type ValueKind = 'scalar' | 'empty' | 'nested'

interface Pair {
  key: string
  line: number
  kind: ValueKind
  /** The scalar as written, unquoted (capped): undefined when longer than any value read here. */
  value?: string
  /** An alias (`*tag`) or a template: its value is not known here. */
  opaque?: boolean
  /** The value is a bare HOST/OWNER/NAME of ours: the package. */
  bare?: string
}

interface Mapping {
  /** Block mappings: the column of their keys; flow mappings: -1. */
  indent: number
  pairs: Pair[]
  /** The last key seen, whose value may still turn out nested. */
  last?: Pair
}

/** An open flow collection: a mapping (with the key being read) or a sequence. */
interface FlowLevel {
  mapping?: Mapping
  expectKey: boolean
  key?: string
}

/** The most mappings tracked at once, and the most pairs kept per mapping: memory stays bounded. */
const MAX_OPEN = 10_000
const MAX_PAIRS = 64
/** Longer values are no image name, tag or digest. */
const MAX_VALUE = 1024
const MAX_KEY = 256

const DIGEST = /^sha256:[0-9a-f]{64}$/
const TAG = /^\w[\w.-]{0,127}$/
const TEMPLATE_START = /^(?:\{\{|\$\{|\$\w)/

/** Keys whose one scalar value is a tag or a digest: `tag`, `digest`, and `…Tag`, `…_tag`, `…-digest`, … */
export function isVersionKey(key: string): boolean {
  const lower = key.toLowerCase()
  if (lower === 'tag' || lower === 'digest') return true
  if (key.endsWith('Tag') || key.endsWith('Digest')) return true
  return lower.endsWith('_tag') || lower.endsWith('-tag') || lower.endsWith('_digest') || lower.endsWith('-digest')
}

const KUSTOMIZE_KEYS = new Set(['newName', 'newTag', 'digest', 'tagSuffix'])
const KEPT_KEYS = new Set(['repository', 'image', 'registry', 'name', 'newName', 'newTag', 'tagSuffix'])

/** A key that can change how an image name beside it is read. */
function isDecidingKey(key: string): boolean {
  if (KEPT_KEYS.has(key) || KUSTOMIZE_KEYS.has(key)) return true
  // Only tag and digest keys are left: they end in "g" or "t" (any case).
  const last = key.charCodeAt(key.length - 1) | 0x20
  return (last === 103 || last === 116) && isVersionKey(key)
}

export class MappingTracker {
  private readonly block: Mapping[] = []
  private readonly flow: FlowLevel[] = []
  private flowOverflow = 0
  /** The block column at which the open flow collection started (-1: the document is flow, as JSON). */
  private flowBlockIndent = -1
  /** A quoted scalar or plain scalar of the flow being read when a piece ended. */
  private partial?: { quote: number; text: string; start: number; escape: boolean; long: boolean }
  private held: HeldSpan[] = []
  private line = 0

  constructor(
    private readonly reader: ReferenceReader,
    private readonly emit: (reference: MappingReference) => void
  ) {}

  /**
   * One piece of a line: `first` when it starts the line (later pieces of a very long line go on
   * where the previous one stopped). Returns the spans of values a mapping reads.
   */
  feed(text: string, line: number, first: boolean): readonly HeldSpan[] {
    if (this.held.length > 0) this.held = []
    this.line = line
    // A quoted scalar begun in an earlier piece: its span here starts with this piece.
    if (this.partial) this.partial.start = 0
    if (this.inFlow()) {
      if (first && this.flowBlockIndent >= 0) {
        const indent = indentOf(text)
        const c = text.charCodeAt(indent)
        // A YAML flow collection left open: the block structure goes on, the flow is abandoned.
        if (indent < text.length && c !== 35 && indent <= this.flowBlockIndent && c !== 125 && c !== 93 && c !== 44) this.closeFlow()
      } else if (first && isLetter(text.charCodeAt(0)) && readKey(text, 0)) {
        // A plain key at the margin is no JSON: a "[" or "{" that opened a line of prose did not open a collection.
        this.closeFlow()
      }
      if (this.inFlow()) {
        this.readFlow(text, 0)
        return this.held
      }
    }
    if (first) this.readBlockLine(text)
    return this.held
  }

  /** The end of a file (or a document): every open mapping is read. */
  end(): void {
    this.closeFlow()
    this.closeBlock(-1)
  }

  private inFlow(): boolean {
    return this.flow.length > 0 || this.flowOverflow > 0
  }

  // ------------------------------------------------------------ block style

  private readBlockLine(text: string): void {
    const length = text.length
    let i = indentOf(text)
    if (i >= length || text.charCodeAt(i) === 35) return
    if (i === 0 && (text.startsWith('---') || text.startsWith('...')) && (length === 3 || isSpace(text.charCodeAt(3)))) {
      this.end()
      return
    }
    // "- - key: value": each dash opens a sequence item; the key's column is after the last one.
    let dash = -1
    while (text.charCodeAt(i) === 45 && (i + 1 === length || isSpace(text.charCodeAt(i + 1)))) {
      dash = i
      i = skipSpaces(text, i + 1)
    }
    const column = i
    // A template directive line ("{{- if .Values.x }}") is not part of the YAML structure around it.
    if (text.startsWith('{{', i)) return
    this.closeBlock(dash >= 0 ? dash : column)
    const top = this.block.at(-1)
    // Content deeper than the last key (or a sequence under it): that key's value is nested.
    if (top?.last?.kind === 'empty' && (dash >= 0 ? dash >= top.indent : column > top.indent)) top.last.kind = 'nested'
    if (i >= length || text.charCodeAt(i) === 35) return
    const c = text.charCodeAt(i)
    if ((c === 123 && text.charCodeAt(i + 1) !== 123) || c === 91) {
      this.flowBlockIndent = dash >= 0 ? dash : column - 1
      this.readFlow(text, i)
      return
    }
    const key = readKey(text, i)
    if (!key) return
    let mapping = this.block.at(-1)
    if (!mapping || mapping.indent !== column || dash >= 0) {
      if (mapping && mapping.indent >= column) return
      mapping = this.open(column)
      if (!mapping) return
    }
    let v = skipSpaces(text, key.end)
    v = skipProperties(text, v)
    const vc = text.charCodeAt(v)
    // Most pairs decide nothing: neither a key that can nor a value naming one of our images.
    if (!isDecidingKey(key.name) && !this.reader.startsWithHost(text, vc === 34 || vc === 39 ? v + 1 : v)) {
      mapping.last = undefined
      if ((vc === 123 && text.charCodeAt(v + 1) !== 123) || vc === 91) {
        this.flowBlockIndent = dash >= 0 ? Math.max(dash, column) : column
        this.readFlow(text, v)
      }
      return
    }
    const pair: Pair = { key: key.name, line: this.line, kind: 'empty' }
    mapping.last = pair
    if (v >= length || vc === 35) {
      this.record(mapping, pair)
      return
    }
    if (vc === 124 || vc === 62) {
      // A block scalar ("|", ">") is one scalar, read on the lines below: its value is not known here.
      pair.kind = 'scalar'
      pair.opaque = true
    } else if ((vc === 123 && text.charCodeAt(v + 1) !== 123) || vc === 91) {
      pair.kind = 'nested'
      this.record(mapping, pair)
      this.flowBlockIndent = dash >= 0 ? Math.max(dash, column) : column
      this.readFlow(text, v)
      return
    } else if (vc === 34 || vc === 39) {
      const quoted = readQuoted(text, v)
      this.setScalar(pair, quoted.value, v, quoted.end)
    } else if (vc === 42) {
      pair.kind = 'scalar'
      pair.opaque = true
    } else {
      const end = plainEnd(text, v, false)
      this.setScalar(pair, text.slice(v, end).trimEnd(), v, end)
    }
    this.record(mapping, pair)
  }

  /** Ends the block mappings deeper than `column`. */
  private closeBlock(column: number): void {
    for (let top = this.block.at(-1); top && top.indent > column; top = this.block.at(-1)) {
      this.block.pop()
      this.read(top)
    }
  }

  private open(indent: number): Mapping | undefined {
    if (this.block.length + this.flow.length >= MAX_OPEN) return undefined
    const mapping: Mapping = { indent, pairs: [] }
    this.block.push(mapping)
    return mapping
  }

  // ------------------------------------------------------------ flow style and JSON

  private readFlow(text: string, from: number): void {
    const length = text.length
    let i = from
    if (this.partial) i = this.resumeScalar(text, i)
    // Called where a collection opens, or in one still open; reading stops when the outermost closes.
    while (i < length) {
      const c = text.charCodeAt(i)
      if (c === 32 || c === 9 || c === 13) {
        i++
      } else if (c === 35 && (i === 0 || isSpace(text.charCodeAt(i - 1)))) {
        return
      } else if (c === 123 || c === 91) {
        this.markNested()
        if (this.flowOverflow > 0 || this.block.length + this.flow.length >= MAX_OPEN) this.flowOverflow++
        else this.flow.push(c === 123 ? { mapping: { indent: -1, pairs: [] }, expectKey: true } : { expectKey: false })
        i++
      } else if (c === 125 || c === 93) {
        this.popFlow()
        i++
        if (!this.inFlow()) return
      } else if (c === 44) {
        const top = this.flow.at(-1)
        if (top && this.flowOverflow === 0 && top.mapping) {
          top.expectKey = true
          top.key = undefined
        }
        i++
      } else if (c === 58) {
        i++
      } else if (c === 34 || c === 39) {
        this.partial = { quote: c, text: '', start: i, escape: false, long: false }
        i = this.resumeScalar(text, i + 1)
      } else {
        this.partial = { quote: 0, text: '', start: i, escape: false, long: false }
        i = this.resumeScalar(text, i)
      }
    }
    // A quoted scalar left open may go on in the next piece or line (a plain one ends with its line).
  }

  /** Reads on in the scalar being read, from `i`; returns where reading stopped. */
  private resumeScalar(text: string, i: number): number {
    const partial = this.partial!
    const length = text.length
    if (partial.quote === 0) {
      // A template where a flow value goes ("{{ .Values.tag }}") is one scalar.
      const end = text.startsWith('{{', i) ? Math.min(length, (text.indexOf('}}', i) + 1 || length - 1) + 1) : plainEnd(text, i, true)
      this.append(partial, text, i, end)
      this.finishScalar(end)
      return end
    }
    let j = i
    let runStart = i
    while (j < length) {
      const c = text.charCodeAt(j)
      if (partial.escape) {
        partial.escape = false
        if (c === 117) {
          j += 5
          runStart = j
          continue
        }
        this.append(partial, text, j, j + 1)
        runStart = j + 1
      } else if (partial.quote === 34 && c === 92) {
        this.append(partial, text, runStart, j)
        partial.escape = true
      } else if (c === partial.quote) {
        if (partial.quote === 39 && text.charCodeAt(j + 1) === 39) {
          this.append(partial, text, runStart, j + 1)
          j += 2
          runStart = j
          continue
        }
        this.append(partial, text, runStart, j)
        this.finishScalar(j + 1)
        return j + 1
      }
      j++
    }
    if (!partial.escape) this.append(partial, text, runStart, length)
    return length
  }

  private append(partial: NonNullable<MappingTracker['partial']>, text: string, from: number, to: number): void {
    if (partial.long || to <= from) return
    if (partial.text.length + (to - from) > MAX_VALUE) partial.long = true
    else partial.text += text.slice(from, to)
  }

  /** A scalar of the flow was read whole (ending at `end` in `text`): a key or a value. */
  private finishScalar(end: number): void {
    const partial = this.partial!
    this.partial = undefined
    const top = this.flow.at(-1)
    if (!top?.mapping || this.flowOverflow > 0) return
    const value = partial.quote === 0 ? partial.text.trimEnd() : partial.text
    if (top.expectKey) {
      // A key: what follows (":") makes it one; a lone scalar in a flow mapping is a key with a null value.
      top.key = partial.long ? undefined : value.slice(0, MAX_KEY)
      top.expectKey = false
      // Only a key that can decide how an image is read is kept from here on.
      const pair: Pair | undefined = top.key !== undefined && isDecidingKey(top.key) ? { key: top.key, line: this.line, kind: 'empty' } : undefined
      top.mapping.last = pair
      if (pair) this.record(top.mapping, pair)
      return
    }
    let pair = top.mapping.last
    if (!pair && top.key !== undefined && !partial.long && this.reader.startsWithHost(value, 0)) {
      // Another key's value names one of our images: it is kept, to be read with its siblings.
      pair = top.mapping.last = { key: top.key, line: this.line, kind: 'empty' }
    }
    if (!pair || top.key === undefined || pair.kind !== 'empty') return
    if (partial.long) {
      pair.kind = 'scalar'
      return
    }
    const start = Math.max(0, partial.start)
    if (partial.quote === 0 && value.startsWith('*')) {
      pair.kind = 'scalar'
      pair.opaque = true
    } else {
      this.setScalar(pair, partial.quote === 0 ? stripProperties(value) : value, start, end)
    }
    this.record(top.mapping, pair)
  }

  /** A collection opens where a value goes: the value is nested, not a scalar. */
  private markNested(): void {
    const top = this.flow.at(-1)
    if (this.flowOverflow === 0 && top?.mapping && !top.expectKey && top.mapping.last?.kind === 'empty') top.mapping.last.kind = 'nested'
  }

  private popFlow(): void {
    if (this.flowOverflow > 0) {
      this.flowOverflow--
      return
    }
    const level = this.flow.pop()
    if (level?.mapping) this.read(level.mapping)
  }

  private closeFlow(): void {
    this.partial = undefined
    this.flowOverflow = 0
    while (this.flow.length > 0) this.popFlow()
  }

  // ------------------------------------------------------------ pairs

  private setScalar(pair: Pair, value: string, start: number, end: number): void {
    pair.kind = 'scalar'
    if (value.length > MAX_VALUE) return
    pair.value = value
    if (TEMPLATE_START.test(value)) pair.opaque = true
    const bare = this.reader.bareName(value)
    if (bare !== undefined) {
      pair.bare = bare
      this.held.push({ start, end })
    }
  }

  /** Keeps the pairs that can decide how an image name is read; a mapping keeps at most MAX_PAIRS. */
  private record(mapping: Mapping, pair: Pair): void {
    if (mapping.pairs.includes(pair)) return
    if (pair.bare === undefined && !isDecidingKey(pair.key)) return
    if (mapping.pairs.length < MAX_PAIRS) {
      mapping.pairs.push(pair)
    } else if (pair.bare !== undefined) {
      // No room to wait for its siblings: the image is kept whole rather than read as :latest.
      this.emit({ line: pair.line, package: pair.bare, tags: [], unresolved: true, written: pair.value ?? '' })
    }
  }

  /** A mapping ended: its image names, read with their siblings. */
  private read(mapping: Mapping): void {
    const pairs = mapping.pairs
    if (pairs.length === 0) return
    const get = (key: string): Pair | undefined => pairs.find((p) => p.key === key)
    const name = get('name')
    if (name && pairs.some((p) => KUSTOMIZE_KEYS.has(p.key))) {
      this.readKustomize(name, get)
      return
    }
    const versionPairs = pairs.filter((p) => isVersionKey(p.key) && p.kind !== 'nested')
    const images = pairs.filter((p) => p.bare !== undefined)
    // Bitnami-style charts: `registry: ghcr.io` beside `repository: acme/web`.
    const registry = get('registry')
    if (registry?.value !== undefined && versionPairs.length > 0) {
      for (const key of ['repository', 'image']) {
        const pair = get(key)
        if (pair?.value === undefined || pair.bare !== undefined) continue
        const bare = this.reader.bareName(`${registry.value.replace(/\/+$/, '')}/${pair.value}`)
        if (bare !== undefined) images.push({ ...pair, bare, value: `${registry.value}/${pair.value}` })
      }
    }
    for (const image of images) {
      const pkg = image.bare!
      if (versionPairs.length === 0) {
        this.emit({ line: image.line, package: pkg, tags: ['latest'], written: image.value! })
        continue
      }
      const helmKey = image.key.toLowerCase()
      const tag = versionPairs.find((p) => p.key.toLowerCase() === 'tag')
      const digest = versionPairs.find((p) => p.key.toLowerCase() === 'digest')
      if ((helmKey === 'repository' || helmKey === 'image') && (tag || digest)) {
        this.emit(helmReference(pkg, image.value!, tag, digest, image.line))
      } else {
        const sibling = versionPairs[0]
        this.emit({ line: sibling.line, package: pkg, tags: [], unresolved: true, written: `${image.value} with ${sibling.key}: ${sibling.value ?? ''}` })
      }
    }
  }

  /**
   * A Kustomize `images:` entry: `newName` (else `name`) at `newTag` and at `digest`; `newName`
   * alone or a `tagSuffix` is unresolved; a target on another registry or owner is not ours.
   */
  private readKustomize(name: Pair, get: (key: string) => Pair | undefined): void {
    const newName = get('newName')
    const target = newName ?? name
    if (target.value === undefined) return
    const pkg = this.reader.bareName(target.value)
    if (pkg === undefined) return
    const newTag = get('newTag')
    const digest = get('digest')
    const suffix = get('tagSuffix')
    const line = (newTag ?? digest ?? suffix ?? target).line
    if (suffix || (!newTag && !digest)) {
      const why = suffix ? `tagSuffix: ${suffix.value ?? ''}` : 'newName alone keeps the tags the resources give'
      this.emit({ line, package: pkg, tags: [], unresolved: true, written: `${target.value} (${why})` })
      return
    }
    this.emit(helmReference(pkg, target.value, newTag, digest, target.line))
  }
}

/** A name at a tag and/or digest given by sibling scalars; unresolved when either cannot be known. */
function helmReference(pkg: string, name: string, tagPair: Pair | undefined, digestPair: Pair | undefined, nameLine: number): MappingReference {
  const line = (tagPair ?? digestPair)?.line ?? nameLine
  const tagText = tagPair?.kind === 'scalar' && !tagPair.opaque ? (tagPair.value ?? '').trim() : undefined
  const digestText = digestPair?.kind === 'scalar' && !digestPair.opaque ? (digestPair.value ?? '').trim() : undefined
  // "tag: 1.4@sha256:..." pins both, as on a command line.
  const [tagPart, pinned] = (tagText ?? '').split('@', 2) as [string, string | undefined]
  const digest = [pinned, digestText].find((d) => d !== undefined && DIGEST.test(d.toLowerCase()))?.toLowerCase()
  const tag = tagPart !== '' && TAG.test(tagPart) ? tagPart : undefined
  // An empty tag is the chart's appVersion, a template is filled at install time: unknown here.
  const tagUnknown = tagPair !== undefined && tag === undefined
  const digestUnknown = digestPair !== undefined && digest === undefined && (digestPair.opaque || (digestText !== undefined && digestText !== ''))
  const written = tagPair ? `${name}:${tagPair.value ?? ''}` : `${name}@${digestPair?.value ?? ''}`
  if ((tagUnknown && digest === undefined) || digestUnknown) return { line, package: pkg, tags: [], unresolved: true, written }
  return { line, package: pkg, tags: tag !== undefined ? [tag] : [], ...(digest !== undefined && { digest }), written }
}

function isLetter(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90)
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13
}

function indentOf(text: string): number {
  let i = 0
  while (i < text.length && isSpace(text.charCodeAt(i))) i++
  return i
}

function skipSpaces(text: string, i: number): number {
  while (i < text.length && isSpace(text.charCodeAt(i))) i++
  return i
}

/** Past YAML node properties (`&anchor`, `!tag`) before a value. */
function skipProperties(text: string, i: number): number {
  while (text.charCodeAt(i) === 38 || text.charCodeAt(i) === 33) {
    while (i < text.length && !isSpace(text.charCodeAt(i))) i++
    i = skipSpaces(text, i)
  }
  return i
}

function stripProperties(value: string): string {
  const i = skipProperties(value, 0)
  return i === 0 ? value : value.slice(i)
}

/** A block key at `i` (plain or quoted, then ":" and a space or the end of the line), or undefined. */
function readKey(text: string, i: number): { name: string; end: number } | undefined {
  const c = text.charCodeAt(i)
  if (c === 34 || c === 39) {
    const quoted = readQuoted(text, i)
    if (quoted.end - i > MAX_KEY + 2) return undefined
    const colon = skipSpaces(text, quoted.end)
    if (text.charCodeAt(colon) !== 58) return undefined
    return { name: quoted.value, end: colon + 1 }
  }
  const limit = Math.min(text.length, i + MAX_KEY)
  for (let j = i; j < limit; j++) {
    const k = text.charCodeAt(j)
    if (k === 58 && (j + 1 === text.length || isSpace(text.charCodeAt(j + 1)))) return { name: text.slice(i, j).trimEnd(), end: j + 1 }
    if (k === 35 && j > i && isSpace(text.charCodeAt(j - 1))) return undefined
  }
  return undefined
}

/** A quoted scalar on one line: its value (unescaped, JSON/YAML double quotes or YAML single quotes) and its end. */
function readQuoted(text: string, i: number): { value: string; end: number } {
  const quote = text.charCodeAt(i)
  let value = ''
  let runStart = i + 1
  let j = i + 1
  const length = text.length
  while (j < length) {
    const c = text.charCodeAt(j)
    if (quote === 34 && c === 92) {
      if (value.length <= MAX_VALUE) value += text.slice(runStart, j)
      if (text.charCodeAt(j + 1) === 117) {
        j += 6
      } else {
        if (value.length <= MAX_VALUE) value += text.charAt(j + 1)
        j += 2
      }
      runStart = j
      continue
    }
    if (c === quote) {
      if (quote === 39 && text.charCodeAt(j + 1) === 39) {
        if (value.length <= MAX_VALUE) value += text.slice(runStart, j + 1)
        j += 2
        runStart = j
        continue
      }
      if (value.length <= MAX_VALUE) value += text.slice(runStart, j)
      return { value: value.length > MAX_VALUE ? value.slice(0, MAX_VALUE + 1) : value, end: j + 1 }
    }
    j++
  }
  if (value.length <= MAX_VALUE) value += text.slice(runStart, Math.min(length, runStart + MAX_VALUE + 1))
  return { value: value.slice(0, MAX_VALUE + 1), end: length }
}

/** Where a plain scalar starting at `i` ends: a comment, the end of the line, or (in flow) `,[]{}` and ": ". */
function plainEnd(text: string, i: number, flow: boolean): number {
  const length = text.length
  for (let j = i; j < length; j++) {
    const c = text.charCodeAt(j)
    if (c === 35 && j > i && isSpace(text.charCodeAt(j - 1))) return j
    if (flow) {
      if (c === 44 || c === 91 || c === 93 || c === 123 || c === 125) return j
      if (c === 58 && (j + 1 === length || isSpace(text.charCodeAt(j + 1)) || text.charCodeAt(j + 1) === 44)) return j
    }
  }
  return length
}
