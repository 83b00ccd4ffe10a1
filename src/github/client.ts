// The one Octokit factory: REST base URL passed explicitly, throttling (answers about primary
// and secondary limits) and retry (5xx, network) plugins, and underneath them every HTTP
// attempt goes through the run's request budget (request-budget.ts: GitHub's secondary limits,
// and the even pace of writes) with a timeout.
import * as core from '@actions/core'
import { getOctokit } from '@actions/github'
import { retry } from '@octokit/plugin-retry'
import { throttling } from '@octokit/plugin-throttling'
import Bottleneck from 'bottleneck/light.js'
import { RunControl, untilStopped } from '../run-control.js'
import { AnswerTooLargeError, MAX_REST_ANSWER_BYTES } from './errors.js'
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
  /** The run's stop (cancellation, a wait too long): no request is sent once it stopped. */
  control?: RunControl
  /** Larger answers are refused; default 32 MiB. */
  maxAnswerBytes?: number
}

/** What the client counts for the report: the budget's figures and GitHub's refusals. */
export interface ClientStats {
  /** Secondary-limit answers GitHub sent anyway (each waited out as retry-after asked, while the wait fits the run's bounds). */
  secondaryLimitRefusals: number
  /** The request budget's own figures (filled in by createOctokit). */
  budget?: BudgetStats
}

export const REST_TIMEOUT_MS = 30_000
export const REST_TIMEOUT_ATTEMPTS = 3
const SECONDARY_LIMIT_RETRIES = 6
/** A secondary-limit answer without retry-after: GitHub's documentation says to wait at least a minute. */
const SECONDARY_LIMIT_FALLBACK_S = 60
/** Between attempts of a request that got no answer. */
const TIMEOUT_RETRY_DELAY_MS = 1_000

