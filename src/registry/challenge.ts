// Parsing of the registry's `WWW-Authenticate` challenge (RFC 7235 auth-params), e.g.
//   Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:acme/web:pull"

export interface BearerChallenge {
  scheme: 'bearer'
  realm: string
  service?: string
  scope?: string
}

export interface BasicChallenge {
  scheme: 'basic'
}

export type Challenge = BearerChallenge | BasicChallenge

// One auth-param: name=token or name="quoted \"string\"".
const PARAM = /\s*([A-Za-z][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))\s*(?:,|$)/y
const SCHEME = /\s*([A-Za-z][\w-]*)(?=\s|$)/y

/** Parses the challenges of one header; a header may carry several ("Basic realm=…, Bearer realm=…"). */
function parseChallenges(header: string): Array<{ scheme: string; params: Record<string, string> }> {
  const challenges: Array<{ scheme: string; params: Record<string, string> }> = []
  let at = 0
  while (at < header.length) {
    SCHEME.lastIndex = at
    const scheme = SCHEME.exec(header)
    if (!scheme) break
    at = SCHEME.lastIndex
    const params: Record<string, string> = {}
    for (;;) {
      PARAM.lastIndex = at
      const param = PARAM.exec(header)
      if (!param) break
      params[param[1].toLowerCase()] = param[2] !== undefined ? param[2].replace(/\\(.)/g, '$1') : param[3]
      at = PARAM.lastIndex
    }
    challenges.push({ scheme: scheme[1].toLowerCase(), params })
    // Separators before the next scheme; each pass consumed at least the scheme, so this ends.
    while (at < header.length && (header[at] === ',' || header[at] === ' ')) at++
  }
  return challenges
}

/** The Bearer challenge if there is one (preferred), else Basic; undefined when neither is usable. */
export function parseChallenge(header: string | null | undefined): Challenge | undefined {
  if (!header) return undefined
  const challenges = parseChallenges(header)
  const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params.realm)
  if (bearer) {
    const challenge: BearerChallenge = { scheme: 'bearer', realm: bearer.params.realm }
    if (bearer.params.service) challenge.service = bearer.params.service
    if (bearer.params.scope) challenge.scope = bearer.params.scope
    return challenge
  }
  return challenges.some((c) => c.scheme === 'basic') ? { scheme: 'basic' } : undefined
}
