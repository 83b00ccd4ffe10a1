// Classifies REST errors by status and message, as GitHub documents them.

export interface HttpErrorLike {
  status?: number
  message?: string
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown }
}

export const REFUSAL_DOWNLOADS = 'more than 5000 downloads'
export const REFUSAL_LAST_TAGGED = 'cannot delete the last tagged version'
export const REFUSAL_LAST_VERSION = 'cannot delete the last version'

export type ErrorKind =
  | 'refused-downloads' // public version with more than 5,000 downloads
  | 'refused-last-version' // last (tagged) version of the package
  | 'not-found' // 404: gone, or hidden because the token lacks permission
  | 'unauthorized' // 401: missing or bad token
  | 'forbidden' // 403 that is not a rate limit
  | 'rate-limited' // primary limit exhausted
  | 'secondary-rate-limited'
  | 'server' // 5xx or network failure after retries
  | 'other'

export function asHttpError(error: unknown): HttpErrorLike {
  return typeof error === 'object' && error !== null ? (error as HttpErrorLike) : { message: String(error) }
}

/** The message GitHub put in the body, falling back to the error's own message. */
export function githubMessage(error: unknown): string {
  const e = asHttpError(error)
  const data = e.response?.data
  if (data && typeof data === 'object' && 'message' in data && typeof data.message === 'string') return data.message
  return e.message ?? String(error)
}

export function classifyError(error: unknown): ErrorKind {
  if (error instanceof UnexpectedAnswerError) return 'other'
  const e = asHttpError(error)
  const message = githubMessage(error).toLowerCase()
  const status = e.status ?? 0
  if (/secondary rate limit/.test(message)) return 'secondary-rate-limited'
  if ((status === 403 || status === 429) && String(e.response?.headers?.['x-ratelimit-remaining']) === '0') return 'rate-limited'
  if (status === 403 && /rate limit exceeded/.test(message)) return 'rate-limited'
  if (status === 400 && message.includes(REFUSAL_DOWNLOADS)) return 'refused-downloads'
  if (status === 400 && (message.includes(REFUSAL_LAST_TAGGED) || message.includes(REFUSAL_LAST_VERSION))) return 'refused-last-version'
  if (status === 404) return 'not-found'
  if (status === 401) return 'unauthorized'
  if (status === 403) return 'forbidden'
  if (status >= 500 || status === 0) return 'server'
  return 'other'
}

/** Scopes GitHub says the endpoint accepts (classic PATs send x-accepted-oauth-scopes). */
export function acceptedScopes(error: unknown): string | undefined {
  const value = asHttpError(error).response?.headers?.['x-accepted-oauth-scopes']
  return value ? String(value) : undefined
}

/** Scopes the token has (classic PATs only). */
export function tokenScopes(error: unknown): string | undefined {
  const value = asHttpError(error).response?.headers?.['x-oauth-scopes']
  return value === undefined ? undefined : String(value)
}

export function describeError(error: unknown): string {
  const e = asHttpError(error)
  return e.status ? `HTTP ${e.status}: ${githubMessage(error)}` : githubMessage(error)
}

/** An error that stops the run; its message is for the user (what is wrong, what to do). */
export class FatalError extends Error {
  constructor(
    message: string,
    /** The job summary already explains the failure (say, the invalid policy's problems). */
    readonly explainedInSummary = false
  ) {
    super(message)
    this.name = 'FatalError'
  }
}

/** GitHub answered with success but with a body that is not what the endpoint returns (its message says what came). */
export class UnexpectedAnswerError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UnexpectedAnswerError'
  }
}

/**
 * A listing the primary rate limit cannot cover, found after its first page. A listing cut
 * short cannot be planned (a missing page may hold the index of a version on another), so it
 * stops before spending the budget rather than when the budget runs out.
 */
export class ListingBudgetError extends Error {
  constructor(
    readonly pagesNeeded: number,
    readonly remaining: number,
    readonly limit: number,
    /** Epoch seconds; 0 when unknown. */
    readonly reset: number
  ) {
    super(`${pagesNeeded} more page(s) are needed but ${remaining} of ${limit} requests are left${resetsAt(reset)}`)
    this.name = 'ListingBudgetError'
  }
}

const resetsAt = (epochSeconds: number): string => (epochSeconds ? ` until ${new Date(epochSeconds * 1000).toISOString()}` : '')

const LARGER_LIMIT_ADVICE =
  'Run again after the reset, or use a token with a larger hourly limit ' +
  '(GitHub gives an Actions GITHUB_TOKEN 1,000 requests an hour per repository, a classic personal access token 5,000).'

/**
 * A user-facing explanation of an authentication, permission or rate-limit failure while
 * `doing` something, naming the scope GitHub asked for when it says so.
 */
