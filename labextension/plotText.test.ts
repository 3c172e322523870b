import { describe, expect, it } from 'vitest';

import { g6, plotText } from './plotText';

describe('plotText', () => {
  it('names the window a point or line plot shows, as the kernel writes it', () => {
    expect(plotText('count of y vs x (pandas)', [-1, 1], [0, 2])).toBe(
      'lazyscope plot: count of y vs x (pandas), x -1..1, y 0..2'
    );
    expect(plotText('y vs t (dask)', [0.5, 1234567], [1e-5, 2], 'line')).toBe(
      'lazyscope plot: y vs t (dask), x 0.5..1.23457e+06, y 1e-05..2'
    );
  });

  it('names the bars of a bar chart, whatever window it is panned to', () => {
    const title = 'count of rows per k (dask), top 20 of 143 + other';
    expect(plotText(title, [-0.5, 20.5], [0, 9], 'bar')).toBe(`lazyscope bar: ${title}`);
  });

  it('writes numbers as Python does with .6g', () => {
    expect([0, -0, 0.0001, 0.00001, 123456, 1234567, NaN, -Infinity].map(g6)).toEqual([
      '0',
      '-0',
      '0.0001',
      '1e-05',
      '123456',
      '1.23457e+06',
      'nan',
      '-inf'
    ]);
  });
});
