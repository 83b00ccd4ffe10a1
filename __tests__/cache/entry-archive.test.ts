import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync, zstdCompressSync } from 'node:zlib'
import { readEntryArchive } from '../../src/cache/entry-archive.js'
import { bombArchive, tarArchive, tarHeader, tarMembers, type Compression } from '../fake/cache-archives.js'

const FILE = 'package-retention-manifest-cache.json'
const NAME = `../runner-temp/${FILE}`
const ENTRY = JSON.stringify({ format: 'package-retention-manifest-cache', formatVersion: 1, manifests: [] })
const BOUND = 33 * 1024 * 1024
const compress: Record<Compression, (tar: Buffer) => Buffer> = { gzip: tar => gzipSync(tar), zstd: tar => zstdCompressSync(tar) }

describe.each(['gzip', 'zstd'] as const)('readEntryArchive (%s)', compression => {
  const pack = compress[compression]

  test('reads the one entry file, whatever folder the toolkit named it under', async () => {
    expect(await readEntryArchive(pack(tarArchive([{ name: NAME, body: ENTRY }])), FILE, BOUND)).toEqual({ ok: true, text: ENTRY })
  })

  test.each([
    ['a ../ member', [{ name: NAME, body: ENTRY }, { name: '../outside.txt', body: 'x' }], /a file this action never saves \("\.\.\/outside\.txt"\)/],
    ['an absolute member', [{ name: NAME, body: ENTRY }, { name: '/tmp/outside.txt', body: 'x' }], /never saves \("\/tmp\/outside\.txt"\)/],
    ['a symbolic link', [{ name: 'escape', type: '2' as const, linkName: '/tmp' }, { name: NAME, body: ENTRY }], /a symbolic link \("escape"\)/],
    ['a symbolic link named as the entry', [{ name: NAME, type: '2' as const, linkName: '/etc/passwd' }], /a symbolic link/],
    ['a hard link', [{ name: NAME, type: '1' as const, linkName: '/etc/passwd' }], /a hard link/],
    ['a directory', [{ name: 'dir/', type: '5' as const }, { name: NAME, body: ENTRY }], /a directory/],
    ['two entry files', [{ name: NAME, body: ENTRY }, { name: FILE, body: ENTRY }], /never saves/],
    ['no entry file', [{ name: 'other.json', body: ENTRY }], /never saves/]
  ])('an archive with %s is discarded whole', async (_label, members, why) => {
    const reading = await readEntryArchive(pack(tarArchive(members)), FILE, BOUND)
    expect(reading).toEqual({ ok: false, why: expect.stringMatching(why) })
  })

  test('a small archive that expands to 3 GiB is discarded at the bound, in bounded memory and time', async () => {
    const bomb = bombArchive(NAME, 3, compression)
    if (compression === 'zstd') expect(bomb.length).toBeLessThan(100 * 1024)
    const before = process.memoryUsage().rss
    const started = Date.now()
    const reading = await readEntryArchive(bomb, FILE, BOUND)
    expect(reading).toEqual({ ok: false, why: `it expands to more than ${BOUND} bytes` })
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * 1024 * 1024)
    expect(Date.now() - started).toBeLessThan(5_000)
  })

  test('an entry file larger than the bound is discarded', async () => {
    const big = pack(tarArchive([{ name: NAME, body: 'x'.repeat(2048) }]))
    expect(await readEntryArchive(big, FILE, 1024)).toEqual({ ok: false, why: 'it expands to more than 1024 bytes' })
  })

  test('truncated or corrupt archives are discarded', async () => {
    const whole = tarArchive([{ name: NAME, body: ENTRY.repeat(10) }])
    const packed = pack(whole)
    expect(await readEntryArchive(packed.subarray(0, packed.length >> 1), FILE, BOUND)).toMatchObject({ ok: false, why: expect.stringMatching(/not a valid compressed archive/) })
    // A well-compressed tar that stops inside a member, or before its end marker.
    expect(await readEntryArchive(pack(whole.subarray(0, 700)), FILE, BOUND)).toEqual({ ok: false, why: 'it is truncated (a member is cut short)' })
    expect(await readEntryArchive(pack(tarMembers([{ name: NAME, body: ENTRY }])), FILE, BOUND)).toEqual({ ok: false, why: 'it is truncated (no end-of-archive marker)' })
    const badSum = Buffer.from(whole)
    badSum[10] ^= 0xff
    expect(await readEntryArchive(pack(badSum), FILE, BOUND)).toMatchObject({ ok: false, why: expect.stringMatching(/checksum/) })
    expect(await readEntryArchive(Buffer.from('not an archive at all'), FILE, BOUND)).toMatchObject({ ok: false })
  })
})

test('a header declaring more than the archive holds (3 GiB) is discarded without reading on', async () => {
  const reading = await readEntryArchive(tarArchive([{ name: NAME, declaredSize: 3 * 1024 ** 3 }]), FILE, BOUND)
  expect(reading).toEqual({ ok: false, why: 'it is truncated (a member is cut short)' })
  expect(tarHeader({ name: NAME, declaredSize: 3 * 1024 ** 3 }).length).toBe(512)
})

test('reads what GNU tar --posix writes (as @actions/cache packs it), pax headers and all', async () => {
  const root = mkdtempSync(join(tmpdir(), 'entry-archive-'))
  mkdirSync(join(root, 'workspace'))
  mkdirSync(join(root, 'runner-temp'))
  writeFileSync(join(root, 'runner-temp', FILE), ENTRY)
  writeFileSync(join(root, 'workspace', 'manifest.txt'), NAME)
  const archive = join(root, 'cache.tgz')
  const tar = spawnSync('tar', ['--posix', '-czf', archive, '-P', '-C', join(root, 'workspace'), '--files-from', join(root, 'workspace', 'manifest.txt')])
  expect(tar.status).toBe(0)
  expect(await readEntryArchive(readFileSync(archive), FILE, BOUND)).toEqual({ ok: true, text: ENTRY })
  // Reading wrote nothing anywhere: the entry file is still only where it was packed from.
  expect(existsSync(join(root, 'workspace', FILE))).toBe(false)
})
