import { createOctokit } from '../github/client.js'
import { PackagesApi } from '../github/packages-api.js'
import { RateLimitTracker } from '../github/rate-limit.js'
import type { Settings } from './inputs.js'

export function connect(settings: Settings): PackagesApi {
  const rateLimit = new RateLimitTracker()
  const octokit = createOctokit({ token: settings.token, baseUrl: settings.apiUrl, writesPerMinute: settings.maxDeletesPerMinute }, rateLimit)
  return new PackagesApi(octokit, rateLimit)
}
