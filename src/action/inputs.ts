// The only module that reads the action's inputs and environment: it builds one typed
// Settings object, or reports every invalid input at once, before any API request.
import * as core from '@actions/core'

export interface Settings {
  token: string
  /** A path to a policy file, or inline YAML (a value containing a newline). */
  policy: string
  dryRun: boolean
  /** The `owner` input; overrides the policy's owner. */
  ownerInput?: string
  /** GITHUB_REPOSITORY_OWNER: the owner when neither the input nor the policy names one. */
  repositoryOwner?: string
  /** The `max-deletions` input; overrides the policy's limits.max-deletions. */
  maxDeletionsInput?: number
  maxDeletesPerMinute: number
  registryUrl: string
  restoreFrom?: string
  /** The `manifest-cache` input: keep manifest bodies in the Actions cache between runs. */
  manifestCache: boolean
  /** GITHUB_RUN_ID and GITHUB_RUN_ATTEMPT: the manifest cache saves one entry per run. */
  runId?: string
  runAttempt?: string
  apiUrl: string
  workspace: string
  runnerTemp: string
}

export class InputError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'))
    this.name = 'InputError'
  }
}

export const MAX_DELETES_PER_MINUTE_CEILING = 180

/** The spellings the toolkit's getBooleanInput accepts (YAML 1.2 core schema). */
const TRUE_VALUES: ReadonlySet<string> = new Set(['true', 'True', 'TRUE'])
const FALSE_VALUES: ReadonlySet<string> = new Set(['false', 'False', 'FALSE'])

function parseBooleanInput(name: string, value: string, problems: string[]): boolean {
  if (TRUE_VALUES.has(value)) return true
  if (FALSE_VALUES.has(value)) return false
  problems.push(`input '${name}': '${value}' is not a boolean; use true or false`)
  return true
}

function parseIntegerInput(name: string, value: string, min: number, max: number, problems: string[]): number | undefined {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`
    problems.push(`input '${name}': '${value}' is not valid; use ${range}`)
    return undefined
  }
  return Number(value)
}

/** The registry that serves containers for the GitHub instance at `serverUrl`. */
export function defaultRegistryUrl(serverUrl: string): string {
  let host: string
  try {
    host = new URL(serverUrl).hostname.toLowerCase()
  } catch {
    return 'https://ghcr.io'
  }
  if (host === 'github.com' || host === 'www.github.com') return 'https://ghcr.io'
  // GHE.com (data residency) serves containers at containers.SUBDOMAIN.ghe.com; GHES at containers.HOST.
  return `https://containers.${host}`
}

export function getSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const problems: string[] = []
  const input = (name: string): string => core.getInput(name).trim()

  const token = core.getInput('token')
  if (!token) {
    problems.push("input 'token' is empty; pass a token (the default is ${{ github.token }}, which needs `permissions: packages: write` to delete)")
  } else {
    core.setSecret(token)
  }

  const policy = core.getInput('policy') || '.github/package-retention.yml'
  const dryRun = parseBooleanInput('dry-run', input('dry-run') || 'true', problems)
  const manifestCache = parseBooleanInput('manifest-cache', input('manifest-cache') || 'true', problems)
  const maxDeletionsRaw = input('max-deletions')
  const maxDeletionsInput = maxDeletionsRaw ? parseIntegerInput('max-deletions', maxDeletionsRaw, 1, Number.MAX_SAFE_INTEGER, problems) : undefined
  const maxDeletesPerMinute =
    parseIntegerInput('max-deletes-per-minute', input('max-deletes-per-minute') || '60', 1, MAX_DELETES_PER_MINUTE_CEILING, problems) ?? 60

  const registryUrl = input('registry-url') || defaultRegistryUrl(env.GITHUB_SERVER_URL || 'https://github.com')
  if (!/^https?:\/\/[^/]+/.test(registryUrl)) problems.push(`input 'registry-url': '${registryUrl}' is not an http(s) URL`)

  const apiUrl = (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, '')
  if (problems.length > 0) throw new InputError(problems)

  return {
    token,
    policy,
    dryRun,
    ownerInput: input('owner') || undefined,
    repositoryOwner: env.GITHUB_REPOSITORY_OWNER || undefined,
    maxDeletionsInput,
    maxDeletesPerMinute,
    registryUrl: registryUrl.replace(/\/+$/, ''),
    restoreFrom: input('restore-from') || undefined,
    manifestCache,
    runId: env.GITHUB_RUN_ID || undefined,
    runAttempt: env.GITHUB_RUN_ATTEMPT || undefined,
    apiUrl,
    workspace: env.GITHUB_WORKSPACE || process.cwd(),
    runnerTemp: env.RUNNER_TEMP || env.TMPDIR || '/tmp'
  }
}
