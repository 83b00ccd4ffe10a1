// ESM + TypeScript: ts-jest transpiles only (isolatedModules in tsconfig); `npm run typecheck` does the type checking.
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.check.json' }]
  },
  testTimeout: 60000,
  // Test files run in a worker that is replaced once it holds this much: on a 2-core machine jest
  // would otherwise run every file inside its own process, whose heap then grows with the suite.
  workerIdleMemoryLimit: '512MB'
}
