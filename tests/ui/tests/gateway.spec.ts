import { expect } from '@jupyterlab/galata';
import type { Locator, Page } from '@playwright/test';
import { activeKernelId, openPanel, PANEL, runNewNotebook, test, watchErrors } from './_helpers';

/**
 * Dask Gateway clusters in the Clusters panel, against a real dask-gateway-server on
 * loopback (tests/ui/gateway_lab.py starts it and this project's JupyterLab, whose
 * environment holds dask-gateway's configuration, as daskhub sets it). The cluster
 * processes run from an environment without lazyscope. Small clusters: the machine is
 * shared.
 */
test.use({ autoGoto: true });
test.setTimeout(300_000);

const gatewayCards = `${PANEL} .lazyscope-ClusterCard[data-source="gateway"]`;

/** The server's answer for `lazyscope/api/<path>` (the lab runs at the server's root). */
function api(page: Page, path: string): string {
  return `${new URL(page.url()).origin}/lazyscope/api/${path}`;
}

/** Until the gateway answers the lab's server (it starts beside the lab). */
async function gatewayReady(page: Page): Promise<void> {
  await expect(async () => {
    const response = await page.request.get(api(page, 'gateway/options'));
    expect(response.status(), `${response.url()}: ${await response.text()}`).toBe(200);
  }).toPass({ timeout: 60_000 });
}

/** The gateway's cluster names, as the lab's server lists them. */
async function listedNames(page: Page): Promise<string[]> {
  const response = await page.request.get(api(page, 'clusters'));
  const clusters = (await response.json()).clusters as { source: string; name: string }[];
  return clusters.filter(c => c.source === 'gateway').map(c => c.name);
}

/** The path the server's session of a kernel has (what the panel names its notebook by). */
async function sessionPath(page: Page, kernelId: string): Promise<string> {
  const response = await page.request.get(`${new URL(page.url()).origin}/api/sessions`);
  const sessions = (await response.json()) as { path: string; kernel: { id: string } }[];
  return sessions.find(s => s.kernel.id === kernelId)!.path;
}

async function waitRunning(card: Locator): Promise<void> {
  await expect(card.locator('.lazyscope-ClusterCard-status')).toHaveText('running', { timeout: 180_000 });
}

// A test that failed half-way must not leave a cluster on the gateway for the next ones.
test.afterEach(async ({ page }) => {
  await page.evaluate(async () => {
    const reply = await fetch('/lazyscope/api/clusters');
    for (const cluster of (await reply.json()).clusters) {
      if (cluster.source === 'gateway') {
        await window.jupyterapp.commands.execute('lazyscope:stop-cluster', { id: cluster.id });
      }
    }
  });
});

