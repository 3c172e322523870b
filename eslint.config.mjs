// ESLint for the front end: labextension/ (the lab extension, the widgets' ES modules and their
// unit tests). `jlpm lint` runs it, and pytest does (tests/test_lint_ts.py), beside `tsc --noEmit`.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  // Built output, and the browser tests' own package (tests/ui, with its own node_modules).
  { ignores: ['lib/', 'node_modules/', 'src/', 'tests/', '.tmp/'] },
  js.configs.recommended,
  tseslint.configs.recommended
);
