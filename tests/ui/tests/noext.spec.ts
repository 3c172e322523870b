import { expect, test } from '@jupyterlab/galata';

import { setCells, watchErrors } from './_helpers';

/**
 * A JupyterLab where lazyscope's lab extension is disabled (`jupyter labextension disable
 * lazyscope`; this project's server does it in its own page config), so only ipywidgets,
 * anywidget, Bokeh's widget and the standard renderers are there: every lazyscope output
 * still shows something useful through standard types (HTML, SVG, PNG, text), and none is
 * an empty box, a "no renderer" message or an error.
 */
const CELLS = [
  '%load_ext lazyscope\nimport lazyscope, numpy as np, pandas as pd',
  '%dask start --workers 1 --threads 1',
  '%%dask\nimport dask.dataframe as dd\nrng = np.random.default_rng(0)\npdf = pd.DataFrame({"x": rng.normal(size=20_000), "y": rng.normal(size=20_000), "k": rng.integers(0, 4, 20_000)})\nddf = dd.from_pandas(pdf, npartitions=4)\nint(ddf.k.sum().compute())',
  'ddf.groupby("k").x.mean()',
  'lazyscope.dag(ddf.groupby("k").x.mean())',
  'lazyscope.plot(ddf, "x", "y", width=360, height=240)',
  'lazyscope.hist(pdf, "x", bins=20)'
];

test('every output shows without the lab extension', async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  const errors = watchErrors(page);
  // The extension is really off: none of its plugins registered a command.
  expect(
    await page.evaluate(() => window.jupyterapp.commands.hasCommand('lazyscope:open-clusters'))
  ).toBe(false);

  await page.notebook.createNew('noext.ipynb');
  await setCells(page, CELLS);
  await page.notebook.run();

  const cells = page.locator('.jp-Notebook .jp-CodeCell');
  const output = (i: number) => cells.nth(i).locator('.jp-OutputArea-output');
  // %dask status: the HTML table, its dashboard link through the server's proxy.
  await expect(output(1).locator('a[href*="/lazyscope/dashboard/"]').first()).toBeVisible();
  // The progress view leaves its one-line summary.
  await expect(output(2).locator('.lazyscope-progress-summary')).toContainText(
    /Dask: \d+\/\d+ tasks/
  );
  // describe: the card's HTML (its own renderer is not here).
  await expect(output(3).first()).toContainText('npartitions');
  // The DAG: its SVG.
  await expect(output(4).locator('img[src^="data:image/svg+xml"]')).toBeVisible();
  // The plot and the histogram: Bokeh widgets, drawn.
  await expect(output(5).filter({ hasText: 'points in view' })).toContainText('20,000 points in view', {
    timeout: 120_000
  });
  await expect(output(5).locator('canvas').first()).toBeVisible();
  await expect(output(6).locator('canvas').first()).toBeVisible();

  const texts = await page.locator('.jp-OutputArea-output').allInnerTexts();
  for (const text of texts) {
    expect(text).not.toMatch(/No renderer|Error displaying widget|Loading widget|Traceback/);
  }
  await expect(page.locator('[data-mime-type="application/vnd.jupyter.stderr"]')).toHaveCount(0);
  // Bokeh draws inside shadow roots, which querySelector does not enter. The BokehJS
  // loader (a script output, the same with the extension) is not a view.
  const empty = await page
    .locator('.jp-OutputArea-output:not([data-mime-type="application/javascript"])')
    .evaluateAll(nodes => {
      const shows = (root: Element | ShadowRoot): boolean =>
        Boolean(root.querySelector('canvas, img, svg')) ||
        Array.from(root.querySelectorAll('*')).some(e => e.shadowRoot && shows(e.shadowRoot));
      return nodes
        .filter(n => !n.textContent?.trim() && !shows(n))
        .map(n => n.outerHTML.slice(0, 200));
    });
  expect(empty, 'outputs that show nothing').toEqual([]);

  for (const [i, name] of [
    [2, 'progress'],
    [3, 'describe'],
    [4, 'dag'],
    [5, 'plot']
  ] as const) {
    await cells.nth(i).scrollIntoViewIfNeeded();
    await cells.nth(i).screenshot({ path: testInfo.outputPath(`0${i}-noext-${name}.png`) });
  }
  await page.notebook.save();
  // The kernel's Dask cluster stops with it.
  await page.evaluate(async () => {
    const panel = window.jupyterapp.shell.currentWidget as any;
    await panel.sessionContext.shutdown();
  });
  expect(errors).toEqual([]);
});
