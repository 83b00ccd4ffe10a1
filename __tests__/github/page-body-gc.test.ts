// A page's body must be read before anything can collect the response it came with: undici
// cancels the body of a fetch() Response that is garbage collected unread ("Response body object
// should not be disturbed or locked" when it is read later). Garbage is collected here between
// receiving each page and reading it, which made every listing fail before the fix.
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { FakeGitHub, type FakeVersionSeed } from '../fake/index.js'
import { createOctokit } from '../../src/github/client.js'
import { PackagesApi } from '../../src/github/packages-api.js'
import { RateLimitTracker } from '../../src/github/rate-limit.js'
import { PAT, npmVersion, world } from '../e2e/world.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

test('pages survive a garbage collection between receiving and reading them', async () => {
  const versions: FakeVersionSeed[] = Array.from({ length: 250 }, (_, i) => npmVersion(`1.0.${i}`, 300 - i))
  const fake = await FakeGitHub.start(world([{ owner: 'acme', package_type: 'npm', name: 'lib', versions }]))
  try {
    const rateLimit = new RateLimitTracker()
    const octokit = createOctokit({ token: PAT, baseUrl: fake.url, writesPerMinute: 60 }, rateLimit)
    let collections = 0
    octokit.hook.after('request', async () => {
      gc()
      collections++
      // Finalizers run in a later task: give them one before the page is read.
      await new Promise(resolve => setTimeout(resolve, 20))
    })
    const api = new PackagesApi(octokit, rateLimit)
    const listed = await api.listVersions({ owner: 'acme', ownerKind: 'org', type: 'npm', name: 'lib' })
    expect(listed.map(v => v.name).sort()).toEqual(versions.map(v => v.name).sort())
    expect(collections).toBeGreaterThanOrEqual(3)
  } finally {
    await fake.stop()
  }
})
