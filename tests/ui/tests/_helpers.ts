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
  // The message, then where it was thrown (its first stack frame's file), as for console errors.
  page.on('pageerror', error => {
    const frame = (error.stack ?? '').split('\n').find(line => line.trim().startsWith('at '));
    errors.push(frame ? `${error.message} (${frame.trim()})` : error.message);
  });
  return errors;
}

/** The notebook model of the main area's notebook, as much of it as the specs use. */
interface INotebookCells {
  cells: unknown[];
  transact(change: () => void): void;
  deleteCellRange(from: number, to: number): void;
  insertCells(index: number, cells: { cell_type: 'code'; source: string }[]): void;
}

/**
 * Put these code cells in the active notebook at once, in place of its cells, or after
 * them with `append`, as opening a saved notebook would. galata's setCell and addCell
 * type every character (about 7 ms each on an idle 2-core machine, several times that
 * under the suite's load); the specs test outputs, not the editor.
 */
export async function setCells(page: Page, sources: string[], append = false): Promise<void> {
  await page.evaluate(
    ([cells, after]) => {
      const panel = window.jupyterapp.shell.currentWidget as unknown as {
        content: { model: { sharedModel: INotebookCells } };
      };
      const notebook = panel.content.model.sharedModel;
      notebook.transact(() => {
        const count = notebook.cells.length;
        if (!after) {
          notebook.deleteCellRange(0, count);
        }
        notebook.insertCells(
          after ? count : 0,
          cells.map(source => ({ cell_type: 'code', source }))
        );
      });
    },
    [sources, append] as [string[], boolean]
  );
}

/** A new notebook that loads lazyscope and runs `cells` after it, as a user would. */
export async function runNewNotebook(
  page: IJupyterLabPageFixture,
  name: string,
  cells: string[]
): Promise<void> {
  await page.notebook.createNew(name);
  await setCells(page, ['%load_ext lazyscope', ...cells]);
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

/** Errors Notebook 7 logs with lazyscope's lab extension disabled, too: another extension
 * that requires ILabShell; Notebook's shortcut settings reading a plugin that failed to
 * activate; and, once JupyterLab specs ran on this server, the file browser's restorer
 * asking for a command the notebook page does not have (both stacks in notebook_core). */
export const NOTEBOOK7_NOT_OURS = [
  /Plugin 'dask-labextension:plugin' failed to activate/,
  /^Cannot read properties of undefined \(reading 'schema'\) \(at \S+\/static\/notebook\//,
  /^Command 'filebrowser:open-path' not registered\. \(at \S+ \(\S+\/static\/notebook\//
];

/** A notebook (nbformat 4 JSON) of these code cells, not run, for the contents API. */
export function notebookJson(sources: string[]): Record<string, unknown> {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    cells: sources.map((source, i) => ({
      cell_type: 'code',
      id: `cell-${i}`,
      metadata: {},
      execution_count: null,
      outputs: [],
      source
    }))
  };
}

/** The x and y Range1d of the page's Bokeh documents, as [start, end] pairs. */
export async function bokehRanges(page: Page): Promise<number[][]> {
  return page.evaluate(() => {
    const found: number[][] = [];
    for (const doc of (window as any).Bokeh?.documents ?? []) {
      for (const model of doc.all_models ?? []) {
        if (model.type === 'Range1d' || model.constructor?.name === 'Range1d') {
          found.push([model.start, model.end]);
        }
      }
    }
    return found.sort((a, b) => a[0] - b[0]);
  });
}

/** What a picture of a plot shows, read from its pixels: its size, the share of coloured
 * pixels (the data; a zoom into the dense middle has more), and dark pixels (text, axes)
 * in the bands where the title, the y tick labels and the x tick labels are, and coloured
 * ones where the legend is. */
export interface IPlotPixels {
  width: number;
  height: number;
  colored: number;
  title: number;
  yTicks: number;
  xTicks: number;
  legend: number;
}

/** The pixels of an <img> (drawn into a canvas in the page). */
export async function plotPixels(img: Locator): Promise<IPlotPixels> {
  return img.evaluate(async (node: HTMLImageElement) => {
    await node.decode();
    const canvas = document.createElement('canvas');
    canvas.width = node.naturalWidth;
    canvas.height = node.naturalHeight;
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(node, 0, 0);
    const { data, width, height } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    const found = { width, height, colored: 0, title: 0, yTicks: 0, xTicks: 0, legend: 0 };
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = 4 * (y * width + x);
        const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
        const spread = Math.max(r, g, b) - Math.min(r, g, b);
        if (a > 128 && spread > 60) {
          found.colored += 1;
          found.legend += x > 0.8 * width ? 1 : 0;
        } else if (a > 128 && Math.max(r, g, b) < 130 && spread < 30) {
          found.title += y < 0.12 * height ? 1 : 0;
          found.yTicks += x < 0.15 * width && y > 0.12 * height ? 1 : 0;
          found.xTicks += y > 0.82 * height && x > 0.15 * width ? 1 : 0;
        }
      }
    }
    found.colored /= width * height;
    return found;
  });
}
