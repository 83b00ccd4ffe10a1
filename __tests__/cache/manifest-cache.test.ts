import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ManifestCacheRun, presentManifests, type CacheService } from '../../src/cache/actions-cache.js'
import { CachingReader, ManifestCache, MAX_CACHED_MANIFEST_BYTES } from '../../src/cache/manifest-cache.js'
import type { PackageInventory } from '../../src/model.js'
import type { FetchedManifest, ManifestReader } from '../../src/registry/manifests.js'

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
    const size = manifestBytes('a').length
    const cache = new ManifestCache({ maxBytes: 2 * size, maxManifests: 10 })
    const reader = new CachingReader(registry, cache)
    for (const digest of digests) await reader.getManifest(REPO, digest)

    // c is gone; b is newest: b, then a.
    const entry = cache.serialize([{ repository: REPO, digests: [digests[1], digests[0]] }])
    expect(JSON.parse(entry.text).manifests.map((m: { digest: string }) => m.digest)).toEqual([digests[1], digests[0]])
    expect(entry).toMatchObject({ manifests: 2, bytes: 2 * size, unchanged: false })
    // The byte limit: only the newest of three present fits when one more would pass it.
    expect(cache.serialize([{ repository: REPO, digests: [digests[2], digests[1], digests[0]] }]).manifests).toBe(2)

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
  function service(overrides: Partial<CacheService> = {}): CacheService & { calls: string[] } {
    const calls: string[] = []
    return {
      calls,
      isAvailable: async () => true,
      restore: async (_paths, key) => {
        calls.push(`restore ${key}`)
        return undefined
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
      scope: 'container:web',
      runId: '7',
      runAttempt: '2',
      directory: mkdtempSync(join(tmpdir(), 'manifest-cache-run-')),
      log: { info: line => log.info.push(line), warning: line => log.warning.push(line) },
      service: svc,
      ...extra
    })
    return { run, log }
  }

  async function readSomething(run: ManifestCacheRun): Promise<string> {
    const registry = new CountingRegistry()
    const digest = registry.add(manifestBytes('a'))
    await run.wrap(registry).getManifest(REPO, digest)
    return digest
  }

  test('one key per run, restored by the prefix without the run; saves what it read', async () => {
    const svc = service()
    const { run, log } = start(svc)
    await run.ready
    const digest = await readSomething(run)
    await run.save([{ repository: REPO, digests: [digest] }])
    expect(svc.calls).toEqual([expect.stringMatching(/^restore package-retention-manifests-v1-acme-[0-9a-f]{16}-7-2$/), expect.stringMatching(/^save .*-7-2$/)])
    expect(log.warning).toEqual([])
    expect(log.info.at(-1)).toMatch(/saved 1 manifest\(s\)/)
  })

  test('a restored entry is read from the file the service extracted', async () => {
    const bytes = manifestBytes('a')
    const digest = digestOf(bytes)
    const svc = service({
      restore: async (paths, key) => {
        writeFileSync(paths[0], JSON.stringify({ format: 'package-retention-manifest-cache', formatVersion: 1, manifests: [{ repository: REPO, digest, body: bytes.toString('utf8') }] }))
        return `${key.replace(/-7-2$/, '')}-6-1`
      }
    })
    const { run, log } = start(svc)
    await run.ready
    const registry = new CountingRegistry()
    registry.add(bytes)
    await run.wrap(registry).getManifest(REPO, digest)
    expect(registry.served).toEqual([])
    expect(run.served).toBe(1)
    expect(log.info.join('\n')).toContain('1 manifest(s) restored from package-retention-manifests-v1-acme-')
  })

  test('off, or no service: nothing is asked of the service, and it is said once', async () => {
    const svc = service()
    const off = start(svc, { enabled: false })
    const unavailable = start({ ...svc, isAvailable: async () => false })
    for (const { run, log } of [off, unavailable]) {
      await run.ready
      await run.save([{ repository: REPO, digests: [await readSomething(run)] }])
      expect(log.info).toHaveLength(1)
      expect(log.warning).toEqual([])
      expect(run.active).toBe(false)
    }
    expect(svc.calls).toEqual([])
  })

  test('a restore that does not settle in time is given up: one warning, no save, reads go to the registry', async () => {
    const svc = service({ restore: () => new Promise(() => {}) })
    const { run, log } = start(svc, { restoreTimeoutMs: 50 })
    await run.ready
    const digest = await readSomething(run)
    await run.save([{ repository: REPO, digests: [digest] }])
    expect(log.warning).toEqual([expect.stringContaining('did not answer within 0.05 s')])
    expect(svc.calls.filter(call => call.startsWith('save'))).toEqual([])
  })

  test('a save that fails, is refused (-1) or does not settle never throws', async () => {
    for (const save of [async () => -1, async () => Promise.reject(new Error('boom')), () => new Promise<number>(() => {})]) {
      const { run, log } = start(service({ save }), { saveTimeoutMs: 50 })
      await run.ready
      await expect(run.save([{ repository: REPO, digests: [await readSomething(run)] }])).resolves.toBeUndefined()
      expect(log.warning.length + log.info.length).toBeGreaterThan(0)
    }
  })

  test('the entry file left by an earlier job is not taken for a restored entry', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'manifest-cache-run-'))
    const file = join(directory, 'package-retention-manifest-cache.json')
    writeFileSync(file, 'left over')
    const { run } = start(service(), { directory })
    await run.ready
    expect(() => readFileSync(file)).toThrow()
  })
})
