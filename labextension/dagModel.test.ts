/**
 * The DAG model against the fixtures the kernel's tests read too (tests/fixtures/frontend/,
 * checked in Python by tests/test_frontend_fixtures.py): the lab and the kernel's SVG say
 * and show the same things for the same payload.
 */
import { describe, expect, it } from 'vitest';

import progressCases from '../tests/fixtures/frontend/progress_text.json';
import { IDagProgress, progressText } from './dagModel';

describe('progressText', () => {
  it.each(progressCases.cases)('$text', ({ progress, text }) => {
    expect(progressText(progress as IDagProgress)).toBe(text);
  });
});
