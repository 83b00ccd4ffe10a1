// How packages and versions are named on the registry, and the grammars a request must respect
// (OCI distribution spec), checked before any request is sent.

// Path components separated by "/" (a GitHub package name may contain slashes), lowercase only.
const REPOSITORY = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/
const TAG = /^[\w][\w.-]{0,127}$/
/** Digests whose bytes can be checked with Node's hashes. */
const VERIFIABLE_DIGEST = /^(?:sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$/

/** The registry path of a package: "OWNER/NAME" lowercased (ghcr.io paths are), the name's slashes kept. */
export function registryRepository(owner: string, packageName: string): string {
  return `${owner}/${packageName}`.toLowerCase()
}

export function isValidRepository(repository: string): boolean {
  return REPOSITORY.test(repository)
}

export function isTag(reference: string): boolean {
  return TAG.test(reference)
}

export function isVerifiableDigest(reference: string): boolean {
  return VERIFIABLE_DIGEST.test(reference)
}
