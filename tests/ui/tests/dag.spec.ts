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

/** A saved notebook (no kernel run) with a Spark-like executed plan: two stage groups
 * drawn open as clusters, an advisor finding on the shuffle. */
const STAGES = {
  version: 1,
  engine: 'spark',
  level: 'executed',
  title: 'Spark execution 3: collect at cell 2',
  nodes: [
    { id: 'X:4', kind: 'scan', label: 'Range', counts: { rows: 1000 }, group: 'S:0' },
    { id: 'X:3', kind: 'aggregate', label: 'HashAggregate', detail: 'partial', group: 'S:0' },
    { id: 'X:2', kind: 'shuffle', label: 'Exchange', detail: 'hashpartitioning(k, 4)', findings: [0] },
    { id: 'X:1', kind: 'aggregate', label: 'HashAggregate', counts: { rows: 10 }, group: 'S:1' }
  ],
  edges: [
    { source: 'X:4', target: 'X:3' },
    { source: 'X:3', target: 'X:2' },
    { source: 'X:2', target: 'X:1' }
  ],
  groups: [
    { id: 'S:0', kind: 'stage', label: 'Stage 0', detail: 'complete, 2 tasks', expanded: true },
    { id: 'S:1', kind: 'stage', label: 'Stage 1', detail: 'complete, 4 tasks', expanded: true }
  ],
  findings: [{ rule: 'shuffle', severity: 'info', message: 'Shuffle on k', nodes: ['X:2'] }]
};

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
