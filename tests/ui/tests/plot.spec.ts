import { expect, test } from '@jupyterlab/galata';

import { bokehRanges, setCells } from './_helpers';

/**
 * lazyscope.plot in a real JupyterLab: the Bokeh plot appears with its axes in data
 * coordinates, and a wheel zoom in the browser makes the kernel re-aggregate the visible
 * range (fewer points in view, a different image). pandas keeps the test free of a JVM
 * or a cluster: the widget is the same for every engine.
 */
const SOURCE = [
  'import lazyscope, numpy as np, pandas as pd',
  'rng = np.random.default_rng(0)',
  'df = pd.DataFrame({"x": rng.normal(size=100_000), "y": rng.normal(size=100_000)})',
  'p = lazyscope.plot(df, "x", "y", width=400, height=300)',
  'p'
].join('\n');

/** Axis labels and tick labels of the plot's Bokeh document (drawn on a canvas). */
async function axes(page: any): Promise<string[]> {
  return page.evaluate(() => {
    const bokeh = (window as any).Bokeh;
    const labels: string[] = [];
    for (const doc of bokeh.documents ?? []) {
      for (const model of doc.all_models ?? []) {
        if (model.type === 'LinearAxis' || model.constructor?.name === 'LinearAxis') {
          labels.push(String(model.axis_label));
        }
      }
    }
    return labels;
  });
}

test('the plot shows axes and a wheel zoom re-aggregates', async ({ page }) => {
  test.setTimeout(240_000);
  await page.notebook.createNew();
  await setCells(page, [SOURCE]);
  await page.notebook.runCell(0);

  // The widget's output (the kernel's first plot also publishes BokehJS, in its own output)
  const output = page.locator('.jp-OutputArea-output', { has: page.locator('.widget-html') });
  const status = output.locator('.widget-html', { hasText: 'points in view' });
  await expect(status).toContainText('100,000 points in view', { timeout: 180_000 });
  const canvas = output.locator('canvas').first();
  await expect(canvas).toBeVisible();
  expect((await axes(page)).sort()).toEqual(['x', 'y']);

  const before = await canvas.screenshot();
  const box = (await canvas.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.wheel(0, -600);

  // Debounced re-aggregation of the zoomed window: fewer points, a new picture.
  await expect(status).not.toContainText('100,000 points in view', { timeout: 60_000 });
  await expect(status).toContainText('points in view');
  await expect(output.locator('.lazyscope-plot-busy')).toHaveCount(0);
  const after = await canvas.screenshot();
  expect(Buffer.compare(before, after)).not.toBe(0);
});

test('a plot zoomed before it is shown opens on the zoomed window', async ({ page }) => {
  test.setTimeout(240_000);
  await page.notebook.createNew();
  const source = SOURCE.replace(/\np$/, '\np.zoom((-1.0, 1.0), (0.0, 2.0))\np');
  await setCells(page, [source]);
  await page.notebook.runCell(0);
  const output = page.locator('.jp-OutputArea-output', { has: page.locator('.widget-html') });
  await expect(output.locator('.widget-html', { hasText: 'points in view' })).toBeVisible({
    timeout: 180_000
  });
  await expect(output.locator('canvas').first()).toBeVisible();
  // The axes the user sees are the window's, not the data's whole extent.
  await expect.poll(() => bokehRanges(page)).toEqual([
    [-1, 1],
    [0, 2]
  ]);
  await page.screenshot({ path: test.info().outputPath('plot-zoomed-before-shown.png') });
});