test("a notebook's Gateway cluster: listed, dashboard, a plot pane, scale, adapt, connect code, stop", async ({
  page
}, testInfo) => {
  const errors = watchErrors(page);
  await gatewayReady(page);
  const notebook = 'gateway-by-code.ipynb';
  await runNewNotebook(page, notebook, ['%dask start --gateway --workers 1', '%dask status']);
  await expect(page.locator('.lazyscope-status').last()).toContainText('Dask Gateway');
  const kernelId = await activeKernelId(page);
  const path = await sessionPath(page, kernelId);
  expect(path).toMatch(/\.ipynb$/);

  await openPanel(page);
  const card = page.locator(`${gatewayCards}[data-kernel-id="${kernelId}"]`);
  await expect(card).toHaveCount(1, { timeout: 60_000 });
  await waitRunning(card);
  await expect(card.locator('.lazyscope-ClusterCard-badge')).toHaveText(['Gateway']);
  await expect(card.locator('.lazyscope-ClusterCard-notebooks')).toHaveText(`started by ${path} kernel running`);
  await expect(card.locator('.lazyscope-ClusterCard-kernel')).toHaveText('kernel running');
  await expect(card.locator('.lazyscope-ClusterCard-workers')).toHaveText('1 worker', { timeout: 60_000 });
  await expect(page.locator(`${PANEL} .lazyscope-ClustersPanel-sources`)).toHaveText(
    /^Dask Gateway http:\/\/127\.0\.0\.1:\d+$/
  );
  await page.screenshot({ path: testInfo.outputPath('01-gateway-cluster-by-code.png') });

  // Its dashboard, through the Jupyter server and the gateway: Bokeh draws its plots.
  await card.locator('button[data-action="dashboard"]').click();
  const dashboard = page.frameLocator('.lazyscope-Dashboard iframe');
  await expect(dashboard.locator('body')).toContainText(/Task Stream/i, { timeout: 60_000 });
  await expect(dashboard.locator('canvas').first()).toBeVisible({ timeout: 60_000 });
  await page.waitForTimeout(2000); // the first live updates, before looking
  await page.screenshot({ path: testInfo.outputPath('02-gateway-dashboard.png') });

  // One plot of it as a pane, from the list the scheduler publishes.
  await card.locator('button[data-action="plots"]').click();
  const picker = page.locator('.jp-Dialog');
  await picker.locator('select').selectOption({ label: 'Task Stream' });
  await picker.getByRole('button', { name: 'Ok' }).click();
  const plot = page.frameLocator('iframe[title^="Task Stream"]');
  await expect(plot.locator('canvas').first()).toBeVisible({ timeout: 60_000 });
  const size = await plot.locator('canvas').first().evaluate(c => (c as HTMLCanvasElement).width);
  expect(size).toBeGreaterThan(100);
  await page.screenshot({ path: testInfo.outputPath('03-gateway-task-stream-pane.png') });

  await card.locator('button[data-action="scale"]').click();
  await page.locator('.jp-Dialog input').fill('2');
  await page.locator('.jp-Dialog').getByRole('button', { name: 'Ok' }).click();
  await expect(card.locator('.lazyscope-ClusterCard-workers')).toHaveText('2 workers', { timeout: 120_000 });

  await card.locator('button[data-action="adapt"]').click();
  const adapt = page.locator('.jp-Dialog');
  await adapt.locator('input[name="minimum"]').fill('1');
  await adapt.locator('input[name="maximum"]').fill('2');
  await page.screenshot({ path: testInfo.outputPath('04-adapt-dialog.png') });
  await adapt.getByRole('button', { name: 'Adapt' }).click();
  await expect(card.locator('.lazyscope-ClusterCard-scaling')).toHaveText('adaptive: 1 to 2 workers');
  await page.screenshot({ path: testInfo.outputPath('05-scaled-adaptive.png') });

  // The connect code names the cluster; the kernel's own configuration finds the gateway.
  const name = (await card.locator('.lazyscope-ClusterCard-name').textContent())!;
  await page.notebook.activate(notebook);
  await card.locator('button[data-action="connect"]').click();
  await expect(page.locator('.jp-Cell').last()).toContainText(`%dask connect --gateway ${name}`);

  await card.locator('button[data-action="stop"]').click();
  await expect(card).toHaveCount(0, { timeout: 60_000 });
  expect(await listedNames(page)).not.toContain(name);
  // No card stays for it: not the session the notebook's kernel still announces either.
  await expect(page.locator(`${PANEL} .lazyscope-ClusterCard`)).toHaveCount(0, { timeout: 30_000 });
  await page.screenshot({ path: testInfo.outputPath('06-stopped.png') });
  expect(errors.filter(e => !e.includes('Failed to load resource'))).toEqual([]);
});

