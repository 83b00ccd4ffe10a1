import { abandonedCacheOperations } from './cache/actions-cache.js'
import { run } from './main.js'

await run()
// A cache operation given up on (a service that never answered) may hold a socket open forever:
// leave once everything written so far is flushed.
if (abandonedCacheOperations() > 0) process.stdout.write('', () => process.exit())
