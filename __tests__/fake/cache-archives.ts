// Tar archives for the cache tests, built byte by byte (ustar headers), so a test can make the
// poisoned entries a hostile cache would hold: `../` and absolute members, links, bombs, cut archives.
import { spawnSync } from 'node:child_process'
import { gunzipSync, gzipSync, zstdCompressSync } from 'node:zlib'

export interface TarMember {
  name: string
  body?: Buffer | string
  /** '0' file (default), '1' hard link, '2' symbolic link, '5' directory. */
  type?: '0' | '1' | '2' | '5'
  linkName?: string
  /** The size the header declares, when it is not the body's (a bomb declares gigabytes). */
  declaredSize?: number
}

export function tarHeader({ name, body, type = '0', linkName = '', declaredSize }: TarMember): Buffer {
  const header = Buffer.alloc(512)
  const size = declaredSize ?? (body === undefined ? 0 : Buffer.byteLength(body))
  header.write(name, 0, 100, 'utf8')
  header.write('0000644\0', 100)
  header.write('0001750\0', 108)
  header.write('0001750\0', 116)
  header.write(`${size.toString(8).padStart(11, '0')}\0`, 124)
  header.write('00000000000\0', 136)
  header.write('        ', 148)
  header.write(type, 156)
  header.write(linkName, 157, 100, 'utf8')
  header.write('ustar\0', 257)
  header.write('00', 263)
  let sum = 0
  for (const byte of header) sum += byte
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148)
  return header
}

function padded(body: Buffer): Buffer {
  const rest = body.length % 512
  return rest === 0 ? body : Buffer.concat([body, Buffer.alloc(512 - rest)])
}

/** The members' headers and bodies, without the end-of-archive marker. */
export function tarMembers(members: readonly TarMember[]): Buffer {
  return Buffer.concat(members.flatMap((member) => [tarHeader(member), padded(Buffer.from(member.body ?? ''))]))
}

/** A whole archive: members, then the two zero blocks that end it. */
export function tarArchive(members: readonly TarMember[]): Buffer {
  return Buffer.concat([tarMembers(members), Buffer.alloc(1024)])
}

/** Where the members of a tar end (its end-of-archive marker), walking the headers. */
export function tarEnd(tar: Buffer): number {
  let at = 0
  while (at + 512 <= tar.length && !tar.subarray(at, at + 512).every((byte) => byte === 0)) {
    const size = parseInt(tar.subarray(at + 124, at + 136).toString('latin1').replace(/\0.*$/s, '').trim() || '0', 8)
    at += 512 + Math.ceil(size / 512) * 512
  }
  return at
}

/** The first regular file member's name (as @actions/cache wrote it: relative to GITHUB_WORKSPACE). */
export function firstFileName(tar: Buffer): string {
  let at = 0
  let paxPath: string | undefined
  while (at + 512 <= tar.length) {
    const header = tar.subarray(at, at + 512)
    const size = parseInt(header.subarray(124, 136).toString('latin1').replace(/\0.*$/s, '').trim() || '0', 8)
    const type = String.fromCharCode(header[156] || 0x30)
    const data = tar.subarray(at + 512, at + 512 + size)
    if (type === 'x') paxPath = /\d+ path=([^\n]*)\n/.exec(data.toString('utf8'))?.[1]
    else if (type === '0') return paxPath ?? header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '')
    at += 512 + Math.ceil(size / 512) * 512
  }
  throw new Error('no file member in the archive')
}

export type Compression = 'gzip' | 'zstd'

/** The archive's tar bytes and a way to compress tar bytes the same way (zstd via the binary, as the toolkit). */
export function unpackArchive(archive: Buffer): { tar: Buffer; compression: Compression; pack: (tar: Buffer) => Buffer } {
  if (archive[0] === 0x1f && archive[1] === 0x8b) return { tar: gunzipSync(archive), compression: 'gzip', pack: (tar) => gzipSync(tar) }
  const zstd = (args: string[], input: Buffer): Buffer => {
    const result = spawnSync('zstd', args, { input, maxBuffer: 256 * 1024 * 1024 })
    if (result.status !== 0) throw new Error(`zstd ${args.join(' ')} failed: ${result.stderr.toString()}`)
    return result.stdout
  }
  return { tar: zstd(['-d', '-c'], archive), compression: 'zstd', pack: (tar) => zstdCompressSync(tar) }
}

/** `archive` (as saved) with `members` added after its own, compressed the same way. */
export function withMembers(archive: Buffer, members: readonly TarMember[]): Buffer {
  const { tar, pack } = unpackArchive(archive)
  return pack(Buffer.concat([tar.subarray(0, tarEnd(tar)), tarMembers(members), Buffer.alloc(1024)]))
}

/**
 * A small archive that expands to `gibibytes` GiB: one member (`name`) declaring that size, its zeros
 * compressed as 64 MiB frames (zstd: about 2 KB each, so 3 GiB is about 99 KB) or gzip members.
 */
export function bombArchive(name: string, gibibytes: number, compression: Compression): Buffer {
  const chunk = Buffer.alloc(64 * 1024 * 1024)
  const frames = Math.ceil((gibibytes * 1024) / 64)
  const compress = compression === 'zstd' ? zstdCompressSync : gzipSync
  // The header in the first frame with the first zeros: a reader that stops after a frame still sees 64 MiB.
  const first = compress(Buffer.concat([tarHeader({ name, declaredSize: frames * chunk.length - 512 }), chunk.subarray(512)]))
  const zeros = compress(chunk)
  return Buffer.concat([first, ...Array.from({ length: frames - 1 }, () => zeros)])
}