export function createOctokit(options: ClientOptions, rateLimit: RateLimitTracker, stats: ClientStats = { secondaryLimitRefusals: 0 }): Octokit {
  const budget = new RequestBudget({ writesPerMinute: options.writesPerMinute })
  stats.budget = budget.stats
  const control = options.control ?? new RunControl()
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
        // Secondary-limit answers are waited out below the throttler (budgetedFetch), where the
        // wait can be bounded and cancelled; one reaching here is one the run does not wait for.
        onSecondaryRateLimit: () => false
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
      attempts: options.timeoutAttempts ?? REST_TIMEOUT_ATTEMPTS,
      maxBodyBytes: options.maxAnswerBytes ?? MAX_REST_ANSWER_BYTES,
      control,
      stats
    })
    request.request = { ...request.request, fetch: budgeted }
  })
  // Outermost: once the run stops, a read ends at once, even one sleeping in plugin-retry's
  // backoff (the budgeted fetch would refuse to send it when it wakes, seconds later). A write is
  // left to its caller, which awaits the DELETE in flight for a bounded time.
  octokit.hook.wrap('request', (request, requestOptions) => {
    const answer = Promise.resolve(request(requestOptions))
    const method = String(requestOptions.method).toUpperCase()
    return method === 'GET' || method === 'HEAD' ? untilStopped(answer, control.signal) : answer
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
  /** Larger answers are refused (AnswerTooLargeError), never held whole. */
  maxBodyBytes?: number
  /** Stops new requests and waits; bounds the waits GitHub asks for. */
  control?: RunControl
  /** Counts the secondary-limit answers. */
  stats?: ClientStats
}

/**
 * `inner` (the proxy-aware fetch of @actions/github) with every attempt granted by the budget,
 * bounded in time and in size, and GitHub's secondary-limit answers waited out as retry-after
 * asks, while the wait fits the run's bounds (RunControl). The budget's slot is held until the
 * response body is read (GitHub counts a request in flight until then), or until the timeout at
 * the latest. The body is read here, up to the size limit, and handed on as bytes.
 */
export function budgetedFetch(inner: typeof fetch, budget: RequestBudget, limits: FetchLimits): typeof fetch {
  const control = limits.control ?? new RunControl()
  const maxBodyBytes = limits.maxBodyBytes ?? MAX_REST_ANSWER_BYTES
  return async (input, init) => {
    const method = (init?.method ?? 'GET').toUpperCase()
    const url = String(input instanceof Request ? input.url : input)
    const path = url.startsWith(limits.baseUrl) ? url.slice(limits.baseUrl.length) : url
    const read = method === 'GET' || method === 'HEAD'
    const attempts = read ? limits.attempts : 1
    let secondaryRetries = 0
    for (let attempt = 1; ; ) {
      control.throwIfStopped()
      const release = await budget.acquire(method, control.signal)
      const deadline = new AbortController()
      const timer = setTimeout(() => {
        deadline.abort()
        release()
      }, limits.timeoutMs)
      const done = (): void => {
        clearTimeout(timer)
        release()
      }
      let answer: Response
      try {
        // A read in flight is abandoned when the run stops; a write is awaited by its caller.
        const signals = [deadline.signal, ...(init?.signal ? [init.signal] : []), ...(read ? [control.signal] : [])]
        const response = await inner(input, { ...init, signal: AbortSignal.any(signals) })
        answer = await readBounded(response, maxBodyBytes, `${method} ${path}`)
        done()
      } catch (error) {
        done()
        if (control.stop) throw control.signal.reason as Error
        if (error instanceof AnswerTooLargeError || !deadline.signal.aborted || init?.signal?.aborted) throw error
        if (attempt >= attempts) throw new RestTimeoutError(method, path, limits.timeoutMs, attempt)
        core.info(`GitHub did not answer ${method} ${path} within ${limits.timeoutMs / 1000} s (attempt ${attempt} of ${attempts}); trying again.`)
        await control.sleep(TIMEOUT_RETRY_DELAY_MS * attempt)
        attempt++
        continue
      }
      const waitMs = await secondaryLimitWait(answer)
      if (waitMs === undefined) return answer
      if (limits.stats) limits.stats.secondaryLimitRefusals++
      const asked = `GitHub's secondary rate limit (${method} ${path})`
      // Past the retries: the answer goes on as GitHub's refusal. A wait the run does not take
      // stops the run (admitWait): this request ends as the stop, like every later one.
      if (secondaryRetries >= SECONDARY_LIMIT_RETRIES) return answer
      if (!control.admitWait(waitMs, asked)) throw control.signal.reason as Error
      secondaryRetries++
      core.info(`Secondary rate limit on ${method} ${path}: waiting ${Math.round(waitMs / 1000)}s as GitHub asks (retry ${secondaryRetries}).`)
      await control.sleep(waitMs)
    }
  }
}

/**
 * How long a secondary-limit answer (403 or 429 whose message names the secondary rate limit)
 * asks to wait: its retry-after, else the minute GitHub's documentation suggests; undefined for
 * any other answer.
 */
async function secondaryLimitWait(response: Response): Promise<number | undefined> {
  if (response.status !== 403 && response.status !== 429) return undefined
  const text = await response.clone().text()
  if (!/\bsecondary rate\b/i.test(text)) return undefined
  const retryAfter = Number(response.headers.get('retry-after'))
  return (Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : SECONDARY_LIMIT_FALLBACK_S) * 1000
}

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304])

/**
 * The response with its body read whole, at most `maxBytes` of it: refused from its
 * Content-Length, or as soon as the streamed bytes pass the limit (the rest is not read). A
 * Response built from bytes also owns nothing that can be cancelled behind the caller's back
 * (undici cancels the stream of a Response that is garbage collected before it is read).
 */
async function readBounded(response: Response, maxBytes: number, request: string): Promise<Response> {
  const build = (body: Uint8Array | null): Response => {
    const whole = new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers })
    Object.defineProperty(whole, 'url', { value: response.url })
    return whole
  }
  if (!response.body || NULL_BODY_STATUSES.has(response.status)) return build(null)
  const announced = Number(response.headers.get('content-length') ?? Number.NaN)
  if (announced > maxBytes) {
    await response.body.cancel().catch(() => {})
    throw new AnswerTooLargeError(request, announced, true, maxBytes)
  }
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBytes) {
      await reader.cancel().catch(() => {})
      throw new AnswerTooLargeError(request, size, false, maxBytes)
    }
    chunks.push(value)
  }
  return build(Buffer.concat(chunks, size))
}
