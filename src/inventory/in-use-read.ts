// Reading a matched file as text, in chunks: UTF-8 (with or without a byte-order mark) or UTF-16
// with a byte-order mark (what Windows PowerShell's `>` writes); any other file holding a NUL byte
// is binary. Lines are handed on as they complete; a very long line in pieces that overlap by
// MAX_REFERENCE_SPAN, so memory stays bounded whatever the file holds.
import { readSync } from 'node:fs'
import { StringDecoder } from 'node:string_decoder'
import { MAX_REFERENCE_SPAN } from './in-use-text.js'

const CHUNK_BYTES = 1024 * 1024
/** A line longer than this is handed on in pieces. */
export const MAX_PIECE = 256 * 1024

export type Encoding = 'utf8' | 'utf16le' | 'utf16be'

/**
 * Called with each piece of each line: `text` is read for references starting before `until` (the
 * rest of a piece that is not its line's last is read again at the start of the next piece, so a
 * reference is never cut); `first` when the piece starts its line.
 */
export type PieceHandler = (text: string, until: number, line: number, first: boolean, mentionsHost?: boolean) => void

/** Where the registry host is next written in a text at or after an offset (-1: nowhere). */
export type HostFinder = (text: string, from: number) => number

export interface TextRead {
  /** 'binary' when the file holds a NUL byte outside UTF-16. */
  encoding: Encoding | 'binary'
  bytes: number
}

/** The encoding a file's first bytes tell; 'binary' for a NUL in a file without a UTF-16 byte-order mark. */
function encodingOf(head: Buffer): { encoding: Encoding | 'binary'; skip: number } {
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf16le', skip: 2 }
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf16be', skip: 2 }
  const skip = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0
  return { encoding: head.includes(0) ? 'binary' : 'utf8', skip }
}

/** Reads `fd` (of `size` bytes) as text, giving each line's pieces to `onPiece`; stops at the first NUL of a UTF-8 file. */
export function readText(fd: number, size: number, onPiece: PieceHandler, nextHost: HostFinder): TextRead {
  const buffer = Buffer.allocUnsafe(Math.max(1, Math.min(CHUNK_BYTES, size || 1)))
  let position = 0
  let bytes = readSync(fd, buffer, 0, buffer.length, 0)
  const { encoding, skip } = encodingOf(buffer.subarray(0, bytes))
  if (encoding === 'binary') return { encoding, bytes }
  const decoder = new StringDecoder(encoding === 'utf8' ? 'utf8' : 'utf16le')
  const lines = new LineSplitter(onPiece, nextHost)
  /** UTF-16 BE: the byte left over from an odd-sized chunk, swapped with the next chunk's first. */
  let carry: number | undefined
  let total = 0
  let first = true
  while (bytes > 0) {
    total += bytes
    let chunk = buffer.subarray(first ? skip : 0, bytes)
    first = false
    if (encoding === 'utf8' && chunk.includes(0)) return { encoding: 'binary', bytes: total }
    if (encoding === 'utf16be') {
      const joined = carry === undefined ? Buffer.from(chunk) : Buffer.concat([Buffer.from([carry]), chunk])
      carry = joined.length % 2 === 1 ? joined[joined.length - 1] : undefined
      chunk = joined.subarray(0, joined.length - (joined.length % 2)).swap16()
    }
    const text = decoder.write(chunk)
    // A file read whole in its first chunk that never names the registry host names no image: its lines need no reading.
    if (position === 0 && bytes >= size && nextHost(text, 0) === -1) return { encoding, bytes: total }
    lines.push(text)
    position += bytes
    bytes = readSync(fd, buffer, 0, buffer.length, position)
  }
  lines.push(decoder.end())
  lines.end()
  return { encoding, bytes: total }
}

/** Splits decoded text into lines (and very long lines into pieces). */
class LineSplitter {
  private pending = ''
  private line = 1
  private first = true

  constructor(
    private readonly onPiece: PieceHandler,
    private readonly nextHost: HostFinder
  ) {}

  push(text: string): void {
    let from = 0
    // The host is searched once per chunk: a line that does not hold it is not searched again.
    let host = this.nextHost(text, 0)
    for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', from)) {
      // Empty lines change nothing: only counted (runs of them cost one comparison each).
      if (newline === from && this.pending === '') {
        while (text.charCodeAt(from) === 10) {
          this.line++
          from++
        }
        continue
      }
      const rest = text.slice(from, newline)
      let mentions: boolean | undefined
      if (this.pending === '') {
        if (host !== -1 && host < from) host = this.nextHost(text, from)
        mentions = host !== -1 && host < newline
      }
      const whole = this.pending === '' ? rest : this.pending + rest
      this.pending = ''
      this.onPiece(whole, whole.length, this.line, this.first, mentions)
      this.line++
      this.first = true
      from = newline + 1
    }
    if (from < text.length) this.pending += from === 0 ? text : text.slice(from)
    while (this.pending.length > MAX_PIECE) {
      const piece = this.pending
      const until = piece.length - MAX_REFERENCE_SPAN
      this.onPiece(piece, until, this.line, this.first)
      this.first = false
      this.pending = piece.slice(until)
    }
  }

  end(): void {
    if (this.pending !== '' || !this.first) this.onPiece(this.pending, this.pending.length, this.line, this.first)
    this.pending = ''
  }
}
