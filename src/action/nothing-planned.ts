// Contract 1.1, exit status: a run that could plan nothing at all fails, saying what to do. Some
// packages missing among several, or some left untouched, stay warnings.
import type { Plan, Policy } from '../model.js'
import { packageKey } from '../model.js'

const ACCESS_ADVICE =
  "If the names are right, the token cannot see the packages: with the Actions GITHUB_TOKEN, give this workflow's repository " +
  "access to each package (package settings → Manage Actions access) and grant `permissions: packages: read` (`write` to delete); " +
  'or use a classic personal access token with read:packages (and delete:packages to delete) as the `token` input.'

/** Why the run must fail because it could plan nothing, or undefined when it planned something. */
export function nothingPlannedFailure(policy: Policy, owner: string, missing: readonly string[], plan: Plan): string | undefined {
  if (plan.packages.length === 0) {
    const what =
      missing.length > 0
        ? `None of the packages the policy names was found (owner '${owner}'): ${missing.join(', ')}.`
        : `No package of owner '${owner}' matches the policy's names: ${namedPackages(policy).join(', ')}.`
    return `${what} Check the names in packages.names and the owner. ${ACCESS_ADVICE}`
  }
  if (plan.packages.every(pkg => pkg.warning !== undefined)) {
    const keys = plan.packages.map(pkg => pkg.key).join(', ')
    return (
      `Every package was left untouched for safety, so nothing could be planned: ${keys} (see the warnings for each). ` +
      'Run again once the cause is gone (another workflow changing the packages, a registry that could not be read).'
    )
  }
  return undefined
}

function namedPackages(policy: Policy): string[] {
  const keys = policy.rules.flatMap(rule => rule.packages.names.filter(n => !n.startsWith('!')).map(name => packageKey({ type: rule.packages.type, name })))
  return [...new Set(keys)]
}
