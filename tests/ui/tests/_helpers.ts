import { expect, type IJupyterLabPageFixture, test as base } from '@jupyterlab/galata';
import type { Locator, Page } from '@playwright/test';
import * as path from 'path';

/**
 * Steps the Clusters and dashboard specs share. Not a spec itself: Playwright runs only
 * files named *.spec.ts (or *.test.ts).
 */

/**
 * galata's `test`, with each test's folder made below the server's base URL: galata's own
 * is made with an absolute `/api/contents` path, which misses a server under a base URL
 * (the "hub" project).
 */
export const test = base.extend({
  tmpPath: async ({ request, baseURL }, use, testInfo) => {
    const folder = path.basename(testInfo.outputDir).replace(/-retry\d+$/i, '');
    const url = `${(baseURL ?? '').replace(/\/$/, '')}/api/contents/${folder}`;
    const made = await request.put(url, { data: { type: 'directory' } });
    expect(made.ok(), `creating the test folder ${url}`).toBe(true);
    await use(folder);
  }
});

/** The Clusters panel in the left sidebar. */
export const PANEL = '#lazyscope-clusters';

/** Every console error of the lab page and its frames (with the page that logged it),
 * and every uncaught page error. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', message => {
    if (message.type() === 'error') {
      errors.push(`${message.text()} (${message.location().url})`);
    }
  });
  page.on('pageerror', error => errors.push(error.message));
  return errors;
}

/** A new notebook that loads lazyscope and runs `cells` after it, as a user would. */
export async function runNewNotebook(
  page: IJupyterLabPageFixture,
  name: string,
  cells: string[]
): Promise<void> {
  await page.notebook.createNew(name);
  await page.notebook.setCell(0, 'code', '%load_ext lazyscope');
  for (const source of cells) {
    await page.notebook.addCell('code', source);
  }
  await page.notebook.run();
}

/** The id of the kernel of the notebook in the main area. */
export async function activeKernelId(page: Page): Promise<string> {
  return page.evaluate(() => {
    const widget = window.jupyterapp.shell.currentWidget as unknown as {
      sessionContext: { session: { kernel: { id: string } } };
    };
    return widget.sessionContext.session.kernel.id;
  });
}

/** Open the Clusters panel with its command, once the extension has registered it. */
export async function openPanel(page: Page): Promise<void> {
  await page.waitForFunction(() => window.jupyterapp.commands.hasCommand('lazyscope:open-clusters'));
  await page.evaluate(async () => {
    await window.jupyterapp.commands.execute('lazyscope:open-clusters');
  });
  await expect(page.locator(PANEL)).toBeVisible();
}

/** The panel's card of the session a kernel started. */
export function kernelCard(page: Page, kernelId: string): Locator {
  return page.locator(`${PANEL} .lazyscope-ClusterCard[data-kernel-id="${kernelId}"]`);
}
