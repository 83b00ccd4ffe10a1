import { createHash } from 'node:crypto'
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cacheEndpoint, CacheServiceError, downloadEntry, EntryTooLargeError, lookUpEntry, toolkitCacheVersion } from '../../src/cache/cache-service.js'

interface Seen {
  method: string
  url: string
  headers: http.IncomingHttpHeaders
  body: string
}

/** A local server answering every request with `answer`, recording what it was asked. */
async function server(answer: (seen: Seen, res: http.ServerResponse) => void): Promise<{ url: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = []
  const srv = http.createServer((req, res) => {
    let body = ''
    req.on('data', chunk => (body += chunk))
    req.on('end', () => {
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body }
      seen.push(request)
      answer(request, res)
    })
  })
  await new Promise<void>(resolve => srv.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}/`,
    seen,
    close: () =>
      new Promise(resolve => {
        srv.closeAllConnections()
        srv.close(() => resolve())
      })
  }
}

const never = new AbortController().signal

describe('cacheEndpoint', () => {
  test('v2 on github.com with the flag; v1 on GHES whatever the flag; none without a URL, token or read permission', () => {
    const base = { ACTIONS_RESULTS_URL: 'https://results/', ACTIONS_CACHE_URL: 'https://cache/', ACTIONS_RUNTIME_TOKEN: 't' }
    expect(cacheEndpoint({ ...base, ACTIONS_CACHE_SERVICE_V2: 'true', GITHUB_SERVER_URL: 'https://github.com' })).toEqual({ protocol: 'v2', baseUrl: 'https://results/', token: 't' })
    expect(cacheEndpoint({ ...base, ACTIONS_CACHE_SERVICE_V2: 'true', GITHUB_SERVER_URL: 'https://git.corp.example' })).toEqual({ protocol: 'v1', baseUrl: 'https://cache/', token: 't' })
    expect(cacheEndpoint({ ...base, GITHUB_SERVER_URL: 'https://github.com' })?.protocol).toBe('v1')
    expect(cacheEndpoint({ ACTIONS_RUNTIME_TOKEN: 't' })).toBeUndefined()
    expect(cacheEndpoint({ ...base, ACTIONS_CACHE_SERVICE_V2: 'true', ACTIONS_CACHE_MODE: 'write-only' })).toBeUndefined()
  })
})

describe('toolkitCacheVersion', () => {
  test("is @actions/cache's: sha256 of the paths, the compression it would use (zstd on PATH or gzip) and its salt", () => {
    const withZstd = mkdtempSync(join(tmpdir(), 'zstd-on-path-'))
    writeFileSync(join(withZstd, 'zstd'), '#!/bin/sh\n')
    chmodSync(join(withZstd, 'zstd'), 0o755)
    const hash = (text: string): string => createHash('sha256').update(text).digest('hex')
    expect(toolkitCacheVersion(['/tmp/a.json'], { PATH: withZstd })).toBe(hash('/tmp/a.json|zstd-without-long|1.0'))
    expect(toolkitCacheVersion(['/tmp/a.json'], { PATH: mkdtempSync(join(tmpdir(), 'no-zstd-')) })).toBe(hash('/tmp/a.json|gzip|1.0'))
  })
})

describe('lookUpEntry', () => {
  test('v2: one Twirp call with the key, restore keys (proto names) and version', async () => {
    const srv = await server((_seen, res) => res.end(JSON.stringify({ ok: true, signed_download_url: 'https://blob/x', matched_key: 'k-1' })))
    try {
      const found = await lookUpEntry({ protocol: 'v2', baseUrl: srv.url, token: 'tok' }, { key: 'k-2', restoreKeys: ['k-'], version: 'v' }, never)
      expect(found).toEqual({ key: 'k-1', downloadUrl: 'https://blob/x' })
      expect(srv.seen).toHaveLength(1)
      expect(srv.seen[0]).toMatchObject({ method: 'POST', url: '/twirp/github.actions.results.api.v1.CacheService/GetCacheEntryDownloadURL' })
      expect(srv.seen[0].headers.authorization).toBe('Bearer tok')
      expect(JSON.parse(srv.seen[0].body)).toEqual({ key: 'k-2', restore_keys: ['k-'], version: 'v' })
    } finally {
      await srv.close()
    }
  })

  test('v1 (GHES): GET cache?keys=…&version=…; 204 is no entry; an error status is the service failing', async () => {
    let status = 200
    const srv = await server((_seen, res) => {
      res.statusCode = status
      res.end(status === 200 ? JSON.stringify({ cacheKey: 'k-1', archiveLocation: 'https://blob/y' }) : '')
    })
    try {
      const endpoint = { protocol: 'v1' as const, baseUrl: srv.url, token: 'tok' }
      const request = { key: 'k-2', restoreKeys: ['k-'], version: 'v' }
      expect(await lookUpEntry(endpoint, request, never)).toEqual({ key: 'k-1', downloadUrl: 'https://blob/y' })
      expect(srv.seen[0].url).toBe('/_apis/artifactcache/cache?keys=k-2%2Ck-&version=v')
      expect(srv.seen[0].headers.accept).toBe('application/json;api-version=6.0-preview.1')
      status = 204
      expect(await lookUpEntry(endpoint, request, never)).toBeUndefined()
      status = 503
      await expect(lookUpEntry(endpoint, request, never)).rejects.toThrow(CacheServiceError)
    } finally {
      await srv.close()
    }
  })
})

describe('downloadEntry', () => {
  test('stops past the bound, whether the length is declared or not, and aborts with its signal', async () => {
    const srv = await server((seen, res) => {
      if (seen.url === '/declared') return res.end(Buffer.alloc(2048))
      if (seen.url === '/hang') return res.write('x')
      res.setHeader('transfer-encoding', 'chunked')
      res.write(Buffer.alloc(1000))
      res.end(Buffer.alloc(1048))
    })
    try {
      expect(await downloadEntry(`${srv.url}declared`, 4096, never)).toHaveLength(2048)
      await expect(downloadEntry(`${srv.url}declared`, 1024, never)).rejects.toThrow(EntryTooLargeError)
      await expect(downloadEntry(`${srv.url}chunked`, 1024, never)).rejects.toThrow(EntryTooLargeError)
      const abort = new AbortController()
      setTimeout(() => abort.abort(new Error('given up')), 50)
      await expect(downloadEntry(`${srv.url}hang`, 1024, abort.signal)).rejects.toThrow('given up')
    } finally {
      await srv.close()
    }
  })
})
