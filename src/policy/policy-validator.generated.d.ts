// Types of the generated standalone validator (scripts/generate-policy-validator.ts).
import type { ErrorObject } from 'ajv'

export interface PolicySchemaValidator {
  (data: unknown): boolean
  errors?: ErrorObject[] | null
}

export declare const validate: PolicySchemaValidator
export default validate
