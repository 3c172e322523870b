import { expect } from '@jupyterlab/galata';
import type { Frame, FrameLocator, Page } from '@playwright/test';
import { activeKernelId, kernelCard, openPanel, PANEL, runNewNotebook, setCells, test, watchErrors } from './_helpers';

/**
 * The Clusters panel in a real JupyterLab: the one cluster manager of the sidebar, its
 * toolbar at the default sidebar width, a server-managed Dask cluster from start to stop
 * (with one dashboard plot as a pane), a Spark standalone cluster's master page, and the
 * sessions notebooks start (%%dask, a local Spark whose UI pages open through the proxy).
 * The suite runs it in the "hub" project, under `/user/alice/` (playwright.config.js).
 * Small clusters (1 worker, 1 core): the machine is shared.
 */
test.use({ autoGoto: true });
test.setTimeout(300_000);

const managedCard = `${PANEL} .lazyscope-ClusterCard[data-source="server"]`;

/** The server's base URL path ("/" or "/user/alice/"), as the page knows it. */
async function basePath(page: Page): Promise<string> {
  return page.evaluate(() => {
    const config = document.getElementById('jupyter-config-data');
    const baseUrl = JSON.parse(config?.textContent ?? '{}').baseUrl as string;
    return new URL(baseUrl, window.location.href).pathname;
  });
}

/** Start a server-managed cluster from the panel's toolbar and wait until it runs. */
async function newCluster(page: Page, engine: 'dask' | 'spark'): Promise<ReturnType<Page['locator']>> {
  await page.locator(`${PANEL} button[data-action="new-${engine}"]`).click();
  const dialog = page.locator('.jp-Dialog');
  await dialog.locator('input[name="workers"]').fill('1');
  await dialog.locator('input[name="cores"]').fill('1');
  await dialog.locator('input[name="memory"]').fill('1GiB');
  await dialog.getByRole('button', { name: 'Start' }).click();
  const card = page.locator(managedCard);
  await expect(card).toHaveCount(1);
  await expect(card.locator('.lazyscope-ClusterCard-status')).toHaveText('running', { timeout: 180_000 });
  return card;
}

/** The frame of an open dashboard tab, found by its URL (the proxy path of the cluster). */
function dashboardFrame(page: Page, id: string): Frame | undefined {
  return page.frames().find(f => f.url().includes(`/lazyscope/dashboard/${id}/`));
}

/** The proxy path of a dashboard frame, up to and including its capability segment. */
function proxyPrefix(frame: Frame, id: string): string {
  const path = new URL(frame.url()).pathname;
  const start = path.indexOf(`/lazyscope/dashboard/${id}/`) + `/lazyscope/dashboard/${id}/`.length;
  return path.slice(0, start);
}

/** How many images of a frame loaded (a page whose static files failed has none). */
async function loadedImages(frame: FrameLocator): Promise<number> {
  return frame.locator('img').evaluateAll(
    images => images.filter(img => (img as HTMLImageElement).naturalWidth > 0).length
  );
}

/** Links of a proxied page that would leave the proxy (the dashboard's own origin or root). */
async function linksOutside(frame: FrameLocator, prefix: string): Promise<string[]> {
  const hrefs = await frame.locator('a[href]').evaluateAll(nodes =>
    nodes.map(node => (node as HTMLAnchorElement).href)
  );
  return hrefs.filter(href => {
    const url = new URL(href);
    return !url.protocol.startsWith('javascript') && !url.pathname.startsWith(prefix) && url.hash === '';
  });
}

// A test that failed half-way must not leave its cluster running for the next ones.
test.afterEach(async ({ page }) => {
  for (const card of await page.locator(managedCard).all()) {
    const id = await card.getAttribute('data-cluster-id');
    await page.evaluate(id => window.jupyterapp.commands.execute('lazyscope:stop-cluster', { id }), id);
  }
});

