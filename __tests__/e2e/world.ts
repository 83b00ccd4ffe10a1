// A small, realistic world for end-to-end tests: an organization, a user, tokens of each kind,
// and timestamps relative to the real clock (the action plans against its own "now").
import { manifestSeed } from '../fake/images.js'
import type { FakeOptions, FakePackageSeed, FakeTokenSeed, FakeVersionSeed } from '../fake/index.js'

export const PAT = 'ghp_e2eFullAccessToken0000000000000000'
export const READ_ONLY_PAT = 'ghp_e2eReadOnlyToken00000000000000000000'
export const ACTIONS_TOKEN = 'ghs_e2eActionsToken000000000000000000000'

const DAY_MS = 24 * 60 * 60 * 1000

export function daysAgo(days: number): string {
  return new Date(Date.now() - days * DAY_MS).toISOString()
}

/** The digest (version name) of the single-platform image made for a label. */
export function digest(label: string): string {
  return manifestSeed(label).name
}

export function containerVersion(label: string, tags: string[], ageDays: number, extra: Partial<FakeVersionSeed> = {}): FakeVersionSeed {
  return { ...manifestSeed(label), tags, created_at: daysAgo(ageDays), updated_at: daysAgo(ageDays), ...extra }
}

export function npmVersion(name: string, ageDays: number, extra: Partial<FakeVersionSeed> = {}): FakeVersionSeed {
  return { name, created_at: daysAgo(ageDays), updated_at: daysAgo(ageDays), ...extra }
}

export const TOKENS: FakeTokenSeed[] = [
  { token: PAT, kind: 'pat', login: 'octo', scopes: ['read:packages', 'delete:packages', 'write:packages'] },
  { token: READ_ONLY_PAT, kind: 'pat', login: 'reader', scopes: ['read:packages'] },
  { token: ACTIONS_TOKEN, kind: 'github-token', owner: 'acme', adminOn: ['acme/container/web'] }
]

export function world(packages: FakePackageSeed[], extra: Partial<FakeOptions> = {}): FakeOptions {
  return {
    accounts: [
      { login: 'acme', type: 'Organization' },
      { login: 'octo', type: 'User' },
      { login: 'reader', type: 'User' }
    ],
    tokens: TOKENS,
    packages,
    ...extra
  }
}