export function explainAccessError(error: unknown, doing: string): string {
  if (error instanceof ListingBudgetError) {
    return (
      `${doing.charAt(0).toUpperCase()}${doing.slice(1)} needs ${error.pagesNeeded} more request(s) (a page each), but the token has ` +
      `${error.remaining} of its ${error.limit} requests this hour left${resetsAt(error.reset)}: the run stops before spending them, ` +
      `as a listing cut short could not be planned safely. ${LARGER_LIMIT_ADVICE}`
    )
  }
  const kind = classifyError(error)
  const said = githubMessage(error)
  if (kind === 'rate-limited') {
    const reset = Number(asHttpError(error).response?.headers?.['x-ratelimit-reset'] ?? 0)
    return `GitHub's primary rate limit ran out while ${doing} (${said})${resetsAt(reset)}. ${LARGER_LIMIT_ADVICE}`
  }
  if (kind === 'unauthorized') {
    return `GitHub rejected the token while ${doing} (${said}). Check the \`token\` input: it must be a valid token for this GitHub instance.`
  }
  if (kind === 'server' && (asHttpError(error).status ?? 0) >= 500) {
    // Whatever headers came with it, a 5xx or a lost connection (Octokit: 500) says nothing about the token.
    return (
      `GitHub failed while ${doing}: ${describeError(error)}, still failing after retries. This is a server error on GitHub's side, ` +
      'not a problem with the token or its scopes: run again later (https://www.githubstatus.com lists incidents).'
    )
  }
  if (kind !== 'forbidden') return `${doing.charAt(0).toUpperCase()}${doing.slice(1)} failed: ${describeError(error)}`
  const accepted = acceptedScopes(error)
  const has = tokenScopes(error)
  if (isActionsTokenRefusal(error)) {
    return (
      `The Actions GITHUB_TOKEN may not be used for ${doing} (${said}). Grant the workflow \`permissions: packages: write\` ` +
      'and give the repository access to the package (package settings → Manage Actions access), or use a classic ' +
      'personal access token with read:packages and delete:packages.'
    )
  }
  if (accepted) {
    return (
      `The token may not be used for ${doing} (${said}). This needs a classic personal access token with the ` +
      `${accepted} scope${has !== undefined ? `; the token has: ${has || 'no scopes'}` : ''}.`
    )
  }
  return `GitHub refused ${doing}: ${describeError(error)}`
}

/**
 * A refusal of the Actions GITHUB_TOKEN (or another integration token): GitHub says "Resource not
 * accessible by integration".
 */
export function isActionsTokenRefusal(error: unknown): boolean {
  return /not accessible by integration/i.test(githubMessage(error))
}

/**
 * Why a DELETE was refused (a 403, or a 404 while the version is still there: GitHub hides what
 * a token may not change), naming what the token lacks. GitHub sends `x-oauth-scopes` only for
 * classic personal access tokens (and OAuth tokens), so its presence tells a PAT from the Actions
 * GITHUB_TOKEN whatever the token looks like.
 */
export function explainDeleteDenied(error: unknown, pkg: { type: string; name: string }): string {
  const status = asHttpError(error).status
  const answered = status === 404 ? 'DELETE answered 404 but the version is still there' : `DELETE answered ${status ?? 'an error'}`
  const what = `${answered}: the token cannot delete in this package (${pkg.type} package '${pkg.name}').`
  const scopes = tokenScopes(error)
  if (scopes !== undefined) {
    const has = scopes.split(',').map(s => s.trim()).filter(Boolean)
    if (!has.includes('delete:packages')) {
      return `${what} It is a classic personal access token without the delete:packages scope (it has: ${has.join(', ') || 'no scopes'}); add delete:packages (with read:packages).`
    }
    return `${what} The token has delete:packages, so its user lacks admin permission on the package: give that user the Admin role on the package (package settings → Manage access), or use a token of a user who has it.`
  }
  return (
    `${what} It is not a classic personal access token (GitHub reports no OAuth scopes for it), e.g. the Actions GITHUB_TOKEN: ` +
    'grant the workflow `permissions: packages: write` and give the workflow\'s repository the Admin role on the package ' +
    '(package settings → Manage Actions access). Fine-grained personal access tokens cannot delete packages; use a classic one with delete:packages.'
  )
}

/** The most of a REST answer the action reads (contract 1.2, Big answers): larger ones are refused, never held whole. */
export const MAX_REST_ANSWER_BYTES = 32 * 1024 * 1024

/**
 * A REST answer larger than MAX_REST_ANSWER_BYTES: announced by its Content-Length, or found as
 * the streamed bytes passed the limit (the rest is not read). Named AbortError so that Octokit
 * passes it on unchanged instead of retrying it as an "HTTP 500" (it would be as large again).
 */
export class AnswerTooLargeError extends Error {
  override name = 'AbortError'

  constructor(
    /** "GET /orgs/acme/packages/container/web/versions?page=3", for messages. */
    readonly request: string,
    readonly bytes: number,
    /** From Content-Length, before any byte was read. */
    readonly announced: boolean,
    readonly limit: number
  ) {
    super(
      `GitHub answered ${request} with ${announced ? `a body of ${formatMiB(bytes)} (its Content-Length)` : `more than ${formatMiB(limit)}`}; ` +
        `the limit is ${formatMiB(limit)}, so the answer was not read`
    )
  }

  // Octokit marks an AbortError with status 500 as it passes it on; this is not an HTTP status.
  get status(): undefined {
    return undefined
  }

  set status(_ignored: unknown) {}
}

function formatMiB(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`
}
