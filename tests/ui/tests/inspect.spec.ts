import { expect, type IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import type { Locator, Page } from '@playwright/test';

import { bokehRanges, setCells, watchErrors } from './_helpers';

/**
 * A big time series as a line in a real JupyterLab: it draws with its spikes, a wheel zoom
 * re-aggregates the window the user sees, and a click on a pixel column shows the rows
 * under it, the ones a pandas filter of that column's x interval finds, first in frame order;
 * a click on a bar of a bar chart shows the rows of its category.
 * pandas keeps the spec free of a JVM or a cluster: the widget is the same for every engine
 * (tests/test_plot_inspect_engines.py checks each engine's rows).
 */
const SOURCE = [
  'import lazyscope, numpy as np, pandas as pd',
  'x = np.arange(200_000, dtype=float)',
  'y = np.sin(x / 5_000 - 20)  # 0 in the middle, where the wheel zooms',
  'y[::20_000] += 3  # one-sample spikes, up and down',
  'y[10_000::20_000] -= 3',
  'df = pd.DataFrame({"x": x, "y": y, "note": "<b>$5</b>"})',
  'p = lazyscope.plot(df, "x", "y", kind="line", width=400, height=300)',
  'p'
].join('\n');

const CHECK = [
  'i = p.inspected',
  'column = df[(df.x >= i.x_range[0]) & (df.x < i.x_range[1])]',
  'print(i.count == len(column), i.rows.equals(column.head(5).reset_index(drop=True)))'
].join('\n');

// Three bars (x at 0, 1, 2): the middle of the figure is the middle bar.
const BARS = [
  'df["band"] = np.where(df.y > 0.5, "<b>high</b>", np.where(df.y < -0.5, "low", "mid"))',
  'b = lazyscope.plot(df, "band", kind="bar", width=300, height=200)',
  'b'
].join('\n');

const BAR_CHECK = [
  'j = b.inspected',
  'rows = df[df.band == j.category]',
  'print(j.pixel[0], j.count == len(rows), j.rows.equals(rows.head(5).reset_index(drop=True)))'
].join('\n');

/** Runs `source` in a new last cell. */
async function runLast(page: IJupyterLabPageFixture, source: string): Promise<void> {
  await setCells(page, [source], true);
  await page.notebook.runCell((await page.notebook.getCellCount()) - 1);
}

/** Runs `source` in a new last cell: what it prints must read `expected`. */
async function printsInKernel(page: IJupyterLabPageFixture, source: string, expected: string): Promise<void> {
  await runLast(page, source);
  const firstLine = source.split('\n')[0];
  const cell = page
    .locator('.jp-Notebook .jp-CodeCell')
    .filter({ has: page.locator('.jp-InputArea', { hasText: firstLine }) });
  await expect(cell.locator('.jp-OutputArea-output')).toHaveText(expected, { timeout: 60_000 });
}

/**
 * A click in the middle of the plot in `output` (at the pointer, as a user clicks: Bokeh's
 * event layer lies over the canvas): the readout under it, five rows, escaped, not typeset.
 */
async function clickMiddle(page: Page, output: Locator): Promise<Locator> {
  const box = (await output.locator('canvas').first().boundingBox())!;
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  const readout = output.locator('.lazyscope-inspect');
  await expect(readout.locator('table')).toBeVisible({ timeout: 60_000 });
  await expect(readout.locator('tbody tr')).toHaveCount(5);
  await expect(readout.locator('b, mjx-container')).toHaveCount(0);
  return readout;
}

/** The plot's x range: of its two ranges, the wide one (x spans 200,000, y about 5). */
async function xRange(page: Page): Promise<number[]> {
  const ranges = await bokehRanges(page);
  return ranges.reduce((a, b) => (a[1] - a[0] > b[1] - b[0] ? a : b));
}

test('a line plot zooms, and a click shows the rows under a pixel column', async ({ page }) => {
  test.setTimeout(240_000);
  const errors = watchErrors(page);
  await page.notebook.createNew();
  await setCells(page, [SOURCE]);
  await page.notebook.runCell(0);

  const output = page.locator('.jp-OutputArea-output', { has: page.locator('.widget-html') });
  const status = output.locator('.widget-html', { hasText: 'points in view' });
  await expect(status).toContainText('200,000 points in view', { timeout: 180_000 });
  const canvas = output.locator('canvas').first();
  await expect(canvas).toBeVisible();
  const home = await xRange(page);

  // A wheel zoom: the kernel re-aggregates the narrower window at full resolution.
  const box = (await canvas.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.wheel(0, -300);
  await expect(status).not.toContainText('200,000 points in view', { timeout: 60_000 });
  await expect(output.locator('.lazyscope-plot-busy')).toHaveCount(0);
  const zoomed = await xRange(page);
  expect(zoomed[1] - zoomed[0]).toBeLessThan(home[1] - home[0]);
  await page.screenshot({ path: test.info().outputPath('01-line-zoomed.png') });

  // A click: the pixel column's rows under the plot, escaped, never typeset.
  const readout = await clickMiddle(page, output);
  await expect(readout).toContainText('rows, showing 5');
  await expect(readout.locator('tbody')).toContainText('<b>$5</b>');
  await output.screenshot({ path: test.info().outputPath('02-line-inspected.png') });
  // The same rows as pandas finds in that column, in the kernel that drew it.
  await printsInKernel(page, CHECK, 'True True');

  // A bar chart of the same rows: a click on the middle bar shows that category's rows.
  await runLast(page, BARS);
  const bars = page.locator('.jp-OutputArea-output', {
    has: page.locator('.widget-html', { hasText: 'in 3 categories' })
  });
  await expect(bars.locator('canvas').first()).toBeVisible({ timeout: 60_000 });
  await expect(await clickMiddle(page, bars)).toContainText('band = ');
  await bars.screenshot({ path: test.info().outputPath('03-bar-inspected.png') });
  await printsInKernel(page, BAR_CHECK, '1 True True');
  expect(errors).toEqual([]);
});
