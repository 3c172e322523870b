import { expect } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';
import { activeKernelId, kernelCard, openPanel, runNewNotebook, test, watchErrors } from './_helpers';

/**
 * A Dask dashboard through the server's proxy, in a real JupyterLab: its Bokeh plots
 * draw (their websockets carry the `bokeh` subprotocol through the proxy), and a script
 * inside a proxied page cannot read the Jupyter API, neither in the lab's dashboard tab
 * nor opened as a page of its own (a kernel's link).
 */
// The test's folder is made below the base URL (the "hub" project) by _helpers' `test`.
test.use({ autoGoto: true });
test.setTimeout(240_000);

// A page of the dashboard's own server showing what a malicious string could run: it
// tries to read the kernels of the user's Jupyter server.
const EVIL_PAGE = [
  'from tornado import web',
  "EVIL = \"<p id='out'>pending</p><script>const show = t => { document.getElementById('out').textContent = t; }; fetch(location.pathname.split('lazyscope/dashboard/')[0] + 'api/kernels').then(r => r.ok ? r.text().then(t => 'READ ' + t) : 'REFUSED ' + r.status).then(show, e => show('BLOCKED ' + e));</script>\"",
  "Evil = type('Evil', (web.RequestHandler,), {'get': lambda self: self.write(EVIL)})",
  "client.cluster.scheduler.http_application.add_handlers(r'.*', [(r'/evil', Evil)])"
].join('\n');

/** The server's base URL as the lab page sees it (`/` or `/user/alice/`). */
function baseUrl(page: Page): string {
  const url = new URL(page.url());
  return url.origin + url.pathname.split('lab')[0];
}

async function sessionOfKernel(page: Page, kernelId: string): Promise<{ id: string; proxy: string }> {
  let found: { id: string; proxy: string } | undefined;
  await expect(async () => {
    const response = await page.request.get(`${baseUrl(page)}lazyscope/api/clusters`);
    const clusters = (await response.json()).clusters as {
      id: string;
      kernel_id?: string;
      proxy: string | null;
    }[];
    const mine = clusters.find(c => c.kernel_id === kernelId && c.proxy);
    expect(mine).toBeTruthy();
    found = { id: mine!.id, proxy: mine!.proxy! };
  }).toPass({ timeout: 120_000 });
  return found!;
}

test('Dask dashboard: Bokeh plots draw, and a proxied script cannot read the Jupyter API', async ({
  page
}, testInfo) => {
  const errors = watchErrors(page);
  await runNewNotebook(page, 'dashboard.ipynb', ['%dask start --workers 1 --threads 1', EVIL_PAGE]);
  const kernelId = await activeKernelId(page);
  const session = await sessionOfKernel(page, kernelId);

  // The dashboard tab, opened as a user does: Clusters panel, the session's card.
  await openPanel(page);
  const card = kernelCard(page, kernelId);
  await expect(card).toHaveCount(1, { timeout: 120_000 });
  await card.locator('button[data-action="dashboard"]').click();
  const iframe = page.locator('.lazyscope-Dashboard iframe');
  await expect(iframe).toHaveAttribute('sandbox', /allow-scripts/);
  expect(await iframe.getAttribute('sandbox')).not.toContain('allow-same-origin');
  const frame = page.frameLocator('.lazyscope-Dashboard iframe');
  // Bokeh draws into canvases once its websocket is up: no websocket, no canvas.
  await expect(frame.locator('canvas').first()).toBeVisible({ timeout: 60_000 });
  await page.waitForTimeout(2000); // let the first live updates arrive before looking
  await page.screenshot({ path: testInfo.outputPath('01-dask-dashboard-tab.png') });
  expect(errors).toEqual([]);

  // A script inside a proxied page, in the lab's dashboard tab.
  const origin = new URL(page.url()).origin;
  const evilPath = `${session.proxy.replace(/\/status$/, '')}/evil`;
  await iframe.evaluate((node, src) => ((node as HTMLIFrameElement).src = src), origin + evilPath);
  const out = frame.locator('#out');
  await expect(out).not.toHaveText('pending', { timeout: 30_000 });
  // The Jupyter API refuses it, or the browser keeps the answer from it: no kernel list.
  await expect(out).toHaveText(/^(BLOCKED|REFUSED) /);
  await page.screenshot({ path: testInfo.outputPath('02-script-in-tab-blocked.png') });

  // The same page opened on its own, as a kernel's link would.
  const tab = await page.context().newPage();
  await tab.goto(origin + evilPath);
  expect(tab.url()).toMatch(/\/lazyscope\/dashboard\/[^/]+\/cap-[0-9a-f]{32}\/evil$/);
  await expect(tab.locator('#out')).not.toHaveText('pending', { timeout: 30_000 });
  await expect(tab.locator('#out')).toHaveText(/^(BLOCKED|REFUSED) /);
  await tab.screenshot({ path: testInfo.outputPath('03-script-in-own-page-blocked.png') });
  await tab.close();
});
