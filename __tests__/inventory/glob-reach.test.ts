import type { Rule } from '../../src/model.js'
import { packagesNotReached } from '../../src/inventory/glob-reach.js'

const rule = (names: string[], type: Rule['packages']['type'] = 'container'): Rule => ({ name: names.join(','), packages: { type, names }, match: { ageFrom: 'updated' }, keep: { tags: [], versions: [] } })

test('`*` skips team/tools: named, as `**` would have reached it', () => {
  expect(packagesNotReached([rule(['*'])], 'container', ['web', 'api', 'team/tools', 'team/sub/deep'])).toEqual(['team/tools', 'team/sub/deep'])
})

test('a glob with a prefix reaches what its * would cross into; unrelated names are not named', () => {
  expect(packagesNotReached([rule(['api-*'])], 'container', ['api-web', 'api-team/x', 'web/x', 'other'])).toEqual(['api-team/x'])
  expect(packagesNotReached([rule(['team/*'])], 'container', ['team/web', 'team/a/b', 'other/a'])).toEqual(['team/a/b'])
})

test('packages another rule chose, or a `!` glob excludes, or of another type, are not named', () => {
  expect(packagesNotReached([rule(['*']), rule(['team/*'])], 'container', ['team/tools', 'team/a/b'])).toEqual(['team/a/b'])
  expect(packagesNotReached([rule(['*', '!team/*'])], 'container', ['team/tools'])).toEqual([])
  expect(packagesNotReached([rule(['*'], 'npm')], 'container', ['team/tools'])).toEqual([])
  expect(packagesNotReached([rule(['**'])], 'container', ['team/tools'])).toEqual([])
})
