// The policy schema is compiled at build time; a schema edit without `npm run build` must not pass unnoticed.
import { readFileSync } from 'node:fs'
import { generatePolicyValidator, VALIDATOR } from '../../scripts/generate-policy-validator.js'

describe('generated policy validator', () => {
  it('is what policies/policy.schema.json generates today', () => {
    expect(readFileSync(VALIDATOR, 'utf8')).toBe(generatePolicyValidator())
  })
})
