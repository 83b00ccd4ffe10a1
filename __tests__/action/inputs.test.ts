import { defaultRegistryUrl, getSettings, InputError } from '../../src/action/inputs.js'

const saved = { ...process.env }
afterEach(() => {
  process.env = { ...saved }
})

function setInputs(inputs: Record<string, string>): void {
  for (const key of Object.keys(process.env)) if (key.startsWith('INPUT_')) delete process.env[key]
  for (const [name, value] of Object.entries(inputs)) process.env[`INPUT_${name.toUpperCase()}`] = value
}

test('defaults follow the contract', () => {
  setInputs({ token: 't' })
  process.env.GITHUB_API_URL = 'http://127.0.0.1:1/'
  process.env.GITHUB_REPOSITORY_OWNER = 'acme'
  const settings = getSettings()
  expect(settings).toMatchObject({
    policy: '.github/package-retention.yml',
    dryRun: true,
    maxDeletesPerMinute: 60,
    maxDeletionsInput: undefined,
    repositoryOwner: 'acme',
    apiUrl: 'http://127.0.0.1:1',
    registryUrl: 'https://ghcr.io',
    manifestCache: true
  })
})

test('manifest-cache takes the boolean spellings the toolkit accepts; the run id keys its entry', () => {
  setInputs({ token: 't', 'manifest-cache': 'False' })
  process.env.GITHUB_RUN_ID = '4242'
  process.env.GITHUB_RUN_ATTEMPT = '2'
  expect(getSettings()).toMatchObject({ manifestCache: false, runId: '4242', runAttempt: '2' })
  setInputs({ token: 't', 'manifest-cache': 'TRUE' })
  expect(getSettings().manifestCache).toBe(true)
})

test('every invalid input is reported at once', () => {
  setInputs({ token: '', 'dry-run': 'yes', 'manifest-cache': 'off', 'max-deletions': '0', 'max-deletes-per-minute': '181' })
  let error: unknown
  try {
    getSettings()
  } catch (e) {
    error = e
  }
  expect(error).toBeInstanceOf(InputError)
  expect((error as InputError).problems).toEqual([
    expect.stringContaining("input 'token' is empty"),
    "input 'dry-run': 'yes' is not a boolean; use true or false",
    "input 'manifest-cache': 'off' is not a boolean; use true or false",
    "input 'max-deletions': '0' is not valid; use an integer >= 1",
    "input 'max-deletes-per-minute': '181' is not valid; use an integer from 1 to 180"
  ])
})

test.each([
  ['https://github.com', 'https://ghcr.io'],
  ['https://ghes.example.com', 'https://containers.ghes.example.com'],
  ['https://octocorp.ghe.com', 'https://containers.octocorp.ghe.com']
])('the registry for %s is %s', (server, registry) => {
  expect(defaultRegistryUrl(server)).toBe(registry)
})
