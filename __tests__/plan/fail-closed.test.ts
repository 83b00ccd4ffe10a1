// A manifest a decision needs could not be read: nothing in that package is deleted, with a warning.
import { container, containerOf, deletedIds, multiArch, packagePlan, plan, policy, rule } from './builders.js'

const DIGEST = `sha256:${'ab'.repeat(32)}`

describe('fail closed', () => {
  it('keeps every version of the package, without groups, and warns', () => {
    const web = containerOf('web', multiArch(10, { tags: ['pr-1'], age: 40 }), multiArch(20, { age: 40 }))
    web.unreadable = [{ digest: DIGEST, reason: 'HTTP 500 after 3 attempts' }]
    const api = containerOf('api', multiArch(30, { age: 40 }), multiArch(40, { tags: ['v1'] }))
    const result = plan(policy([rule('all', { names: ['*'] })]), [web, api])

    const webPlan = packagePlan(result)
    expect(webPlan.warning).toBe(
      `left untouched: manifest ${DIGEST} of container/web could not be read (HTTP 500 after 3 attempts); nothing in this package is deleted`
    )
    expect(webPlan.groups).toEqual([])
    expect(webPlan.versions).toHaveLength(6)
    for (const v of webPlan.versions) {
      expect(v.decision).toBe('keep')
      expect(v.reason).toBe(`kept: package left untouched, manifest ${DIGEST} could not be read`)
    }
    // Roles are still reported.
    expect(webPlan.versions.find((v) => v.id === 11)).toMatchObject({ role: 'dependant', belongsTo: [10] })
    // Other packages are unaffected.
    expect(deletedIds(result, 'container/api')).toEqual([30, 31, 32])
    expect(result.scheduled.every((g) => g.packageKey === 'container/api')).toBe(true)
  })

  it('names several unreadable manifests', () => {
    const web = container('web', [])
    web.unreadable = [
      { digest: 'sha256:1111111111111111', reason: 'timeout' },
      { digest: 'sha256:2222222222222222', reason: 'HTTP 502' }
    ]
    const result = plan(policy([rule('all', {})]), [web])
    expect(packagePlan(result).warning).toBe(
      'left untouched: manifests sha256:1111111111111111, sha256:2222222222222222 of container/web could not be read ' +
        '(sha256:111111111111: timeout; sha256:222222222222: HTTP 502); nothing in this package is deleted'
    )
  })

  it('a readable package has no warning', () => {
    const result = plan(policy([rule('all', {})]), [container('web', [])])
    expect(packagePlan(result).warning).toBeUndefined()
  })
})
