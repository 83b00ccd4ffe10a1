import { createOctokit, type ClientStats } from '../github/client.js'
import { PackagesApi } from '../github/packages-api.js'
import { RateLimitTracker } from '../github/rate-limit.js'
import type { RunControl } from '../run-control.js'
import type { Settings } from './inputs.js'

/** `stats` receives what the client counts (e.g. secondary-limit refusals) for the report; `control` stops its requests and bounds its waits. */
export function connect(settings: Settings, stats?: ClientStats, control?: RunControl): PackagesApi {
  const rateLimit = new RateLimitTracker()
  const octokit = createOctokit({ token: settings.token, baseUrl: settings.apiUrl, writesPerMinute: settings.maxDeletesPerMinute, control }, rateLimit, stats)
  return new PackagesApi(octokit, rateLimit)
}
