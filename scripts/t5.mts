import { HOSTILE_SHAPES } from './bench/in-use.ts'
import { mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { scanImagesInUse } from '../src/inventory/in-use.ts'
const ws = mkdtempSync(join(tmpdir(), 'x-'))
HOSTILE_SHAPES[process.argv[2]](ws)
const c0 = process.cpuUsage()
const r = await scanImagesInUse({ workspace: ws, globs: ['**'], registryHost: 'ghcr.io', owner: 'acme' })
const c = process.cpuUsage(c0)
console.log(((c.user + c.system) / 1e6).toFixed(2), 's cpu', r.bytesRead / 1048576, 'MiB')
