import { expect, type Page, test } from '@playwright/test';

import { NOTEBOOK7_NOT_OURS as NOT_OURS, PANEL, notebookJson, watchErrors } from './_helpers';

/**
 * lazyscope in Jupyter Notebook 7's notebook page (it runs JupyterLab extensions but has
 * no ILabShell): a `%%dask` and a `%%spark` cell leave their progress summaries, a DAG and
 * a plot with axes render, and the Clusters panel opens in the page's left area, listing
 * the sessions the kernel started. Nothing of ours may log a console error.
 *
 * The same server as the lab specs serves Notebook 7 (the `notebook` package adds its
 * pages); the plain Playwright page is used, as galata's fixtures drive the lab.
 */
const CELLS = [
  '%load_ext lazyscope\nimport lazyscope, numpy as np, pandas as pd',
  '%%dask --workers 1 --threads 1\nimport dask.array as da\nx = da.ones((400, 400), chunks=(100, 100))\nfloat((x + x.T).sum().compute())',
  '%%spark --master local[1]\nspark.range(0, 1000, 1, 4).selectExpr("sum(id) AS s").collect()[0].s',
  'lazyscope.dag((x + x.T).sum())',
  'rng = np.random.default_rng(0)\ndf = pd.DataFrame({"x": rng.normal(size=20_000), "y": rng.normal(size=20_000)})\nlazyscope.plot(df, "x", "y", width=360, height=240)'
];

/** Linear axes of the Bokeh documents on the page (Bokeh draws them on a canvas). */
async function axisLabels(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const labels: string[] = [];
    for (const doc of (window as any).Bokeh?.documents ?? []) {
      for (const model of doc.all_models ?? []) {
        if (model.type === 'LinearAxis' || model.constructor?.name === 'LinearAxis') {
          labels.push(String(model.axis_label));
        }
      }
    }
    return labels.sort();
  });
}

test('lazyscope works in Jupyter Notebook 7', async ({ page, request, baseURL }, testInfo) => {
  test.setTimeout(300_000);
  const errors = watchErrors(page);
  const name = `notebook7-${testInfo.retry}.ipynb`;
  const url = `${(baseURL ?? '').replace(/\/$/, '')}/api/contents/${name}`;
  const made = await request.put(url, {
    data: { type: 'notebook', format: 'json', content: notebookJson(CELLS) }
  });
  expect(made.ok(), `creating ${name}`).toBe(true);

  await page.goto(`notebooks/${name}`);
  await page.waitForFunction(() => Boolean((window as any).jupyterapp?.commands));
  // Our plugins activated in this shell: the Clusters command is registered.
  await page.waitForFunction(() =>
    (window as any).jupyterapp.commands.hasCommand('lazyscope:open-clusters')
  );
  await page.waitForFunction(() => {
    const panel = (window as any).jupyterapp.shell.currentWidget;
    return panel?.sessionContext?.session?.kernel?.connectionStatus === 'connected';
  });
  await page.evaluate(() => (window as any).jupyterapp.commands.execute('notebook:run-all-cells'));

  const cells = page.locator('.jp-Notebook .jp-CodeCell');
  const summary = (i: number) => cells.nth(i).locator('.lazyscope-progress-summary');
  await expect(summary(1)).toContainText(/Dask: \d+\/\d+ tasks/, { timeout: 120_000 });
  await expect(summary(2)).toContainText(/Spark: \d+\/\d+ tasks/, { timeout: 120_000 });
  const dag = cells.nth(3).locator('.jp-lazyscope-dag');
  await expect(dag.locator('.jp-lazyscope-dag-node').first()).toBeVisible({ timeout: 60_000 });
  const plot = cells.nth(4);
  await expect(plot.locator('.widget-html', { hasText: 'points in view' })).toContainText(
    '20,000 points in view',
    { timeout: 120_000 }
  );
  await expect(plot.locator('canvas').first()).toBeVisible();
  expect(await axisLabels(page)).toEqual(['x', 'y']);
  await page.screenshot({ path: testInfo.outputPath('01-notebook7-outputs.png') });
  await plot.scrollIntoViewIfNeeded();
  await plot.screenshot({ path: testInfo.outputPath('01b-notebook7-plot.png') });

  // The Clusters panel, in Notebook 7's left area, lists the kernel's two sessions.
  await page.evaluate(() => (window as any).jupyterapp.commands.execute('lazyscope:open-clusters'));
  const panel = page.locator(PANEL);
  await expect(panel).toBeVisible();
  await expect(panel.locator('.lazyscope-ClusterCard')).toHaveCount(2, { timeout: 30_000 });
  await expect(panel).toContainText('Dask');
  await expect(panel).toContainText('Spark');
  await page.screenshot({ path: testInfo.outputPath('02-notebook7-clusters.png') });

  // No lab tabs here: the Dask dashboard opens in a browser tab, through the proxy, and
  // its plots draw.
  const card = panel.locator('.lazyscope-ClusterCard', { hasText: 'dask' });
  const [tab] = await Promise.all([
    page.context().waitForEvent('page'),
    card.locator('button', { hasText: 'Dashboard' }).click()
  ]);
  await expect(tab).toHaveURL(/\/lazyscope\/dashboard\//);
  await expect(tab.locator('canvas').first()).toBeVisible({ timeout: 60_000 });
  await tab.screenshot({ path: testInfo.outputPath('03-notebook7-dask-dashboard-tab.png') });
  await tab.close();

  // The kernel's Spark and Dask stop with it.
  const kernel = await page.evaluate(
    () => (window as any).jupyterapp.shell.currentWidget.sessionContext.session.kernel.id
  );
  const base = (baseURL ?? '').replace(/\/$/, '');
  expect((await request.delete(`${base}/api/kernels/${kernel}`)).ok()).toBe(true);
  expect(errors.filter(error => !NOT_OURS.some(known => known.test(error)))).toEqual([]);
});
