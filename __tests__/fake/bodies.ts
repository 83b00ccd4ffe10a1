// JSON bodies shaped as GitHub's OpenAPI schemas: simple-user, public-user, private-user,
// package (with minimal-repository) and package-version. openapi.test.ts holds them to that.
import type { Account, StoredPackage, StoredVersion } from './state.js'
import { githubTime } from './state.js'

const WEB = 'https://github.com'
const ACCOUNT_CREATED = '2020-01-01T00:00:00Z'

function nodeId(kind: string, id: number): string {
  return Buffer.from(`04:${kind}${id}`).toString('base64')
}

/** simple-user: what GitHub embeds as a package or repository owner. */
export function simpleUser(account: Account, api: string): Record<string, unknown> {
  const url = `${api}/users/${account.login}`
  return {
    login: account.login,
    id: account.id,
    node_id: nodeId(account.type, account.id),
    avatar_url: `https://avatars.githubusercontent.com/u/${account.id}?v=4`,
    gravatar_id: '',
    url,
    html_url: `${WEB}/${account.login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: account.type,
    user_view_type: 'public',
    site_admin: false
  }
}

/** public-user: GET /users/{username}, for users and organizations alike. */
export function publicUser(account: Account, api: string): Record<string, unknown> {
  return {
    ...simpleUser(account, api),
    name: null,
    company: null,
    blog: '',
    location: null,
    email: null,
    hireable: null,
    bio: null,
    twitter_username: null,
    public_repos: 0,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: ACCOUNT_CREATED,
    updated_at: ACCOUNT_CREATED
  }
}

/** private-user: GET /user, the token's own account with its private counters. */
export function privateUser(account: Account, api: string): Record<string, unknown> {
  return {
    ...publicUser(account, api),
    private_gists: 0,
    total_private_repos: 0,
    owned_private_repos: 0,
    disk_usage: 0,
    collaborators: 0,
    two_factor_authentication: true,
    plan: { name: 'free', space: 976562499, collaborators: 0, private_repos: 10000 }
  }
}

/** The package's REST URL in its owner's canonical form (names percent-encoded, "/" included). */
export function packageApiUrl(pkg: StoredPackage, api: string): string {
  const owner = pkg.owner.type === 'Organization' ? `orgs/${pkg.owner.login}` : `users/${pkg.owner.login}`
  return `${api}/${owner}/packages/${pkg.type}/${encodeURIComponent(pkg.name)}`
}

function packageHtmlUrl(pkg: StoredPackage): string {
  const owner = pkg.owner.type === 'Organization' ? `orgs/${pkg.owner.login}` : `users/${pkg.owner.login}`
  return `${WEB}/${owner}/packages/${pkg.type}/package/${encodeURIComponent(pkg.name)}`
}

/** package. GitHub's schema only knows public|private; an internal package is reported as held. */
export function packageBody(pkg: StoredPackage, activeCount: number | undefined, api: string): Record<string, unknown> {
  const created = pkg.versions.map((v) => v.createdAt).sort()
  const updated = pkg.versions.map((v) => v.updatedAt).sort()
  return {
    id: pkg.id,
    name: pkg.name,
    package_type: pkg.type,
    owner: simpleUser(pkg.owner, api),
    ...(activeCount === undefined ? {} : { version_count: activeCount }),
    visibility: pkg.visibility,
    url: packageApiUrl(pkg, api),
    created_at: created[0] ?? ACCOUNT_CREATED,
    updated_at: updated[updated.length - 1] ?? ACCOUNT_CREATED,
    ...(pkg.repository ? { repository: repositoryBody(pkg.repository, pkg.visibility !== 'public', api) } : {}),
    html_url: packageHtmlUrl(pkg)
  }
}

/** package-version; container versions carry their tags in metadata.container. */
export function versionBody(pkg: StoredPackage, version: StoredVersion, api: string): Record<string, unknown> {
  const ownerPath = `${pkg.owner.type === 'Organization' ? 'orgs' : 'users'}/${pkg.owner.login}`
  return {
    id: version.id,
    name: version.name,
    url: `${packageApiUrl(pkg, api)}/versions/${version.id}`,
    package_html_url: packageHtmlUrl(pkg),
    created_at: version.createdAt,
    updated_at: version.updatedAt,
    ...(version.deletedAt ? { deleted_at: githubTime(version.deletedAt) } : {}),
    html_url: `${WEB}/${ownerPath}/packages/${pkg.type}/${encodeURIComponent(pkg.name)}/${version.id}`,
    metadata:
      pkg.type === 'container'
        ? { package_type: 'container', container: { tags: [...version.tags] } }
        : { package_type: pkg.type }
  }
}

/** minimal-repository, as embedded in a package linked to a repository. */
function repositoryBody(repo: NonNullable<StoredPackage['repository']>, isPrivate: boolean, api: string): Record<string, unknown> {
  const fullName = `${repo.owner.login}/${repo.name}`
  const url = `${api}/repos/${fullName}`
  return {
    id: repo.id,
    node_id: nodeId('Repository', repo.id),
    name: repo.name,
    full_name: fullName,
    private: isPrivate,
    owner: simpleUser(repo.owner, api),
    html_url: `${WEB}/${fullName}`,
    description: null,
    fork: false,
    url,
    archive_url: `${url}/{archive_format}{/ref}`,
    assignees_url: `${url}/assignees{/user}`,
    blobs_url: `${url}/git/blobs{/sha}`,
    branches_url: `${url}/branches{/branch}`,
    collaborators_url: `${url}/collaborators{/collaborator}`,
    comments_url: `${url}/comments{/number}`,
    commits_url: `${url}/commits{/sha}`,
    compare_url: `${url}/compare/{base}...{head}`,
    contents_url: `${url}/contents/{+path}`,
    contributors_url: `${url}/contributors`,
    deployments_url: `${url}/deployments`,
    downloads_url: `${url}/downloads`,
    events_url: `${url}/events`,
    forks_url: `${url}/forks`,
    git_commits_url: `${url}/git/commits{/sha}`,
    git_refs_url: `${url}/git/refs{/sha}`,
    git_tags_url: `${url}/git/tags{/sha}`,
    hooks_url: `${url}/hooks`,
    issue_comment_url: `${url}/issues/comments{/number}`,
    issue_events_url: `${url}/issues/events{/number}`,
    issues_url: `${url}/issues{/number}`,
    keys_url: `${url}/keys{/key_id}`,
    labels_url: `${url}/labels{/name}`,
    languages_url: `${url}/languages`,
    merges_url: `${url}/merges`,
    milestones_url: `${url}/milestones{/number}`,
    notifications_url: `${url}/notifications{?since,all,participating}`,
    pulls_url: `${url}/pulls{/number}`,
    releases_url: `${url}/releases{/id}`,
    stargazers_url: `${url}/stargazers`,
    statuses_url: `${url}/statuses/{sha}`,
    subscribers_url: `${url}/subscribers`,
    subscription_url: `${url}/subscription`,
    tags_url: `${url}/tags`,
    teams_url: `${url}/teams`,
    trees_url: `${url}/git/trees{/sha}`
  }
}
