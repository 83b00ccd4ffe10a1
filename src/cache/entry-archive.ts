// Reading a restored cache archive without trusting it: decompressed in memory with a cap (a small
// archive that expands past the bound is discarded the moment it does), then read as a tar stream.
// Nothing is written to disk and no member name is ever used as a path, so `../`, absolute and link
// members cannot reach anything; an archive holding anything but the one entry file is discarded whole.
import { promisify } from 'node:util'
import zlib from 'node:zlib'

export type ArchiveReading = { ok: true; text: string } | { ok: false; why: string }

const gunzip = promisify(zlib.gunzip)
// zstd is in Node's zlib from Node 22.15/23.8: the action runs on Node 24, but the bundle is also
// loaded on older Node (the demo, the benchmarks), where a zstd entry is then simply discarded.
const zstdDecompress = typeof zlib.zstdDecompress === 'function' ? promisify(zlib.zstdDecompress) : undefined

const BLOCK = 512

/** The archive's tar bytes, at most `maxBytes` of them (gzip or zstd, as @actions/cache writes; or plain tar). */
async function decompressed(archive: Buffer, maxBytes: number): Promise<Buffer | string> {
  const options = { maxOutputLength: maxBytes }
  try {
    if (archive[0] === 0x1f && archive[1] === 0x8b) return await gunzip(archive, options)
    if (archive.length >= 4 && archive.readUInt32LE(0) === 0xfd2fb528) {
      if (!zstdDecompress) return `it is compressed with zstd, which this Node.js (${process.version}) cannot read`
      return await zstdDecompress(archive, options)
    }
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return `it expands to more than ${maxBytes} bytes`
    return `it is not a valid compressed archive (${(error as Error).message})`
  }
  if (archive.length > maxBytes) return `it is more than ${maxBytes} bytes`
  return archive
}

/** A tar number field: octal text, or GNU base-256 (high bit set). */
function tarNumber(field: Buffer): number {
  if ((field[0] & 0x80) !== 0) {
    let value = field[0] & 0x7f
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i]
    return value
  }
  const text = field.toString('latin1').replace(/\0.*$/s, '').trim()
  return text === '' ? 0 : /^[0-7]+$/.test(text) ? parseInt(text, 8) : NaN
}

function cString(field: Buffer): string {
  const end = field.indexOf(0)
  return field.toString('utf8', 0, end === -1 ? field.length : end)
}

/** The records of a pax extended header ("<length> <key>=<value>\n"…). */
function paxRecords(data: Buffer): Map<string, string> {
  const records = new Map<string, string>()
  let at = 0
  while (at < data.length) {
    const space = data.indexOf(0x20, at)
    const length = space === -1 ? NaN : Number(data.toString('latin1', at, space))
    if (!Number.isInteger(length) || length <= 0 || at + length > data.length) break
    const record = data.toString('utf8', space + 1, at + length - 1)
    const equals = record.indexOf('=')
    if (equals > 0) records.set(record.slice(0, equals), record.slice(equals + 1))
    at += length
  }
  return records
}

/** The kind of member a tar type flag stands for, in words (for the message that discards the archive). */
function memberKind(type: string): string {
  switch (type) {
    case '1':
      return 'a hard link'
    case '2':
      return 'a symbolic link'
    case '3':
    case '4':
      return 'a device'
    case '5':
      return 'a directory'
    case '6':
      return 'a FIFO'
    default:
      return `a member of type '${type}'`
  }
}

/**
 * The text of the one regular file named `fileName` (its last path segment) in the archive; anything
 * else — another member, a link, a size past the bound, a truncated or corrupt archive — discards it.
 */
export async function readEntryArchive(archive: Buffer, fileName: string, maxBytes: number): Promise<ArchiveReading> {
  if (archive.length < 4) return { ok: false, why: 'it is empty' }
  const tar = await decompressed(archive, maxBytes)
  if (typeof tar === 'string') return { ok: false, why: tar }
  let found: string | undefined
  let pax = new Map<string, string>()
  let longName: string | undefined
  for (let at = 0; ; ) {
    if (at + BLOCK > tar.length) return { ok: false, why: 'it is truncated (no end-of-archive marker)' }
    const header = tar.subarray(at, at + BLOCK)
    if (header.every((byte) => byte === 0)) break
    const checksum = tarNumber(header.subarray(148, 156))
    let sum = 0
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]
    if (checksum !== sum) return { ok: false, why: 'it is not a valid tar archive (a header checksum does not match)' }
    const type = String.fromCharCode(header[156] || 0x30)
    const size = Number(pax.get('size') ?? tarNumber(header.subarray(124, 136)))
    if (!Number.isSafeInteger(size) || size < 0) return { ok: false, why: 'it is not a valid tar archive (a member size is unreadable)' }
    const dataStart = at + BLOCK
    const dataEnd = dataStart + size
    if (dataEnd > tar.length) return { ok: false, why: 'it is truncated (a member is cut short)' }
    const data = tar.subarray(dataStart, dataEnd)
    at = dataStart + Math.ceil(size / BLOCK) * BLOCK
    // Headers that describe the next member (pax, GNU long name) or the whole archive (pax global).
    if (type === 'x') {
      pax = paxRecords(data)
      continue
    }
    if (type === 'g') continue
    if (type === 'L') {
      longName = cString(data)
      continue
    }
    const prefix = header[345] !== 0 && header.subarray(257, 263).toString('latin1').startsWith('ustar') ? `${cString(header.subarray(345, 500))}/` : ''
    const name = pax.get('path') ?? longName ?? `${prefix}${cString(header.subarray(0, 100))}`
    pax = new Map()
    longName = undefined
    if (type !== '0' && type !== '7') return { ok: false, why: `it holds ${memberKind(type)} (${JSON.stringify(name)})` }
    if (name.split(/[\\/]/).at(-1) !== fileName || found !== undefined) {
      return { ok: false, why: `it holds a file this action never saves (${JSON.stringify(name)})` }
    }
    found = data.toString('utf8')
  }
  return found === undefined ? { ok: false, why: `it holds no ${fileName}` } : { ok: true, text: found }
}
