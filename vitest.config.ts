import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // One migrated embedded database for the run, which every test file's storage copies.
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    // Test files share each worker's loaded modules instead of re-importing the gateway (~1 s a
    // file, 100 files): every file builds its own storage, gateway and clock, and none mocks a
    // module (test/security/log-capture.ts hands the gateway a capturing logger instead).
    isolate: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // PGlite and argon2 are CPU-heavy; two cores, two workers.
    maxWorkers: 2,
  },
});
