import { expect } from '@jupyterlab/galata';
import { PANEL, openPanel, runNewNotebook, test, watchErrors } from './_helpers';

/**
 * A finished Spark application stays inspectable, in a real JupyterLab: a notebook runs a
 * job, shows `%spark status` and stops its session; the status output's link, clicked
 * afterwards, opens the Spark History Server (started by the Jupyter server on demand,
 * behind the dashboard proxy) on the application's jobs, and its stage page shows the
 * job's tasks. The Clusters panel lists the application among the finished ones.
 */
test.use({ autoGoto: true });
test.setTimeout(480_000);

const JOB = "spark.range(0, 1000, 1, 3).selectExpr('id % 7 AS k').groupBy('k').count().collect()";

test('a stopped Spark application: its status link opens its stage page with the tasks', async ({
  page
}, testInfo) => {
  const errors = watchErrors(page);
  await runNewNotebook(page, 'history.ipynb', [
    '%spark start --master local[2] --name history-spec',
    JOB,
    '%spark status',
    '%spark stop'
  ]);
  // The status output (cell 3) holds the application's link.
  const status = page.locator('.jp-Cell').nth(3).locator('.jp-OutputArea-output a');
  await expect(status).toHaveCount(1, { timeout: 60_000 });
  const href = await status.getAttribute('href');
  const appId = /lazyscope\/history\/([^/]+)\//.exec(href ?? '')?.[1];
  expect(appId, href ?? '').toMatch(/^local-\d+$/);
  await expect(page.locator('.jp-Cell').nth(4).locator('.jp-OutputArea-output')).toContainText('Stopped');

  // The panel lists it among the finished applications (opening the section asks).
  await openPanel(page);
  await page.locator(`${PANEL} .lazyscope-FinishedApps summary`).click();
  const row = page.locator(`${PANEL} .lazyscope-FinishedApps-app[data-app-id="${appId}"]`);
  await expect(row).toBeVisible({ timeout: 240_000 });
  await expect(row.locator('a')).toHaveText('history-spec');
  await page.screenshot({ path: testInfo.outputPath('01-finished-apps-in-panel.png') });

  // The status link, clicked after the stop: a tab on the History Server's jobs page.
  const opened = page.context().waitForEvent('page');
  await status.click();
  const tab = await opened;
  await tab.waitForLoadState();
  await expect(tab.locator('body')).toContainText('history-spec', { timeout: 120_000 });
  expect(new URL(tab.url()).pathname).toMatch(
    new RegExp(`/lazyscope/dashboard/spark-history/cap-[0-9a-f]+/history/${appId}/jobs/$`)
  );

  // The job's first stage (3 partitions): its page lists the 3 tasks, all done.
  await tab.goto(tab.url().replace(/jobs\/$/, 'stages/stage/?id=0&attempt=0'));
  await expect(tab.locator('body')).toContainText('Details for Stage 0');
  const tasks = tab.locator('#active-tasks-table tbody tr');
  await expect(tasks).toHaveCount(3, { timeout: 60_000 });
  await expect(tab.locator('#active-tasks-table tbody')).toContainText('SUCCESS');
  // Done loading (its overlay hidden) and the summary drawn, before the picture.
  await expect(tab.locator('#summary-metrics-table tbody tr').first()).toBeVisible();
  await expect(tab.locator('#loading-overlay')).toBeHidden({ timeout: 60_000 });
  await tab.locator('#active-tasks-table').scrollIntoViewIfNeeded();
  await tab.screenshot({ path: testInfo.outputPath('02-history-stage-tasks.png'), fullPage: true });
  await tab.close();
  expect(errors).toEqual([]);
});
