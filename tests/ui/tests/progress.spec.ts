import { expect, test } from '@jupyterlab/galata';
import { setCells } from './_helpers';

/**
 * Live progress in a real JupyterLab: a %%dask cell shows the live widget (rows per task
 * group, a ticking clock, a Cancel button) while it runs; the browser's Cancel stops the
 * cell's tasks, the widget gives way to the static summary, and the kernel stays usable.
 * Dask keeps the test free of a JVM: the widget is the same for every engine.
 */
const SLOW_CELL = [
  '%%dask --workers 1 --threads 2',
  'import time',
  'def nap(i): return time.sleep(0.1 if i == 0 else 120) or i',
  'client.gather(client.map(nap, range(4), pure=False))'
].join('\n');

test('a running cell shows live progress and Cancel stops it', async ({ page }) => {
  test.setTimeout(240_000);
  await page.notebook.createNew();
  // All cells first: running the last cell would append an empty one and shift indices.
  await setCells(page, ['%load_ext lazyscope', SLOW_CELL, '6 * 7']);
  await page.notebook.runCell(0);

  // runCell waits for the cell to finish: start it without waiting.
  await page.notebook.selectCells(1);
  await page.keyboard.press('Control+Enter');

  const live = page.locator('.lazyscope-progress');
  await expect(live).toBeVisible({ timeout: 120_000 });
  // "running" is the scheduler's processing count: it may exceed the 2 threads.
  await expect(live.locator('.lzp-rows')).toContainText('nap', { timeout: 60_000 });
  await expect(live.locator('.lzp-rows')).toContainText(/1\/4 · \d running/, {
    timeout: 60_000
  });
  const clock = live.locator('.lzp-clock');
  const first = await clock.textContent();
  await expect(clock).not.toHaveText(first ?? '', { timeout: 10_000 }); // it ticks

  const started = Date.now();
  await live.locator('.lzp-cancel').click();

  // The live view is replaced by the static summary; the tasks sleep 120 s, so an
  // early end means Cancel reached the cluster.
  const summary = page.locator('.lazyscope-progress-summary');
  await expect(summary).toContainText('nap: 1/4 tasks', { timeout: 60_000 });
  await expect(summary).toContainText('cancelled');
  await expect(live).toHaveCount(0);
  expect(Date.now() - started).toBeLessThan(60_000);

  await page.notebook.runCell(2);
  expect(await page.notebook.getCellTextOutput(2)).toEqual(['42']);
});
