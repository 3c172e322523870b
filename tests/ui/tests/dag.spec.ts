import { expect, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';
import { setCells } from './_helpers';

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

// 20 chains of 10 Delayed calls: 200 layers of one task each, so 200 nodes.
const BIG = [
  'import functools, lazyscope',
  'from dask import delayed',
  'def step(x): return x + 1',
  'chain = lambda c: functools.reduce(lambda x, _: delayed(step)(x), range(9), delayed(step)(c))',
  'lazyscope.dag([chain(c) for c in range(20)], advice=False)'
].join('\n');

test('a Dask DAG renders, expands a group, shows details, zooms', async ({ page }, testInfo) => {
  await page.notebook.createNew();
  await setCells(page, [SMALL]);
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
  await setCells(page, [BIG]);
  await page.notebook.runCell(0);

  const view = page.locator('.jp-lazyscope-dag');
  await expect(view).toHaveCount(1);
  await expect(view).toHaveAttribute('data-nodes', '200');
  await expect(view.locator('.jp-lazyscope-dag-node')).toHaveCount(200);
  // The renderer's own clock: payload in, the kernel's positions placed, every SVG element drawn.
  const renderMs = Number(await view.getAttribute('data-render-ms'));
  console.log(`lazyscope DAG: 200 nodes rendered in ${renderMs} ms`);
  await testInfo.attach('render-ms', { body: String(renderMs) });
  expect(renderMs).toBeGreaterThan(0);
  expect(renderMs).toBeLessThan(1000);
  await view.screenshot({ path: testInfo.outputPath('dag-200.png') });
});

/** A saved notebook (no kernel run) with a Spark-like executed plan: two stage groups
 * drawn open as clusters, an advisor finding on the shuffle. The payload, with the layout
 * the kernel made, and its SVG fallback are a shared fixture (tests/test_dag_layout_once.py). */
const FIXTURES = path.resolve(__dirname, '..', '..', 'fixtures', 'frontend', 'dag_layout');
const fixture = (name: string): { payload: Record<string, unknown>; svg: string; drawn: { boxes: Record<string, number[]> } } =>
  JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), 'utf-8'));
const STAGES = fixture('stages').payload;

test('a saved notebook with a Spark DAG opens; stages collapse', async ({ page, tmpPath }) => {
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3 (ipykernel)', language: 'python' } },
    cells: [
      {
        cell_type: 'code',
        id: 'dag',
        metadata: {},
        execution_count: 1,
        source: 'lazyscope.dag(df)',
        outputs: [
          {
            output_type: 'display_data',
            metadata: {},
            data: { 'application/vnd.lazyscope.dag+json': STAGES, 'text/plain': 'Spark execution 3' }
          }
        ]
      }
    ]
  };
  await page.contents.uploadContent(JSON.stringify(notebook), 'text', `${tmpPath}/saved.ipynb`);
  await page.notebook.openByPath(`${tmpPath}/saved.ipynb`);

  const view = page.locator('.jp-lazyscope-dag');
  await expect(view).toHaveCount(1);
  await expect(view.locator('.jp-lazyscope-dag-cluster')).toHaveCount(2);
  await expect(view.locator('.jp-lazyscope-dag-node')).toHaveCount(4);
  await expect(view.locator('.jp-lazyscope-dag-warn')).toHaveCount(1);
  await view.locator('.jp-lazyscope-dag-cluster', { hasText: 'Stage 0' }).dblclick();
  await expect(view.locator('.jp-lazyscope-dag-cluster')).toHaveCount(1);
  await expect(view.locator('.jp-lazyscope-dag-group', { hasText: 'Stage 0' })).toHaveCount(1);
  await expect(view.locator('.jp-lazyscope-dag-node')).toHaveCount(3);
});

/** The lab's DAG view of a saved payload, and its SVG fallback as any browser shows it
 * (nbconvert, GitHub): every node is where the kernel's SVG draws it. */
test('the lab draws a DAG where its SVG fallback does', async ({ page, tmpPath }, testInfo) => {
  const { payload, svg, drawn } = fixture('wide');
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3 (ipykernel)', language: 'python' } },
    cells: [
      {
        cell_type: 'code',
        id: 'lab',
        metadata: {},
        execution_count: 1,
        source: 'lazyscope.dag(x)',
        outputs: [{ output_type: 'display_data', metadata: {}, data: { 'application/vnd.lazyscope.dag+json': payload, 'text/plain': 'wide' } }]
      }
    ]
  };
  await page.contents.uploadContent(JSON.stringify(notebook), 'text', `${tmpPath}/wide.ipynb`);
  await page.notebook.openByPath(`${tmpPath}/wide.ipynb`);

  const view = page.locator('.jp-lazyscope-dag');
  await expect(view).toHaveCount(1);
  const ids = Object.keys(drawn.boxes);
  await expect(view.locator('.jp-lazyscope-dag-node')).toHaveCount(ids.length);
  for (const id of ids) {
    const transform = await view.locator(`.jp-lazyscope-dag-node[data-id="${id}"]`).getAttribute('transform');
    const [x, y] = (transform?.match(/translate\(([-\d.e]+),([-\d.e]+)\)/) || []).slice(1).map(Number);
    expect(Math.abs(x - drawn.boxes[id][0])).toBeLessThanOrEqual(0.05);
    expect(Math.abs(y - drawn.boxes[id][1])).toBeLessThanOrEqual(0.05);
  }
  await view.locator('.jp-lazyscope-dag-body').screenshot({ path: testInfo.outputPath('dag-lab.png') });
  const fallback = await page.context().newPage();
  await fallback.setContent(svg);
  await fallback.locator('svg').screenshot({ path: testInfo.outputPath('dag-svg-fallback.png') });
  await fallback.close();
});

/** A payload saved before the kernel sent positions (version 1): the lab shows the SVG
 * the same output carries, and says how to get the interactive view back. */
test('a DAG saved without its layout shows its saved SVG', async ({ page, tmpPath }) => {
  const { payload, svg } = fixture('stages');
  const old = { ...payload, version: 1 };
  delete (old as Record<string, unknown>).layout;
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3 (ipykernel)', language: 'python' } },
    cells: [
      {
        cell_type: 'code',
        id: 'old',
        metadata: {},
        execution_count: 1,
        source: 'lazyscope.dag(df)',
        outputs: [{ output_type: 'display_data', metadata: {}, data: { 'application/vnd.lazyscope.dag+json': old, 'image/svg+xml': svg, 'text/plain': 'Spark execution 3' } }]
      }
    ]
  };
  await page.contents.uploadContent(JSON.stringify(notebook), 'text', `${tmpPath}/old.ipynb`);
  await page.notebook.openByPath(`${tmpPath}/old.ipynb`);
  const view = page.locator('.jp-lazyscope-dag');
  await expect(view).toHaveCount(1);
  await expect(view.locator('.jp-lazyscope-dag-note')).toHaveText(/run the cell again/);
  const image = view.locator('img');
  await expect(image).toBeVisible();
  expect(await image.evaluate(img => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(300);
  await expect(view.locator('.jp-lazyscope-dag-node')).toHaveCount(0);
});