test('the sidebar holds one cluster manager and the toolbar fits its default width', async ({
  page
}, testInfo) => {
  await openPanel(page);
  const toolbar = page.locator(`${PANEL} .lazyscope-ClustersPanel-toolbar`);
  await toolbar.screenshot({ path: testInfo.outputPath('00-toolbar.png') });
  await page.screenshot({ path: testInfo.outputPath('01-panel.png') });

  // Each button shows its whole label on one line, inside the button and the panel.
  const panelBox = (await page.locator(PANEL).boundingBox())!;
  for (const button of await page.locator(`${PANEL} .lazyscope-ClustersPanel-new`).all()) {
    const fit = await button.evaluate(node => {
      const range = document.createRange();
      range.selectNodeContents(node);
      const text = range.getBoundingClientRect();
      const box = node.getBoundingClientRect();
      return {
        lines: new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top))).size,
        inside: text.left >= box.left - 0.5 && text.right <= box.right + 0.5 &&
          text.top >= box.top - 0.5 && text.bottom <= box.bottom + 0.5
      };
    });
    expect(fit).toEqual({ lines: 1, inside: true });
    const box = (await button.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(panelBox.x + panelBox.width + 0.5);
  }

  // dask-labextension's own cluster manager is hidden (our setting override): its
  // sidebar still offers its dashboard launcher, but no second list of clusters.
  await page.evaluate(() => window.jupyterapp.shell.activateById('dask-dashboard-launcher'));
  await expect(page.locator('#dask-dashboard-launcher')).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('01b-dask-sidebar.png') });
  await expect(page.locator('.dask-DaskClusterManager')).toBeHidden();
  const managers = await page.locator('.jp-SideBar .lm-TabBar-tab').evaluateAll(tabs =>
    tabs.map(tab => tab.getAttribute('data-id'))
  );
  expect(managers).toContain('lazyscope-clusters');
});

test('Clusters panel: new Dask cluster, scale, dashboard, a plot pane, stop', async ({ page }, testInfo) => {
  const errors = watchErrors(page);
  await openPanel(page);
  const card = await newCluster(page, 'dask');
  await expect(card.locator('.lazyscope-ClusterCard-workers')).toHaveText('1 worker');
  await page.screenshot({ path: testInfo.outputPath('02-dask-cluster.png') });

  await card.locator('button[data-action="scale"]').click();
  await page.locator('.jp-Dialog input').fill('2');
  await page.locator('.jp-Dialog').getByRole('button', { name: 'Ok' }).click();
  await expect(card.locator('.lazyscope-ClusterCard-workers')).toHaveText('2 workers', { timeout: 120_000 });
  await page.screenshot({ path: testInfo.outputPath('03-scaled.png') });

  await card.locator('button[data-action="dashboard"]').click();
  await expect(page.locator('.lm-TabBar-tab', { hasText: 'dashboard' })).toBeVisible();
  const dashboard = page.frameLocator('.lazyscope-Dashboard iframe');
  await expect(dashboard.locator('body')).toContainText(/Task Stream/i, { timeout: 60_000 });
  // Its Bokeh plots draw once their websockets are up (the screenshot showed an empty page).
  await expect(dashboard.locator('canvas').first()).toBeVisible({ timeout: 60_000 });
  await page.screenshot({ path: testInfo.outputPath('04-dashboard.png') });

  // One plot of the dashboard as its own pane, picked from the list the dashboard publishes.
  await card.locator('button[data-action="plots"]').click();
  const picker = page.locator('.jp-Dialog');
  await expect(picker.locator('select option', { hasText: 'Task Stream' })).toHaveCount(1);
  await picker.locator('select').selectOption({ label: 'Task Stream' });
  await picker.getByRole('button', { name: 'Ok' }).click();
  const pane = page.locator('.lazyscope-Dashboard', { has: page.locator('iframe[title^="Task Stream"]') });
  await expect(pane).toBeVisible();
  const plot = page.frameLocator('iframe[title^="Task Stream"]');
  await expect(plot.locator('canvas').first()).toBeVisible({ timeout: 60_000 });
  // A drawn canvas has a size; an empty Bokeh document has none.
  const size = await plot.locator('canvas').first().evaluate(c => (c as HTMLCanvasElement).width);
  expect(size).toBeGreaterThan(100);
  await page.screenshot({ path: testInfo.outputPath('04b-task-stream-pane.png') });

  await card.locator('button[data-action="stop"]').click();
  await expect(page.locator(managedCard)).toHaveCount(0, { timeout: 60_000 });
  await page.screenshot({ path: testInfo.outputPath('05-stopped.png') });
  expect(errors.filter(e => !e.includes('Failed to load resource'))).toEqual([]);
});

