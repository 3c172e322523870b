import { expect, test } from '@jupyterlab/galata';

/**
 * The Clusters panel in a real JupyterLab: a server-managed Dask cluster from
 * start to stop, and a session a notebook started with %%dask. Small clusters
 * (1 worker, 1 thread): the machine is shared.
 */
test.use({ autoGoto: true });
test.setTimeout(240_000);

const PANEL = '#lazyscope-clusters';
const managedCard = `${PANEL} .lazyscope-ClusterCard[data-source="server"]`;

async function openPanel(page: import('@playwright/test').Page): Promise<void> {
  await page.waitForFunction(() => window.jupyterapp.commands.hasCommand('lazyscope:open-clusters'));
  await page.evaluate(async () => {
    await window.jupyterapp.commands.execute('lazyscope:open-clusters');
  });
  await expect(page.locator(PANEL)).toBeVisible();
}

test('Clusters panel: new Dask cluster, scale, dashboard, stop', async ({ page }, testInfo) => {
  await openPanel(page);
  await page.screenshot({ path: testInfo.outputPath('01-panel.png') });

  await page.locator(`${PANEL} button[data-action="new-dask"]`).click();
  const dialog = page.locator('.jp-Dialog');
  await dialog.locator('input[name="workers"]').fill('1');
  await dialog.locator('input[name="cores"]').fill('1');
  await dialog.locator('input[name="memory"]').fill('1GiB');
  await dialog.getByRole('button', { name: 'Start' }).click();

  const card = page.locator(managedCard);
  await expect(card).toHaveCount(1);
  await expect(card.locator('.lazyscope-ClusterCard-status')).toHaveText('running', { timeout: 120_000 });
  await expect(card.locator('.lazyscope-ClusterCard-workers')).toHaveText('1 worker');
  await page.screenshot({ path: testInfo.outputPath('02-dask-cluster.png') });

  await card.locator('button[data-action="scale"]').click();
  await page.locator('.jp-Dialog input').fill('2');
  await page.locator('.jp-Dialog').getByRole('button', { name: 'Ok' }).click();
  await expect(card.locator('.lazyscope-ClusterCard-workers')).toHaveText('2 workers', { timeout: 120_000 });
  await page.screenshot({ path: testInfo.outputPath('03-scaled.png') });

  await card.locator('button[data-action="dashboard"]').click();
  const frame = page.frameLocator('.lazyscope-Dashboard iframe');
  await expect(page.locator('.lm-TabBar-tab', { hasText: 'dashboard' })).toBeVisible();
  // The Dask dashboard itself, served through the proxy.
  await expect(frame.locator('body')).toContainText(/Dask|Workers|Task Stream/i, { timeout: 60_000 });
  await page.screenshot({ path: testInfo.outputPath('04-dashboard.png') });

  await card.locator('button[data-action="stop"]').click();
  await expect(page.locator(managedCard)).toHaveCount(0, { timeout: 60_000 });
  await page.screenshot({ path: testInfo.outputPath('05-stopped.png') });
});

test('a notebook running %%dask shows up as a discovered session', async ({ page }, testInfo) => {
  const name = 'uses-dask.ipynb';
  await page.notebook.createNew(name);
  await page.notebook.setCell(0, 'code', '%load_ext lazyscope');
  await page.notebook.addCell('code', '%%dask --workers 1 --threads 1\n1 + 1');
  await page.notebook.run();

  // The notebook's kernel: the session it announced carries this id.
  const kernelId = await page.evaluate(() => {
    const widget = window.jupyterapp.shell.currentWidget as unknown as {
      sessionContext: { session: { kernel: { id: string } } };
    };
    return widget.sessionContext.session.kernel.id;
  });
  await openPanel(page);
  const card = page.locator(`${PANEL} .lazyscope-ClusterCard[data-kernel-id="${kernelId}"]`);
  await expect(card).toHaveCount(1, { timeout: 120_000 });
  await expect(card.locator('.lazyscope-ClusterCard-workers')).toHaveText('1 worker');
  await expect(card.locator('.lazyscope-ClusterCard-notebooks')).toContainText('.ipynb');
  await page.screenshot({ path: testInfo.outputPath('06-discovered-session.png') });

  // Its connect code goes into the active notebook as a new cell.
  await page.notebook.activate(name);
  await card.locator('button[data-action="connect"]').click();
  await expect(page.locator('.jp-Cell').last()).toContainText('%dask connect tcp://');
  await page.notebook.save();
});
