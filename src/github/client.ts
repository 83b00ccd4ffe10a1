// The one Octokit factory: REST base URL passed explicitly, throttling (primary and secondary
// limits) and retry (5xx, network) plugins, and DELETE pacing through the throttler's write queue.
import * as core from '@actions/core'
import { getOctokit } from '@actions/github'
import { retry } from '@octokit/plugin-retry'
import { throttling } from '@octokit/plugin-throttling'
import Bottleneck from 'bottleneck/light.js'
import { RateLimitTracker } from './rate-limit.js'

export type Octokit = ReturnType<typeof getOctokit>

export interface ClientOptions {
  token: string
  baseUrl: string
  /** Writes (DELETE, POST restore) are spaced evenly at this pace. */
  writesPerMinute: number
  /** Retries of 5xx and network failures per request. */
  retries?: number
}

const SECONDARY_LIMIT_RETRIES = 6

export function createOctokit(options: ClientOptions, rateLimit: RateLimitTracker): Octokit {
  // The throttler's default write queue spaces writes 1 s apart; replace it so the
  // `max-deletes-per-minute` input is the single source of pacing (evenly spaced, never bursts).
  const writeQueue = new Bottleneck.Group({ maxConcurrent: 1, minTime: Math.ceil(60_000 / options.writesPerMinute) })
  const octokit = getOctokit(
    options.token,
    {
      baseUrl: options.baseUrl,
      log: {
        debug: (message: string) => core.debug(message),
        info: (message: string) => core.debug(message),
        warn: (message: string) => core.debug(message),
        error: (message: string) => core.debug(message)
      },
      throttle: {
        write: writeQueue,
        onRateLimit: (retryAfter: number, request: { method: string; url: string }) => {
          // Never sleep until the hourly reset: the executor defers what does not fit.
          core.warning(
            `Primary rate limit exhausted on ${request.method} ${request.url}; it resets in ${retryAfter}s. ` +
              'Remaining work is deferred to a later run.'
          )
          return false
        },
        onSecondaryRateLimit: (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
          core.info(`Secondary rate limit on ${request.method} ${request.url}: waiting ${retryAfter}s as GitHub asks (retry ${retryCount + 1}).`)
          return retryCount < SECONDARY_LIMIT_RETRIES
        }
      },
      retry: {
        retries: options.retries ?? 3,
        // 429 belongs to the throttler; the other statuses are final answers.
        doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451]
      }
    },
    throttling,
    retry
  )
  // plugin-retry and the throttler keep a request's retry count on `options.request`, an object
  // Octokit shares between all requests that pass no request options of their own: without a
  // copy per request, one request's retries would lengthen every later request's backoff
  // ((n + 1)² seconds: 16 s, 25 s, … after a few faults). Registered last, this runs first.
  octokit.hook.before('request', options => {
    options.request = { ...options.request }
  })
  octokit.hook.after('request', response => rateLimit.observe(response.headers as Record<string, string>))
  octokit.hook.error('request', error => {
    rateLimit.observe((error as { response?: { headers?: Record<string, string> } }).response?.headers)
    throw error
  })
  return octokit
}