test('a kept cluster stays listed as kept, with its notebook, after its kernel stopped', async ({
  page
}, testInfo) => {
  await gatewayReady(page);
  const notebook = 'gateway-kept.ipynb';
  await runNewNotebook(page, notebook, ['%dask start --gateway --workers 0 --keep']);
  const kernelId = await activeKernelId(page);
  const path = await sessionPath(page, kernelId);
  await openPanel(page);
  const card = page.locator(`${gatewayCards}[data-kernel-id="${kernelId}"]`);
  await expect(card).toHaveCount(1, { timeout: 60_000 });
  await expect(card.locator('.lazyscope-ClusterCard-badge')).toHaveText(['Gateway', 'kept']);
  await expect(card.locator('.lazyscope-ClusterCard-kernel')).toHaveText('kernel running');

  // Its kernel shuts down (the server's API, as the lab's Shut Down Kernel does).
  const shutdown = await page.request.delete(`${new URL(page.url()).origin}/api/kernels/${kernelId}`);
  expect(shutdown.status()).toBe(204);
  await expect(card.locator('.lazyscope-ClusterCard-kernel')).toHaveText('kernel stopped', { timeout: 60_000 });
  // The notebook whose kernel started it is still named, its kernel gone.
  await expect(card.locator('.lazyscope-ClusterCard-notebooks')).toHaveText(`started by ${path} kernel stopped`);
  await card.screenshot({ path: testInfo.outputPath('07-kept-cluster-card.png') });

  await card.locator('button[data-action="stop"]').click();
  await expect(card).toHaveCount(0, { timeout: 60_000 });
});

test("New Dask cluster: the gateway's own options form, its bounds, a started cluster", async ({
  page
}, testInfo) => {
  const errors = watchErrors(page);
  await gatewayReady(page);
  await openPanel(page);
  await expect(page.locator(`${PANEL} .lazyscope-ClustersPanel-sources`)).toBeVisible();
  await page.locator(`${PANEL} button[data-action="new-dask"]`).click();
  const dialog = page.locator('.jp-Dialog');
  const form = dialog.locator('.lazyscope-GatewayForm');
  // The gateway first, its fields as it declares them: an integer with bounds, a choice.
  await expect(dialog.locator('select[name="where"]')).toHaveValue('gateway');
  const cores = form.locator('input[name="option-worker_cores"]');
  await expect(cores).toHaveValue('1');
  await expect(cores).toHaveAttribute('min', '1');
  await expect(cores).toHaveAttribute('max', '2');
  const coresRow = form.locator('label', { has: page.locator('input[name="option-worker_cores"]') });
  await expect(coresRow).toContainText('Worker cores');
  await expect(coresRow).toContainText('an integer from 1 to 2');
  const environment = form.locator('select[name="option-environment"]');
  await expect(environment.locator('option')).toHaveText(['base', 'plots']);
  await expect(environment).toHaveValue('base');
  // This server's own form is one choice away.
  await dialog.locator('select[name="where"]').selectOption('local');
  await expect(form).toBeHidden();
  await expect(dialog.locator('input[name="cores"]')).toBeVisible();
  await dialog.locator('select[name="where"]').selectOption('gateway');

  // A value outside the gateway's bounds: the dialog does not start it.
  await cores.fill('5');
  await expect(dialog.getByRole('button', { name: 'Start' })).toBeDisabled();
  await page.screenshot({ path: testInfo.outputPath('08-value-out-of-bounds.png') });

  await cores.fill('2');
  await form.locator('select[name="scaling"]').selectOption('adapt');
  await form.locator('input[name="minimum"]').fill('1');
  await form.locator('input[name="maximum"]').fill('2');
  await page.screenshot({ path: testInfo.outputPath('09-gateway-form.png') });
  await dialog.getByRole('button', { name: 'Start' }).click();

  const card = page.locator(gatewayCards);
  await expect(card).toHaveCount(1, { timeout: 60_000 });
  await expect(card.locator('.lazyscope-ClusterCard-notebooks')).toHaveText('started by this server');
  await waitRunning(card);
  // Adapted as asked once it ran: one worker (nothing to do), of two cores (the option set).
  await expect(card.locator('.lazyscope-ClusterCard-scaling')).toHaveText('adaptive: 1 to 2 workers');
  await expect(card.locator('.lazyscope-ClusterCard-workers')).toHaveText('1 worker', { timeout: 120_000 });
  await expect(card.locator('.lazyscope-ClusterCard-cores')).toHaveText('2 cores');
  await page.screenshot({ path: testInfo.outputPath('10-started-from-form.png') });

  await card.locator('button[data-action="stop"]').click();
  await expect(card).toHaveCount(0, { timeout: 60_000 });
  expect(await listedNames(page)).toEqual([]);
  expect(errors.filter(e => !e.includes('Failed to load resource'))).toEqual([]);
});
