import { compileGlobs, compilePackageNameFilter } from '../../src/policy/glob.js'

describe('compileGlobs', () => {
  it('matches nothing with no globs', () => {
    const matches = compileGlobs([])
    expect(['', 'latest', 'anything'].some(matches)).toBe(false)
  })

  it('matches the whole value', () => {
    const matches = compileGlobs(['v1', 'pr-*'])
    expect(matches('v1')).toBe(true)
    expect(matches('v1.2')).toBe(false)
    expect(matches('xv1')).toBe(false)
    expect(matches('pr-42')).toBe(true)
    expect(matches('pr-')).toBe(true)
    expect(matches('my-pr-42')).toBe(false)
  })

  it('is true when any glob matches', () => {
    const matches = compileGlobs(['latest', 'v*', '*-SNAPSHOT'])
    expect(['latest', 'v2.0.1', '1.4-SNAPSHOT'].every(matches)).toBe(true)
    expect(matches('1.4')).toBe(false)
  })

  it('does not let * cross "/"', () => {
    expect(compileGlobs(['team/*'])('team/web')).toBe(true)
    expect(compileGlobs(['*'])('team/web')).toBe(false)
    expect(compileGlobs(['*'])('web')).toBe(true)
    expect(compileGlobs(['team/*'])('team/web/api')).toBe(false)
    expect(compileGlobs(['team/**'])('team/web/api')).toBe(true)
  })

  it('supports minimatch classes, braces and ?', () => {
    const matches = compileGlobs(['release-[0-9]*', '{stable,main}', 'rc?'])
    expect(['release-1', 'stable', 'main', 'rc1'].every(matches)).toBe(true)
    expect(['release-x', 'dev', 'rc10'].some(matches)).toBe(false)
  })

  it('matches names starting with a dot', () => {
    expect(compileGlobs(['*'])('.cache')).toBe(true)
  })

  it('treats a leading "!" or "#" literally (exclusions exist only in packages.names)', () => {
    expect(compileGlobs(['!web'])('web')).toBe(false)
    expect(compileGlobs(['!web'])('!web')).toBe(true)
    expect(compileGlobs(['#1'])('#1')).toBe(true)
  })

  it('is case-sensitive', () => {
    expect(compileGlobs(['Latest'])('latest')).toBe(false)
  })

  it('matches digests and cosign artifact tags', () => {
    expect(compileGlobs(['sha256:*'])(`sha256:${'a'.repeat(64)}`)).toBe(true)
    expect(compileGlobs(['sha256-*.sig'])(`sha256-${'a'.repeat(64)}.sig`)).toBe(true)
  })

  it('is fast enough for a million versions', () => {
    const matches = compileGlobs(['pr-*', 'v*', 'release-[0-9]*', 'sha256-*.sig'])
    const started = Date.now()
    let count = 0
    for (let i = 0; i < 1_000_000; i++) if (matches(i % 2 ? `pr-${i}` : `build-${i}`)) count++
    expect(count).toBe(500_000)
    expect(Date.now() - started).toBeLessThan(5_000)
  })
})

describe('compilePackageNameFilter', () => {
  it('chooses names matching a positive glob and no "!" glob', () => {
    const filter = compilePackageNameFilter(['web', 'api-*', '!api-legacy'])
    expect(filter.matches('web')).toBe(true)
    expect(filter.matches('api-gateway')).toBe(true)
    expect(filter.matches('api-legacy')).toBe(false)
    expect(filter.matches('worker')).toBe(false)
  })

  it('ignores the order of inclusions and exclusions', () => {
    const names = ['api-v1', 'api-legacy', 'web']
    const excludeFirst = compilePackageNameFilter(['!api-legacy', 'api-*'])
    const excludeLast = compilePackageNameFilter(['api-*', '!api-legacy'])
    expect(names.filter(excludeFirst.matches)).toEqual(['api-v1'])
    expect(names.filter(excludeLast.matches)).toEqual(['api-v1'])
  })

  it('lets an exclusion win over an inclusion of the same name', () => {
    const filter = compilePackageNameFilter(['web', '!web', 'api'])
    expect(filter.matches('web')).toBe(false)
    expect(filter.literalNames).toEqual(['api'])
  })

  it('treats only a leading "!" as an exclusion: hotfix-[!a-c] is an ordinary glob', () => {
    const filter = compilePackageNameFilter(['hotfix-[!a-c]'])
    expect(filter.matches('hotfix-d')).toBe(true)
    expect(filter.matches('hotfix-a')).toBe(false)
    expect(filter.needsListing).toBe(true)
  })

  it('uses names without glob magic as given, without listing', () => {
    const filter = compilePackageNameFilter(['web', 'team/api'])
    expect(filter.literalNames).toEqual(['web', 'team/api'])
    expect(filter.needsListing).toBe(false)
    expect(filter.matches('team/api')).toBe(true)
  })

  it('needs listing as soon as one positive name is a glob, and still reports the literal ones', () => {
    const filter = compilePackageNameFilter(['web', 'api-*', '!api-legacy'])
    expect(filter.literalNames).toEqual(['web'])
    expect(filter.needsListing).toBe(true)
  })

  it('does not need listing for glob exclusions alone', () => {
    const filter = compilePackageNameFilter(['web', 'worker', '!w*r'])
    expect(filter.needsListing).toBe(false)
    expect(filter.literalNames).toEqual(['web'])
  })

  it('follows minimatch on what is literal: escapes and brace alternatives', () => {
    const filter = compilePackageNameFilter(['{web,api}', 'a\\-b', 'web'])
    expect(filter.needsListing).toBe(false)
    expect(filter.literalNames).toEqual(['web', 'api', 'a-b'])
    expect(filter.matches('api')).toBe(true)
    expect(filter.matches('a-b')).toBe(true)
  })

  it('lets * in names stop at "/"', () => {
    const filter = compilePackageNameFilter(['team/*'])
    expect(filter.matches('team/web')).toBe(true)
    expect(filter.matches('web')).toBe(false)
    expect(compilePackageNameFilter(['*']).matches('team/web')).toBe(false)
  })

  it('chooses nothing with only exclusions (validation refuses such a policy)', () => {
    const filter = compilePackageNameFilter(['!web'])
    expect(filter.matches('api')).toBe(false)
    expect(filter.literalNames).toEqual([])
    expect(filter.needsListing).toBe(false)
  })
})
