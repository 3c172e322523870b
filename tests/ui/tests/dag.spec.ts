import { expect, test } from '@jupyterlab/galata';

/**
 * The DAG view renders from lazyscope's MIME type in a notebook: nodes are drawn, a
 * group (a Dask layer of few tasks) expands to its tasks, a click shows a node's
 * details, the view zooms and follows the dark theme; a 200-node DAG renders in < 1 s.
 * Dask on the kernel's threads keeps the test free of a JVM or a cluster.
 */
const SMALL = [
  'import lazyscope, dask.array as da',
  'lazyscope.dag((da.ones(40, chunks=10) + 1).sum())'
].join('\n');

// 20 chains of 10 Delayed calls: 200 layers of one task each, so 200 nodes. One-line
// statements only: the editor auto-indents what galata types after a colon.
const BIG = [
  'import functools, lazyscope',
  'from dask import delayed',
  'def step(x): return x + 1',
  'chain = lambda c: functools.reduce(lambda x, _: delayed(step)(x), range(9), delayed(step)(c))',
  'lazyscope.dag([chain(c) for c in range(20)], advice=False)'
].join('\n');

test('a Dask DAG renders, expands a group, shows details, zooms', async ({ page }, testInfo) => {
  await page.notebook.createNew();
  await page.notebook.setCell(0, 'code', SMALL);
  await page.notebook.runCell(0);

  const view = page.locator('.jp-lazyscope-dag');
  await expect(view).toHaveCount(1);
  await expect(view.locator('.jp-lazyscope-dag-title')).toHaveText('Dask Array');
  const nodes = view.locator('.jp-lazyscope-dag-node');
  await expect(nodes.first()).toBeVisible();
  expect(await nodes.count()).toBeGreaterThanOrEqual(4);
  await expect(view.locator('.jp-lazyscope-dag-kind-task')).toHaveCount(0);

  const group = view.locator('.jp-lazyscope-dag-group', { hasText: 'ones_like' });
  await group.click();
  const details = view.locator('.jp-lazyscope-dag-details');
  await expect(details).toBeVisible();
  await expect(details.locator('.jp-lazyscope-dag-details-title')).toHaveText('ones_like');
  await expect(details).toContainText('tasks');
  await details.locator('.jp-lazyscope-dag-expand').click();
  await expect(view.locator('.jp-lazyscope-dag-cluster')).toHaveCount(1);
  await expect(view.locator('.jp-lazyscope-dag-kind-task', { hasText: 'ones_like' })).toHaveCount(4);
  await expect(details.locator('.jp-lazyscope-dag-expand')).toHaveText('Collapse');
  await view.screenshot({ path: testInfo.outputPath('dag-expanded.png') });

  const viewport = view.locator('svg.jp-lazyscope-dag-canvas > g');
  const before = await viewport.getAttribute('transform');
  await view.locator('.jp-lazyscope-dag-button', { hasText: '+' }).click();
  expect(await viewport.getAttribute('transform')).not.toBe(before);
  await view.screenshot({ path: testInfo.outputPath('dag-light.png') });

  await page.theme.setDarkTheme();
  const background = await view.evaluate(node => getComputedStyle(node).backgroundColor);
  expect(background).not.toBe('rgb(255, 255, 255)');
  await view.screenshot({ path: testInfo.outputPath('dag-dark.png') });
});

test('a 200-node DAG renders in under a second', async ({ page }, testInfo) => {
  await page.notebook.createNew();
  await page.notebook.setCell(0, 'code', BIG);
  await page.notebook.runCell(0);

  const view = page.locator('.jp-lazyscope-dag');
  await expect(view).toHaveCount(1);
  await expect(view).toHaveAttribute('data-nodes', '200');
  await expect(view.locator('.jp-lazyscope-dag-node')).toHaveCount(200);
  // The renderer's own clock: payload in, layout (dagre) and every SVG element drawn.
  const renderMs = Number(await view.getAttribute('data-render-ms'));
  console.log(`lazyscope DAG: 200 nodes rendered in ${renderMs} ms`);
  await testInfo.attach('render-ms', { body: String(renderMs) });
  expect(renderMs).toBeGreaterThan(0);
  expect(renderMs).toBeLessThan(1000);
  await view.screenshot({ path: testInfo.outputPath('dag-200.png') });
});
