import { runWasStopped } from './action/retention-run.js'
import { abandonedCacheOperations } from './cache/actions-cache.js'
import { run } from './main.js'

await run()
// A cache operation given up on (a service that never answered) may hold a socket open forever,
// and a stopped run (cancelled, or told to wait too long) leaves requests and retry timers it
// abandoned: leave once everything written so far is flushed.
if (abandonedCacheOperations() > 0 || runWasStopped()) process.stdout.write('', () => process.exit())
