// The fake Actions cache service answers what @actions/cache and the Azure Blob SDK send: checked
// here with the SDK itself for the paths the action's small entries never take (block uploads
// above the single-put size, ranged downloads).
import { BlockBlobClient } from '@azure/storage-blob'
import { FakeActionsCache } from './actions-cache.js'

async function twirp(service: FakeActionsCache, method: string, body: unknown, token = service.env.ACTIONS_RUNTIME_TOKEN): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${service.url}/twirp/github.actions.results.api.v1.CacheService/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body)
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

let service: FakeActionsCache
beforeEach(async () => {
  service = await FakeActionsCache.start()
})
afterEach(() => service.stop())

test('block upload, finalize, restore by prefix (newest first), ranged download', async () => {
  const data = Buffer.from(Array.from({ length: 10_000 }, (_, i) => i % 251))
  for (const key of ['k-1', 'k-2']) {
    const created = await twirp(service, 'CreateCacheEntry', { key, version: 'v' })
    expect(created.body.ok).toBe(true)
    const blob = new BlockBlobClient(created.body.signed_upload_url as string)
    await blob.uploadData(data, { maxSingleShotSize: 1024, blockSize: 1024, concurrency: 4 })
    expect((await twirp(service, 'FinalizeCacheEntryUpload', { key, version: 'v', size_bytes: String(data.length) })).body).toEqual({ ok: true, entry_id: expect.any(String) })
  }
  expect(service.requests.filter(r => r.comp === 'block')).toHaveLength(20)
  expect(service.requests.filter(r => r.comp === 'blocklist')).toHaveLength(2)

  const found = await twirp(service, 'GetCacheEntryDownloadURL', { key: 'k-3', restore_keys: ['k-'], version: 'v' })
  expect(found.body).toMatchObject({ ok: true, matched_key: 'k-2' })
  const download = new BlockBlobClient(found.body.signed_download_url as string)
  expect((await download.getProperties()).contentLength).toBe(data.length)
  expect(await download.downloadToBuffer(0, undefined, { blockSize: 4096 })).toEqual(data)
  expect(service.requests.some(r => r.range !== undefined)).toBe(true)

  // Another version (other paths or compression) matches nothing; a known key answers 409.
  expect((await twirp(service, 'GetCacheEntryDownloadURL', { key: 'k-1', version: 'other' })).body).toEqual({ ok: false })
  expect((await twirp(service, 'CreateCacheEntry', { key: 'k-1', version: 'v' })).status).toBe(409)
  expect((await twirp(service, 'CreateCacheEntry', { key: 'k-9', version: 'v' }, 'wrong')).status).toBe(401)
})

test('faults: 500 on every call', async () => {
  service.fault = 'error'
  expect((await twirp(service, 'GetCacheEntryDownloadURL', { key: 'k', version: 'v' })).status).toBe(500)
})
