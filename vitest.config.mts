// TypeScript unit tests: labextension/**/*.test.ts, in Node (the code under test is pure
// functions and JSON fixtures; nothing here needs a browser). `jlpm test` runs them, and so
// does pytest (tests/test_ts_unit.py).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['labextension/**/*.test.ts'],
    environment: 'node'
  }
});
