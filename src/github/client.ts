// The one Octokit factory: REST base URL passed explicitly, throttling (answers about primary
// and secondary limits) and retry (5xx, network) plugins, and underneath them every HTTP
// attempt goes through the run's request budget (request-budget.ts: GitHub's secondary limits,
// and the even pace of writes) with a timeout.
import * as core from '@actions/core'
import { getOctokit } from '@actions/github'
import { retry } from '@octokit/plugin-retry'
import { throttling } from '@octokit/plugin-throttling'
import Bottleneck from 'bottleneck/light.js'
import { RateLimitTracker } from './rate-limit.js'
import { RequestBudget, RestTimeoutError, type BudgetStats } from './request-budget.js'

export type Octokit = ReturnType<typeof getOctokit>

export interface ClientOptions {
  token: string
  baseUrl: string
  /** Writes (DELETE, POST restore) are spaced evenly at this pace at most. */
  writesPerMinute: number
  /** Retries of 5xx and network failures per request. */
  retries?: number
  /** How long GitHub has to answer one attempt; default 30 s. */
  timeoutMs?: number
  /** Attempts of a GET that gets no answer in time; default 3 (writes: 1, the executor decides). */
  timeoutAttempts?: number
}

/** What the client counts for the report: the budget's figures and GitHub's refusals. */
export interface ClientStats {
  /** Secondary-limit answers GitHub sent anyway (each waited out as retry-after asked). */
  secondaryLimitRefusals: number
  /** The request budget's own figures (filled in by createOctokit). */
  budget?: BudgetStats
}

export const REST_TIMEOUT_MS = 30_000
export const REST_TIMEOUT_ATTEMPTS = 3
const SECONDARY_LIMIT_RETRIES = 6
/** Between attempts of a request that got no answer. */
const TIMEOUT_RETRY_DELAY_MS = 1_000

export function createOctokit(options: ClientOptions, rateLimit: RateLimitTracker, stats: ClientStats = { secondaryLimitRefusals: 0 }): Octokit {
  const budget = new RequestBudget({ writesPerMinute: options.writesPerMinute })
  stats.budget = budget.stats
  // Writes stay serial, as GitHub asks; their pace is the budget's (the throttler's own write
  // queue would add a second, fixed 1 s spacing).
  const writeQueue = new Bottleneck.Group({ maxConcurrent: 1, minTime: 0 })
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
          stats.secondaryLimitRefusals++
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
  let budgeted: typeof fetch | undefined
  // plugin-retry and the throttler keep a request's retry count on `options.request`, an object
  // Octokit shares between all requests that pass no request options of their own: without a
  // copy per request, one request's retries would lengthen every later request's backoff
  // ((n + 1)² seconds: 16 s, 25 s, … after a few faults). Registered last, this runs first.
  // The fetch under every attempt (the plugins' retries included) is the budgeted one.
  octokit.hook.before('request', request => {
    budgeted ??= budgetedFetch(request.request.fetch ?? globalThis.fetch, budget, {
      baseUrl: options.baseUrl,
      timeoutMs: options.timeoutMs ?? REST_TIMEOUT_MS,
      attempts: options.timeoutAttempts ?? REST_TIMEOUT_ATTEMPTS
    })
    request.request = { ...request.request, fetch: budgeted }
  })
  octokit.hook.after('request', response => rateLimit.observe(response.headers as Record<string, string>))
  octokit.hook.error('request', error => {
    rateLimit.observe((error as { response?: { headers?: Record<string, string> } }).response?.headers)
    throw error
  })
  return octokit
}

interface FetchLimits {
  baseUrl: string
  timeoutMs: number
  /** Attempts of a GET or HEAD without an answer; a write gets one (it may have been applied). */
  attempts: number
}

/**
 * `inner` (the proxy-aware fetch of @actions/github) with every attempt granted by the budget
 * and bounded in time. The budget's slot is held until the response body is read (GitHub
 * counts a request in flight until then), or until the timeout at the latest.
 */
export function budgetedFetch(inner: typeof fetch, budget: RequestBudget, limits: FetchLimits): typeof fetch {
  return async (input, init) => {
    const method = (init?.method ?? 'GET').toUpperCase()
    const url = String(input instanceof Request ? input.url : input)
    const path = url.startsWith(limits.baseUrl) ? url.slice(limits.baseUrl.length) : url
    const attempts = method === 'GET' || method === 'HEAD' ? limits.attempts : 1
    for (let attempt = 1; ; attempt++) {
      const release = await budget.acquire(method)
      const deadline = new AbortController()
      const timer = setTimeout(() => {
        deadline.abort()
        release()
      }, limits.timeoutMs)
      const done = (): void => {
        clearTimeout(timer)
        release()
      }
      try {
        const signal = init?.signal ? AbortSignal.any([init.signal, deadline.signal]) : deadline.signal
        return releasedWhenRead(await inner(input, { ...init, signal }), done)
      } catch (error) {
        done()
        if (!deadline.signal.aborted || init?.signal?.aborted) throw error
        if (attempt >= attempts) throw new RestTimeoutError(method, path, limits.timeoutMs, attempt)
        core.info(`GitHub did not answer ${method} ${path} within ${limits.timeoutMs / 1000} s (attempt ${attempt} of ${attempts}); trying again.`)
        await new Promise(resolve => setTimeout(resolve, TIMEOUT_RETRY_DELAY_MS * attempt))
      }
    }
  }
}

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304])

/** The response, with `done` called once its body has been read, cancelled or failed. */
function releasedWhenRead(response: Response, done: () => void): Response {
  if (!response.body || NULL_BODY_STATUSES.has(response.status)) {
    done()
    return response
  }
  const reader = response.body.getReader()
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const chunk = await reader.read()
        if (chunk.done) {
          done()
          controller.close()
        } else {
          controller.enqueue(chunk.value)
        }
      } catch (error) {
        done()
        controller.error(error)
      }
    },
    cancel(reason) {
      done()
      return reader.cancel(reason)
    }
  })
  const wrapped = new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers })
  Object.defineProperty(wrapped, 'url', { value: response.url })
  return wrapped
}
