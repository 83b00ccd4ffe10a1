import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { manifestCacheKeyPrefix, ManifestCacheRun, presentManifests, type CacheService } from '../../src/cache/actions-cache.js'
import { CacheServiceError, EntryTooLargeError } from '../../src/cache/cache-service.js'
import { CachingReader, ManifestCache, MAX_CACHED_MANIFEST_BYTES } from '../../src/cache/manifest-cache.js'
import type { PackageInventory } from '../../src/model.js'
import type { FetchedManifest, ManifestReader } from '../../src/registry/manifests.js'
import { tarArchive } from '../fake/cache-archives.js'

const REPO = 'acme/web'

function manifestBytes(label: string, extra: Record<string, unknown> = {}): Buffer {
  return Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', annotations: { label }, ...extra }))
}

const digestOf = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`

/** A registry in memory that counts what it serves. */
class CountingRegistry implements ManifestReader {
  readonly served: string[] = []
  private readonly byReference = new Map<string, Buffer>()
  add(bytes: Buffer, tag?: string): string {
    const digest = digestOf(bytes)
    this.byReference.set(digest, bytes)
    if (tag) this.byReference.set(tag, bytes)
    return digest
  }
  async getManifest(_repository: string, reference: string): Promise<FetchedManifest> {
    const bytes = this.byReference.get(reference)
    if (!bytes) throw new Error(`no manifest ${reference}`)
    this.served.push(reference)
    const body = JSON.parse(bytes.toString('utf8')) as { mediaType?: string }
    return { mediaType: body.mediaType ?? 'application/octet-stream', digest: digestOf(bytes), body, bytes }
  }
}

describe('CachingReader', () => {
  test('a digest read once is served from the cache after; the answer is the same', async () => {
    const registry = new CountingRegistry()
    const digest = registry.add(manifestBytes('a'))
    const cache = new ManifestCache()
    const reader = new CachingReader(registry, cache)
    const first = await reader.getManifest(REPO, digest)
    const second = await reader.getManifest(REPO, digest)
    expect(registry.served).toEqual([digest])
    expect(second).toEqual(first)
    expect(cache.stats).toEqual({ restored: 0, served: 1, rejected: 0, remembered: 1 })
  })

  test('tags are always read from the registry (a tag can move), and the cache is per repository', async () => {
    const registry = new CountingRegistry()
    const digest = registry.add(manifestBytes('a'), 'latest')
    const reader = new CachingReader(registry, new ManifestCache())
    await reader.getManifest(REPO, 'latest')
    await reader.getManifest(REPO, 'latest')
    await reader.getManifest(REPO, digest)
    await reader.getManifest('acme/other', digest)
    expect(registry.served).toEqual(['latest', 'latest', digest, digest])
  })

  test('a restored body that does not hash to its digest is dropped and read from the registry', async () => {
    const registry = new CountingRegistry()
    const genuine = manifestBytes('a')
    const digest = registry.add(genuine)
    const tampered = genuine.toString('utf8').replace('"a"', '"b"')
    const cache = new ManifestCache()
    cache.load(JSON.stringify({ format: 'package-retention-manifest-cache', formatVersion: 1, manifests: [{ repository: REPO, digest, body: tampered }] }))
    const reader = new CachingReader(registry, cache)
    const fetched = await reader.getManifest(REPO, digest)
    expect(fetched.bytes).toEqual(genuine)
    expect(registry.served).toEqual([digest])
    expect(cache.stats).toMatchObject({ restored: 1, rejected: 1, remembered: 1, served: 0 })
    // The genuine body replaced it.
    await reader.getManifest(REPO, digest)
    expect(registry.served).toEqual([digest])
  })

  test('bodies over the manifest size limit, or without a declared media type, are never kept', async () => {
    const registry = new CountingRegistry()
    const large = registry.add(manifestBytes('big', { padding: 'x'.repeat(MAX_CACHED_MANIFEST_BYTES) }))
    const undeclared = registry.add(Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [] })))
    const reader = new CachingReader(registry, new ManifestCache())
    for (const digest of [large, undeclared, large, undeclared]) await reader.getManifest(REPO, digest)
    expect(registry.served).toEqual([large, undeclared, large, undeclared])
  })

  test('reads wait for the restore, so a restored body is used even by reads started before it arrived', async () => {
    const registry = new CountingRegistry()
    const bytes = manifestBytes('a')
    const digest = registry.add(bytes)
    const cache = new ManifestCache()
    let restored!: () => void
    const ready = new Promise<void>(resolve => (restored = resolve))
    const reading = new CachingReader(registry, cache, ready).getManifest(REPO, digest)
    cache.load(JSON.stringify({ format: 'package-retention-manifest-cache', formatVersion: 1, manifests: [{ repository: REPO, digest, body: bytes.toString('utf8') }] }))
    restored()
    await reading
    expect(registry.served).toEqual([])
  })
})

describe('ManifestCache.serialize', () => {
  test('keeps only what is still present, newest first within the limits, and knows when nothing changed', async () => {
    const registry = new CountingRegistry()
    const digests = ['a', 'b', 'c'].map(label => registry.add(manifestBytes(label)))
    const read = async (cache: ManifestCache): Promise<void> => {
      const reader = new CachingReader(registry, cache)
      for (const digest of digests) await reader.getManifest(REPO, digest)
    }
    const unbounded = new ManifestCache()
    await read(unbounded)
    const twoBytes = unbounded.serialize([{ repository: REPO, digests: [digests[1], digests[0]] }]).bytes
    // The bound is on the entry file as written (escapes and all): room for two manifests, not three.
    const cache = new ManifestCache({ maxBytes: twoBytes + 30, maxManifests: 10 })
    await read(cache)

    // c is gone; b is newest: b, then a.
    const entry = cache.serialize([{ repository: REPO, digests: [digests[1], digests[0]] }])
    expect(JSON.parse(entry.text).manifests.map((m: { digest: string }) => m.digest)).toEqual([digests[1], digests[0]])
    expect(entry).toMatchObject({ manifests: 2, bytes: Buffer.byteLength(entry.text), unchanged: false })
    expect(entry.bytes).toBeLessThanOrEqual(twoBytes + 30)
    // The byte limit: only the newest two of three present fit when one more would pass it.
    expect(cache.serialize([{ repository: REPO, digests: [digests[2], digests[1], digests[0]] }]).manifests).toBe(2)
    expect(new ManifestCache({ maxBytes: 10_000, maxManifests: 1 }).serialize([]).manifests).toBe(0)

    const next = new ManifestCache()
    next.load(entry.text)
    expect(next.serialize([{ repository: REPO, digests: [digests[1], digests[0]] }]).unchanged).toBe(true)

    // A restored body that was never asked for is still checked before it is saved again.
    const tampered = new ManifestCache()
    tampered.load(entry.text.replace('\\"a\\"', '\\"x\\"'))
    const resaved = tampered.serialize([{ repository: REPO, digests: [digests[1], digests[0]] }])
    expect(JSON.parse(resaved.text).manifests.map((m: { digest: string }) => m.digest)).toEqual([digests[1]])
    expect(resaved.unchanged).toBe(false)
  })

  test('presentManifests lists container versions newest first and leaves out the deleted ones', () => {
    const version = (id: number, createdAt: string) => ({ id, name: `sha256:${String(id).repeat(64).slice(0, 64)}`, tags: [], createdAt, updatedAt: createdAt })
    const pkg = {
      package: { owner: 'Acme', name: 'Web', type: 'container' },
      versions: [version(1, '2026-01-01T00:00:00Z'), version(2, '2026-03-01T00:00:00Z'), version(3, '2026-02-01T00:00:00Z')],
      references: [],
      unreadable: []
    } as unknown as PackageInventory
    const npm = { ...pkg, package: { owner: 'acme', name: 'lib', type: 'npm' } } as unknown as PackageInventory
    expect(presentManifests([pkg, npm], (_p, id) => id === 3)).toEqual([{ repository: 'acme/web', digests: [pkg.versions[1].name, pkg.versions[0].name] }])
  })
})

describe('ManifestCacheRun', () => {
  const ENTRY_FILE = 'package-retention-manifest-cache.json'

  /** An entry as @actions/cache packs it: the entry file, named relative to GITHUB_WORKSPACE. */
  function entryArchive(manifests: { repository: string; digest: string; body: string }[]): Buffer {
    return gzipSync(tarArchive([{ name: `../temp/${ENTRY_FILE}`, body: JSON.stringify({ format: 'package-retention-manifest-cache', formatVersion: 1, manifests }) }]))
  }

  function service(overrides: Partial<CacheService> = {}, archive?: Buffer): CacheService & { calls: string[] } {
    const calls: string[] = []
    return {
      calls,
      isAvailable: () => true,
      lookUp: async (_paths, key, restoreKeys) => {
        calls.push(`lookUp ${key} ${restoreKeys.join(' ')}`)
        return archive ? { key: `${restoreKeys[0]}6-1`, downloadUrl: 'https://blob.example/entry' } : undefined
      },
      download: async () => {
        calls.push('download')
        return archive ?? Buffer.alloc(0)
      },
      save: async (_paths, key) => {
        calls.push(`save ${key}`)
        return 1
      },
      ...overrides
    }
  }

  function start(svc: CacheService, extra: Partial<Parameters<typeof ManifestCacheRun.start>[0]> = {}) {
    const log = { info: [] as string[], warning: [] as string[] }
    const run = ManifestCacheRun.start({
      enabled: true,
      owner: 'Acme',
      registryUrl: 'https://ghcr.io',
      runId: '7',
      runAttempt: '2',
      directory: mkdtempSync(join(tmpdir(), 'manifest-cache-run-')),
      log: { info: line => log.info.push(line), warning: line => log.warning.push(line) },
      service: svc,
      ...extra
    })
    return { run, log }
  }

  async function readSomething(run: ManifestCacheRun, label = 'a', repository = REPO): Promise<string> {
    const registry = new CountingRegistry()
    const digest = registry.add(manifestBytes(label))
    await run.wrap(registry).getManifest(repository, digest)
    return digest
  }

  test('one key per owner, registry and run, restored by the prefix without the run; saves what it read', async () => {
    const svc = service()
    const { run, log } = start(svc)
    await run.ready
    const digest = await readSomething(run)
    await run.save([{ repository: REPO, digests: [digest] }])
    expect(svc.calls).toEqual([
      'lookUp package-retention-manifests-v2-acme@ghcr.io-7-2 package-retention-manifests-v2-acme@ghcr.io-',
      'save package-retention-manifests-v2-acme@ghcr.io-7-2'
    ])
    expect(log.warning).toEqual([])
    expect(run.problem).toBeUndefined()
    expect(log.info.at(-1)).toMatch(/saved 1 manifest\(s\)/)
  })

  test('the key does not depend on the policy, nor on the registry\'s port', () => {
    expect(manifestCacheKeyPrefix('Acme', 'http://127.0.0.1:4321')).toBe(manifestCacheKeyPrefix('acme', 'http://127.0.0.1:1234'))
    expect(manifestCacheKeyPrefix('acme', 'https://ghcr.io')).not.toBe(manifestCacheKeyPrefix('acme', 'https://registry.example'))
  })

  test('a restored entry is read from the downloaded archive, in memory', async () => {
    const bytes = manifestBytes('a')
    const digest = digestOf(bytes)
    const svc = service({}, entryArchive([{ repository: REPO, digest, body: bytes.toString('utf8') }]))
    const { run, log } = start(svc)
    await run.ready
    const registry = new CountingRegistry()
    registry.add(bytes)
    await run.wrap(registry).getManifest(REPO, digest)
    expect(registry.served).toEqual([])
    expect(run.served).toBe(1)
    expect(log.info.join('\n')).toContain('1 manifest(s) restored from package-retention-manifests-v2-acme@ghcr.io-6-1')
  })

  test('a save merges what was restored with what was read: other repositories kept, gone digests dropped', async () => {
    const [kept, gone, other] = ['kept', 'gone', 'other'].map(label => manifestBytes(label))
    const svc = service({}, entryArchive([
      { repository: REPO, digest: digestOf(kept), body: kept.toString('utf8') },
      { repository: REPO, digest: digestOf(gone), body: gone.toString('utf8') },
      { repository: 'acme/api', digest: digestOf(other), body: other.toString('utf8') }
    ]))
    let saved: string | undefined
    const directory = mkdtempSync(join(tmpdir(), 'manifest-cache-run-'))
    svc.save = async paths => {
      saved = readFileSync(paths[0], 'utf8')
      return 1
    }
    const { run } = start(svc, { directory })
    await run.ready
    const fresh = await readSomething(run, 'fresh')
    // This run listed acme/web only: `gone` is no longer there; acme/api it did not list.
    await run.save([{ repository: REPO, digests: [fresh, digestOf(kept)] }])
    const entry = JSON.parse(saved!) as { manifests: { repository: string; digest: string }[] }
    expect(entry.manifests.map(m => `${m.repository} ${m.digest}`)).toEqual([`${REPO} ${fresh}`, `${REPO} ${digestOf(kept)}`, `acme/api ${digestOf(other)}`])
  })

  test('off, or no service: nothing is asked of the service, and it is said once', async () => {
    const svc = service()
    const off = start(svc, { enabled: false })
    const unavailable = start({ ...svc, isAvailable: () => false })
    for (const { run, log } of [off, unavailable]) {
      await run.ready
      await run.save([{ repository: REPO, digests: [await readSomething(run)] }])
      expect(log.info).toHaveLength(1)
      expect(log.warning).toEqual([])
      expect(run.active).toBe(false)
      expect(run.problem).toBeUndefined()
    }
    expect(svc.calls).toEqual([])
  })

  test.each([
    ['the lookup', { lookUp: (_p: string[], _k: string, _r: string[], signal: AbortSignal) => hangUntil(signal) }, /the Actions cache service did not answer within 0\.05 s \(looking up the entry\)/],
    ['the download', { download: (_u: string, _m: number, signal: AbortSignal) => hangUntil(signal) }, /downloading the entry package-retention-manifests-v2-acme@ghcr\.io-6-1 from the Actions cache did not finish within 0\.05 s/]
  ])('a restore stuck in %s is stopped at its limit (its request aborted): the message names the step', async (_label, overrides, message) => {
    const aborted: string[] = []
    const svc = service(overrides as Partial<CacheService>, entryArchive([]))
    const { run, log } = start(svc, { restoreTimeoutMs: 50 })
    hangUntil.onAbort = () => aborted.push('aborted')
    await run.ready
    const digest = await readSomething(run)
    await run.save([{ repository: REPO, digests: [digest] }])
    expect(log.warning).toEqual([expect.stringMatching(message)])
    expect(log.warning[0]).not.toMatch(/reading/)
    expect(aborted).toEqual(['aborted'])
    expect(run.problem).toMatch(message)
    expect(svc.calls.filter(call => call.startsWith('save'))).toEqual([])
  })

  test('a failing lookup or download is one warning and a problem; no save', async () => {
    const { run, log } = start(service({ lookUp: async () => Promise.reject(new CacheServiceError('the cache service answered 500 to the lookup')) }))
    await run.ready
    expect(log.warning).toEqual([expect.stringContaining('looking up the entry failed: the cache service answered 500 to the lookup')])
    expect(run.problem).toContain('answered 500')
    expect(run.active).toBe(false)
  })

  test('a bad entry is discarded: a problem, reads go to the registry, and a good entry is saved in its place', async () => {
    const poisoned = gzipSync(tarArchive([{ name: `../temp/${ENTRY_FILE}`, body: '{}' }, { name: '../../outside', body: 'x' }]))
    const svc = service({}, poisoned)
    const { run, log } = start(svc)
    await run.ready
    const digest = await readSomething(run)
    await run.save([{ repository: REPO, digests: [digest] }])
    expect(log.warning).toEqual([expect.stringContaining('the entry package-retention-manifests-v2-acme@ghcr.io-6-1 was discarded unread: it holds a file this action never saves ("../../outside")')])
    expect(run.problem).toContain('discarded')
    expect(svc.calls.at(-1)).toBe('save package-retention-manifests-v2-acme@ghcr.io-7-2')
  })

  test('an archive past the bound is discarded as it downloads', async () => {
    const svc = service({ download: async (_url, maxBytes) => Promise.reject(new EntryTooLargeError(`the archive is more than the ${maxBytes} bytes an entry may be`)) }, entryArchive([]))
    const { run, log } = start(svc, { limits: { maxBytes: 1024, maxManifests: 10 } })
    await run.ready
    expect(log.warning).toEqual([expect.stringContaining(`discarded unread: the archive is more than the ${1024 + 1024 * 1024} bytes`)])
    expect(run.active).toBe(true)
  })

  test('a save that fails, is refused (-1) or does not settle never throws; failing and hanging are problems', async () => {
    for (const [save, problem] of [
      [async () => -1, false],
      [async () => Promise.reject(new Error('boom')), true],
      [() => new Promise<number>(() => {}), true]
    ] as const) {
      const { run, log } = start(service({ save }), { saveTimeoutMs: 50 })
      await run.ready
      await expect(run.save([{ repository: REPO, digests: [await readSomething(run)] }])).resolves.toBeUndefined()
      expect(log.warning.length + log.info.length).toBeGreaterThan(0)
      expect(run.problem !== undefined).toBe(problem)
    }
  })

  test('the entry file left by an earlier job is not saved again', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'manifest-cache-run-'))
    const file = join(directory, ENTRY_FILE)
    writeFileSync(file, 'left over')
    let saved: string | undefined
    const { run } = start(service({ save: async paths => ((saved = readFileSync(paths[0], 'utf8')), 1) }), { directory })
    await run.ready
    await run.save([{ repository: REPO, digests: [await readSomething(run)] }])
    expect(saved).toMatch(/^\{"format":"package-retention-manifest-cache"/)
  })
})

/** A promise that settles only when `signal` aborts (as a request aborted by it). */
function hangUntil(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) =>
    signal.addEventListener('abort', () => {
      hangUntil.onAbort()
      reject(signal.reason as Error)
    })
  )
}
hangUntil.onAbort = (): void => undefined
