/**
 * What a click on a plot's saved still says (the notebook reopened without its kernel): that
 * inspecting needs the running kernel, naming the plot, as plain text.
 */
import { describe, expect, it } from 'vitest';

import { stillClickText } from './plotNote';

describe('stillClickText', () => {
  it('says inspect needs the running kernel and names the plot', () => {
    const text = stillClickText('count of y vs x (dask)');
    expect(text).toContain('Inspect needs the running kernel');
    expect(text).toContain('count of y vs x (dask)');
    expect(text).toContain('Run the cell again');
  });

  it('reads well without a title', () => {
    expect(stillClickText('')).toBe(
      'Inspect needs the running kernel: this is a saved picture. Run the cell again to inspect its pixels.'
    );
  });
});