test('a Spark cluster started here: its master page renders through the proxy', async ({
  page
}, testInfo) => {
  await openPanel(page);
  const card = await newCluster(page, 'spark');
  const id = (await card.getAttribute('data-cluster-id'))!;
  await expect(card.locator('.lazyscope-ClusterCard-workers')).toHaveText('1 worker');
  await card.locator('button[data-action="dashboard"]').click();
  const master = page.frameLocator('.lazyscope-Dashboard iframe');
  await expect(master.locator('body')).toContainText('Spark Master at spark://', { timeout: 60_000 });
  await expect(master.locator('table', { hasText: 'Worker Id' }).locator('td', { hasText: 'ALIVE' })).toHaveCount(1);
  // The frame is the proxy's page (served by the Jupyter server, under its base URL).
  const frame = dashboardFrame(page, id);
  expect(frame, 'the dashboard frame is served through the proxy').toBeTruthy();
  expect(new URL(frame!.url()).pathname.startsWith(await basePath(page))).toBe(true);
  // Its static files came through the proxy too (the logo is an image of the page's own).
  await expect.poll(() => loadedImages(master)).toBeGreaterThan(0);
  // Its own links stay inside the proxy, the worker links included (the master serves
  // its workers' pages itself, below the proxy path).
  const prefix = proxyPrefix(dashboardFrame(page, id)!, id);
  expect(await linksOutside(master, prefix)).toEqual([]);
  await page.screenshot({ path: testInfo.outputPath('07-spark-master.png') });

  await card.locator('button[data-action="stop"]').click();
  await expect(page.locator(managedCard)).toHaveCount(0, { timeout: 60_000 });
});

test('a notebook running %%dask shows up as a discovered session', async ({ page }, testInfo) => {
  const name = 'uses-dask.ipynb';
  await runNewNotebook(page, name, ['%%dask --workers 1 --threads 1\n1 + 1', '%dask status']);

  // The status table links the dashboard through the server, the direct URL beside it.
  const base = await basePath(page);
  const link = page.locator('.lazyscope-status a').first();
  await expect(link).toHaveAttribute('href', new RegExp(`^${base}lazyscope/dashboard/[0-9a-f]+/status$`));
  await expect(page.locator('.lazyscope-status')).toContainText(/direct: http:\/\/127\.0\.0\.1:\d+\/status/);
  await page.locator('.lazyscope-status').screenshot({ path: testInfo.outputPath('06a-dask-status.png') });

  // The notebook's kernel: the session it announced carries this id.
  const kernelId = await activeKernelId(page);
  await openPanel(page);
  const card = kernelCard(page, kernelId);
  await expect(card).toHaveCount(1, { timeout: 120_000 });
  await expect(card.locator('.lazyscope-ClusterCard-workers')).toHaveText('1 worker');
  await expect(card.locator('.lazyscope-ClusterCard-notebooks')).toContainText('.ipynb');
  // The link in the notebook names the session the panel lists.
  const sid = await card.getAttribute('data-cluster-id');
  await expect(link).toHaveAttribute('href', `${base}lazyscope/dashboard/${sid}/status`);
  await page.screenshot({ path: testInfo.outputPath('06-discovered-session.png') });

  // Its connect code goes into the active notebook as a new cell.
  await page.notebook.activate(name);
  await card.locator('button[data-action="connect"]').click();
  await expect(page.locator('.jp-Cell').last()).toContainText('%dask connect tcp://');
  await setCells(page, ['%dask stop'], true);
  await page.notebook.runCell(4);
  await page.notebook.save();
});

