// Registry requests honour the runner's proxy settings (https_proxy, http_proxy, no_proxy) as
// Octokit's REST requests do through @actions/github: @actions/http-client decides whether a URL
// goes through a proxy and builds undici's ProxyAgent for it. Node's own fetch ignores them, so
// behind a proxy every manifest read would fail and every container package would fail closed.
import { HttpClient } from '@actions/http-client'
import { fetch as undiciFetch, type Dispatcher } from 'undici'

/** A fetch that sends each request through the proxy its URL's origin calls for, if any. */
export function proxyAwareFetch(): typeof fetch {
  const dispatchers = new Map<string, Dispatcher | undefined>()
  const dispatcherFor = (url: URL): Dispatcher | undefined => {
    if (!dispatchers.has(url.origin)) {
      // keepAlive: one ProxyAgent per origin, reusing its connections (without it, a new agent each call).
      dispatchers.set(url.origin, new HttpClient('package-retention', undefined, { keepAlive: true }).getAgentDispatcher(url.origin))
    }
    return dispatchers.get(url.origin)
  }
  return (input, init) => {
    const url = new URL(input instanceof Request ? input.url : input)
    const dispatcher = dispatcherFor(url)
    if (!dispatcher) return fetch(input, init)
    // undici's fetch and Node's share the WHATWG shapes the registry client uses (status, headers, body).
    return undiciFetch(url, { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher }) as unknown as Promise<Response>
  }
}
