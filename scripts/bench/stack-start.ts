// The chosen stack alone, for the cold-start benchmark: @actions/core reads an input and
// @actions/github's Octokit, with the throttling and retry plugins, makes one request. Bundled by
// ncc like the action, it is what any action on this stack pays before its first request, without
// this action's own code (policy parsing and validation, its modules).
import * as core from '@actions/core'
import { getOctokit } from '@actions/github'
import { retry } from '@octokit/plugin-retry'
import { throttling } from '@octokit/plugin-throttling'

const octokit = getOctokit(
  core.getInput('token'),
  { baseUrl: process.env.GITHUB_API_URL, throttle: { onRateLimit: () => false, onSecondaryRateLimit: () => false }, retry: { retries: 0 } },
  throttling,
  retry
)
await octokit.request('GET /rate_limit').catch(() => undefined)