// One kernel session for the Spark UI's three kinds of page: its jobs page (server-rendered),
// a job's own page (a link inside the proxy) and the executors page (filled by its own
// scripts from the REST API, in the sandboxed tab).
test("a notebook's local Spark: its Spark UI jobs, job and executors pages work through the proxy", async ({
  page
}, testInfo) => {
  const errors = watchErrors(page);
  await runNewNotebook(page, 'uses-spark.ipynb', [
    '%spark start --master local[1] --name ui-jobs\nspark.range(1000).count()'
  ]);
  const kernelId = await activeKernelId(page);
  await openPanel(page);
  const card = kernelCard(page, kernelId);
  await expect(card).toHaveCount(1, { timeout: 120_000 });
  const id = (await card.getAttribute('data-cluster-id'))!;
  await card.locator('button[data-action="dashboard"]').click();

  // The Spark UI sends "/" on to its jobs page; the job the cell ran is listed.
  const iframe = page.locator('.lazyscope-Dashboard iframe');
  const ui = page.frameLocator('.lazyscope-Dashboard iframe');
  await expect(ui.getByRole('heading', { name: /Spark Jobs/ })).toBeVisible({ timeout: 60_000 });
  await expect(ui.locator('li', { hasText: 'Completed Jobs:' })).toContainText(/Completed Jobs:\s*[1-9]/);
  await expect(ui.locator('#completedJob-table tbody tr').first()).toBeVisible();
  await expect.poll(() => loadedImages(ui)).toBeGreaterThan(0);
  const frame = dashboardFrame(page, id);
  expect(frame, 'the Spark UI frame is served through the proxy').toBeTruthy();
  expect(new URL(frame!.url()).pathname.startsWith(await basePath(page))).toBe(true);
  expect(await linksOutside(ui, proxyPrefix(frame!, id))).toEqual([]);
  const jobs = frame!.url();
  await page.screenshot({ path: testInfo.outputPath('08-spark-ui-jobs.png') });

  // The executors page fills its table from the REST API with the page's own scripts.
  // (Its navigation bar is collapsed at this width: follow the link's own address.)
  const executors = await ui.locator('a', { hasText: 'Executors' }).first().getAttribute('href');
  expect(executors).toMatch(/\/cap-[0-9a-f]{32}\/executors\/$/); // Spark's links stay in the proxy
  const origin = new URL(page.url()).origin;
  const show = (src: string) => iframe.evaluate((node, url) => ((node as HTMLIFrameElement).src = url), src);
  await show(origin + executors);
  await expect(ui.locator('#active-executors-table tbody tr').first()).toBeVisible({ timeout: 30_000 });
  // Its scripts ran to the end: they keep UI state in localStorage, which a sandboxed
  // page lacks (the proxy gives it an in-memory one); without it the overlay stays.
  await expect(ui.locator('#loading-overlay')).toBeHidden({ timeout: 30_000 });
  await page.screenshot({ path: testInfo.outputPath('05-spark-executors.png') });
  expect(errors).toEqual([]);

  // The job's own page (and its stages) is a link inside the proxy, and it renders too.
  await show(jobs);
  await ui.locator('a[href*="/jobs/job/?id="]').first().click();
  await expect(ui.getByRole('heading', { name: /Details for Job/ })).toBeVisible({ timeout: 60_000 });
  expect(new URL(dashboardFrame(page, id)!.url()).pathname).toMatch(/\/jobs\/job\/$/);
  expect(await linksOutside(ui, proxyPrefix(dashboardFrame(page, id)!, id))).toEqual([]);
  await page.screenshot({ path: testInfo.outputPath('09-spark-ui-job.png') });

  await page.notebook.activate('uses-spark.ipynb');
  await setCells(page, ['%spark stop'], true);
  await page.notebook.runCell(2);
});
