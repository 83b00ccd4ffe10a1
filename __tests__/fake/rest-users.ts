// GET /users/{username} (which owner form to use) and GET /user (who the token is).
import type { Route } from './server.js'
import { githubError, type RestApi } from './rest-api.js'
import { privateUser, publicUser } from './bodies.js'
import type { FakeState } from './state.js'

export function restUserRoutes(api: RestApi, state: FakeState): Route[] {
  const userDocs = 'https://docs.github.com/rest/users/users#get-a-user'
  const selfDocs = 'https://docs.github.com/rest/users/users#get-the-authenticated-user'
  return [
    api.route({ method: 'GET', template: '/users/{username}', docs: userDocs, anonymous: true }, (req) => {
      const account = state.account(req.params.username ?? '')
      if (!account) return githubError(404, 'Not Found', userDocs)
      return { status: 200, body: publicUser(account, req.baseUrl) }
    }),
    api.route({ method: 'GET', template: '/user', docs: selfDocs }, (req, actor) => {
      // A GITHUB_TOKEN is an installation token: there is no user behind it.
      if (actor?.seed.kind !== 'pat') return githubError(403, 'Resource not accessible by integration', selfDocs)
      const account = state.account(actor.seed.login ?? '')
      if (!account) return githubError(404, 'Not Found', selfDocs)
      return { status: 200, body: privateUser(account, req.baseUrl) }
    })
  ]
}
