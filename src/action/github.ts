import { createOctokit, type ClientStats } from '../github/client.js'
import { PackagesApi } from '../github/packages-api.js'
import { RateLimitTracker } from '../github/rate-limit.js'
import type { Settings } from './inputs.js'

/** `stats` receives what the client counts (e.g. secondary-limit refusals) for the report. */
export function connect(settings: Settings, stats?: ClientStats): PackagesApi {
  const rateLimit = new RateLimitTracker()
  const octokit = createOctokit({ token: settings.token, baseUrl: settings.apiUrl, writesPerMinute: settings.maxDeletesPerMinute }, rateLimit, stats)
  return new PackagesApi(octokit, rateLimit)
}
