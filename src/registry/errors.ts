// Typed registry failures. Each message says what happened and what to do about it, because it ends
// up verbatim in the fail-closed warning of the package.

export type RegistryErrorCode =
  | 'UNAUTHORIZED' // 401: no or refused credentials
  | 'DENIED' // 403: credentials valid, pull not allowed
  | 'MANIFEST_UNKNOWN' // 404 for this manifest
  | 'NAME_UNKNOWN' // 404 for the repository
  | 'TOOMANYREQUESTS' // 429 after retries, or a Retry-After longer than this run waits
  | 'UNAVAILABLE' // 5xx after retries
  | 'NETWORK' // connection failures after retries
  | 'TIMEOUT' // no answer (or a body trickling in) within the time a read may take
  | 'TOO_LARGE' // a body over the size limit, refused unread
  | 'DIGEST_MISMATCH' // the served bytes do not hash to the requested digest
  | 'MANIFEST_INVALID' // not JSON, too large, or not a manifest
  | 'NAME_INVALID' // the repository path is not a valid OCI name
  | 'REFERENCE_INVALID' // neither a tag nor a digest
  | 'TOKEN_INVALID' // the token service answered without a token, or at an untrusted realm
  | 'NOT_FOUND' // 404 without a known code (a registry without a tags list)
  | 'TAGS_LIST_INVALID' // (1.2) a tags list that is not `{"tags": [...]}`
  | 'TAGS_LIST_TOO_LONG' // (1.2) a tags list whose pages never end
  | 'UNEXPECTED' // any other status

export class RegistryError extends Error {
  constructor(
    message: string,
    readonly code: RegistryErrorCode,
    /** HTTP status of the last answer; absent for network and local failures. */
    readonly status?: number
  ) {
    super(message)
    this.name = 'RegistryError'
  }
}

/** The `errors[0]` of an OCI error body (`{"errors":[{"code":"MANIFEST_UNKNOWN","message":…}]}`), if any. */
export function registryErrorDetail(body: Buffer): { code?: string; message?: string } {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { errors?: Array<{ code?: unknown; message?: unknown }> }
    const first = parsed.errors?.[0]
    if (!first) return {}
    return {
      code: typeof first.code === 'string' ? first.code : undefined,
      message: typeof first.message === 'string' ? first.message : undefined
    }
  } catch {
    return {}
  }
}

const PULL_ADVICE =
  'A GITHUB_TOKEN needs `permissions: packages: read` (or write) and the workflow\'s repository granted access to the package; ' +
  'a personal access token (classic) needs read:packages'

export function pullAdvice(repository: string, registryHost: string, what: string): string {
  return `the token cannot pull ${repository} from ${registryHost}: ${what}. ${PULL_ADVICE}`
}

/**
 * The run's failure when the registry let it read no package at all: an authentication failure
 * (contract: not packages to leave untouched), with the first refusal per repository and what to do.
 */
export function registryUnusableMessage(registryHost: string, failures: ReadonlyArray<readonly [string, RegistryError]>): string {
  // Each refusal without its own copy of the advice, which is said once below.
  const shown = failures.slice(0, 3).map(([repo, error]) => `${repo}: ${error.message.replace(` ${PULL_ADVICE}`, '')}`)
  const more = failures.length > shown.length ? ` (and ${failures.length - shown.length} more)` : ''
  return (
    `Authentication to the container registry ${registryHost} failed for every container package (${failures.length}), so no image could be judged and nothing was deleted. ` +
    `${shown.join(' | ')}${more}. ` +
    'What to do: give the `token` input pull access to the packages — a GITHUB_TOKEN needs `permissions: packages: read` (or write) and the workflow\'s repository ' +
    "granted access in each package's settings (Manage Actions access); a classic personal access token needs read:packages — " +
    `and check that \`registry-url\` (${registryHost}) is the registry of this GitHub instance.`
  )
}
