/** The live progress view's count line per row (what the rows of tests/ui/tests/progress.spec.ts read). */
import { describe, expect, it } from 'vitest';

import { IRow, counts } from './progress';

const row = (counted: Partial<IRow>): IRow => ({
  job: '',
  label: 'stage 3',
  total: 10,
  done: 0,
  running: 0,
  failed: 0,
  memory: 0,
  skipped: false,
  ...counted
});

describe('counts', () => {
  it.each([
    [row({ done: 4 }), '4/10'],
    [row({ done: 4, running: 2, failed: 1 }), '4/10 · 2 running · 1 failed'],
    [row({ done: 3, memory: 3 }), '3/10 · 3 in memory'],
    [row({ done: 2, running: 1, skipped: true }), 'skipped']
  ])('%o -> %s', (given, text) => {
    expect(counts(given)).toBe(text);
  });
});
