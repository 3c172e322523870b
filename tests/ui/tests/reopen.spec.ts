import { type IJupyterLabPageFixture, test as labTest } from '@jupyterlab/galata';
import { expect, type APIRequestContext, type Locator, type Page, test } from '@playwright/test';

import { bokehRanges, NOTEBOOK7_NOT_OURS, notebookJson, plotPixels, runNewNotebook, setCells, type IPlotPixels, watchErrors } from './_helpers';

/**
 * A saved notebook opened again without its kernel's widgets (the kernel shut down, then
 * restarted) shows every lazyscope output as it looked: the progress summary, the DAG, the
 * describe card, and the plot's picture with its title, axes and legend, never ipywidgets'
 * "Error displaying widget: model not found". The picture saved is the window the user
 * last saw: after a zoom and a save the live plot is unchanged, and the reopened notebook
 * shows the zoomed window. In JupyterLab and in Jupyter Notebook 7 (same server).
 */
const PLOT_MIME = 'application/vnd.lazyscope.plot+json';
const CELLS = [
  '%load_ext lazyscope',
  'import lazyscope, numpy as np, pandas as pd',
  '%%dask --workers 1 --threads 1\nimport dask.array as da\nx = da.ones((400, 400), chunks=(100, 100))\nfloat((x + x.T).sum().compute())',
  'lazyscope.dag((x + x.T).sum())',
  'lazyscope.describe(x + x.T)',
  [
    'rng = np.random.default_rng(0)',
    'df = pd.DataFrame({"x": rng.normal(size=20_000), "y": rng.normal(size=20_000), "k": rng.choice(["a", "b", "c"], 20_000)})',
    'p = lazyscope.plot(df, "x", "y", by="k", width=360, height=240)',
    'p'
  ].join('\n')
];
// Cells are found by their code: galata's new notebook sometimes keeps an empty cell.
const [PROGRESS, DAG, DESCRIBE, PLOT] = ['%%dask', 'lazyscope.dag(', 'lazyscope.describe(', 'lazyscope.plot('];
const ZOOMED = /^(?!.*20,000 points).*points in view/;
const WIDGET_TROUBLE = /model not found|Error displaying widget|Loading widget|Traceback/;
// JupyterLab's own complaints about a page reloaded while its kernel starts: the debugger
// state it was restoring, and the notebook's name before galata renamed it (the workspace).
const RELOAD_NOT_OURS = [
  /^Could not restore the debugger state: Canceled future for debug_request/,
  /status of 404 \(Not Found\) \(\S+\/api\/contents\/\S+\/Untitled\.ipynb\?/,
  // Seen twice in one CI run (not here, in three runs under load): a resize or intersection
  // observer already disposed when the reloaded page's outputs were laid out. No code of
  // lazyscope calls observe(); thrown from our bundle it would still count.
  /^Cannot read properties of null \(reading 'observe'\)(?! \(at [^)]*\/lazyscope\/)/
];

function ours(errors: string[], known: RegExp[] = []): string[] {
  return errors.filter(error => ![...RELOAD_NOT_OURS, ...known].some(pattern => pattern.test(error)));
}

interface ISavedPlot {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

/** The plot's output as saved on disk. */
async function savedPlot(request: APIRequestContext, base: string, path: string): Promise<ISavedPlot> {
  const reply = await request.get(`${base}/api/contents/${path}?content=1`);
  expect(reply.ok(), `reading ${path}`).toBe(true);
  const cells = (await reply.json()).content.cells as { source: string; outputs: ISavedPlot[] }[];
  const outputs = cells.filter(cell => cell.source.includes(PLOT))[0].outputs;
  const found = outputs.filter(output => output.data?.[PLOT_MIME]);
  expect(found).toHaveLength(1);
  return found[0];
}

/** The ranges a plot's text names: "..., x -1..1, y 0..2" -> [[-1, 1], [0, 2]]. */
function textRanges(text: string): number[][] {
  const match = /, x (\S+)\.\.(\S+), y (\S+)\.\.(\S+)$/.exec(text);
  expect(match, text).not.toBeNull();
  const [x0, x1, y0, y1] = match!.slice(1).map(Number);
  return [
    [x0, x1],
    [y0, y1]
  ];
}

function cellsOf(page: Page): Locator {
  return page.locator('.jp-Notebook .jp-CodeCell');
}

/** The notebook's cell whose code has this text. */
function cell(page: Page, code: string): Locator {
  return cellsOf(page).filter({ has: page.locator('.jp-InputArea', { hasText: code }) });
}

/** Every output of the notebook drawn, the plot as its saved still; the still's pixels. */
async function expectDrawnFromSave(page: Page, shot: string): Promise<IPlotPixels> {
  await expect(cell(page, PROGRESS).locator('.lazyscope-progress-summary')).toContainText(
    /Dask: (\d+)\/\1 tasks/,
    { timeout: 60_000 }
  );
  await expect(cell(page, DAG).locator('.jp-lazyscope-dag-node').first()).toBeVisible();
  await expect(cell(page, DESCRIBE).locator('.jp-lazyscope-describe')).toBeVisible();
  const plot = cell(page, PLOT);
  const still = plot.locator('img.jp-lazyscope-plot-still');
  await expect(still).toBeVisible();
  // The kernel holds no model of this plot: no live view is attempted (no Bokeh canvas).
  await expect(plot.locator('canvas')).toHaveCount(0);
  for (const text of await page.locator('.jp-OutputArea-output').allInnerTexts()) {
    expect(text).not.toMatch(WIDGET_TROUBLE);
  }
  await plot.scrollIntoViewIfNeeded();
  await plot.screenshot({ path: test.info().outputPath(shot) });
  const pixels = await plotPixels(still);
  // Bokeh's figure, not the bare grid: a title above, tick labels left and below, the
  // legend's swatches right, and the data.
  expect(pixels.width).toBeGreaterThan(360 + 60);
  expect(pixels.height).toBeGreaterThan(240 + 40);
  expect(pixels.title, 'title').toBeGreaterThan(30);
  expect(pixels.yTicks, 'y axis').toBeGreaterThan(30);
  expect(pixels.xTicks, 'x axis').toBeGreaterThan(30);
  expect(pixels.legend, 'legend').toBeGreaterThan(30);
  expect(pixels.colored, 'data').toBeGreaterThan(0.001);
  return pixels;
}

/** The live plot (ipywidgets' view inside ours), once its kernel re-aggregated. */
async function expectLivePlot(page: Page, points: RegExp): Promise<Locator> {
  const plot = cell(page, PLOT);
  const status = plot.locator('.widget-html', { hasText: 'points in view' });
  await expect(status).toContainText(points, { timeout: 120_000 });
  await expect(plot.locator('.lazyscope-plot-busy')).toHaveCount(0);
  await expect(plot.locator('canvas').first()).toBeVisible();
  await expect(plot.locator('img.jp-lazyscope-plot-still')).toBeHidden();
  return plot;
}

/** Reload JupyterLab: it restores the notebook's tab, and starts a kernel for it. */
async function reopenInLab(page: IJupyterLabPageFixture): Promise<void> {
  // Not galata's wait for a page ready for a test (it waits for a Launcher tab).
  const reload = page.reload.bind(page) as (options: { waitForIsReady: boolean }) => Promise<unknown>;
  await reload({ waitForIsReady: false });
  await page.locator('#jupyterlab-splash').waitFor({ state: 'detached' });
  if (!(await page.notebook.isOpen('reopen.ipynb'))) {
    await page.notebook.open('reopen.ipynb');
  }
  await expect(cell(page, PLOT)).toBeAttached();
}

async function currentKernel(page: Page, call: 'shutdown' | 'restartKernel'): Promise<void> {
  await page.evaluate(async name => {
    const panel = (window as any).jupyterapp.shell.currentWidget;
    await panel.sessionContext[name]();
  }, call);
}

/** The notebook's kernel answered (after a start or a restart: requests sent before are
 * lost) and is idle. */
async function kernelIdle(page: Page): Promise<void> {
  await expect
    .poll(
      () =>
        page.evaluate(async () => {
          const kernel = (window as any).jupyterapp.shell.currentWidget?.sessionContext?.session?.kernel;
          if (kernel?.connectionStatus !== 'connected') {
            return false;
          }
          // A request sent while the server swaps a restarted kernel's channels is lost:
          // ask again until one is answered.
          const timeout = new Promise(resolve => setTimeout(() => resolve(false), 2000));
          return Promise.race([kernel.requestKernelInfo().then(() => true), timeout]);
        }),
      { timeout: 120_000 }
    )
    .toBe(true);
  await page.waitForFunction(
    () => (window as any).jupyterapp.shell.currentWidget?.sessionContext?.session?.kernel?.status === 'idle',
    undefined,
    { timeout: 120_000 }
  );
}

labTest('a saved notebook reopens as it was in JupyterLab', async ({ page, request, baseURL, tmpPath }) => {
  labTest.setTimeout(600_000);
  const errors = watchErrors(page);
  const base = (baseURL ?? '').replace(/\/$/, '');
  const path = `${tmpPath}/reopen.ipynb`;
  await runNewNotebook(page, 'reopen.ipynb', CELLS.slice(1));
  await expectLivePlot(page, /20,000 points in view/);
  await page.notebook.save();
  const home = await savedPlot(request, base, path);
  // Saved from the canvas: Bokeh's figure with axes; the kernel's SVG of the first view
  // is gone, the text names the window.
  expect(home.data['image/svg+xml']).toBeUndefined();
  expect(String(home.data['text/plain'])).toMatch(/^lazyscope plot: count of y vs x \(pandas\), x /);

  // Kernel shut down, page reloaded: the notebook opens with a new kernel.
  await currentKernel(page, 'shutdown');
  await reopenInLab(page);
  const first = await expectDrawnFromSave(page, '01-lab-reopened.png');
  await expect(cell(page, PLOT).locator('img.jp-lazyscope-plot-still')).toHaveAttribute(
    'src',
    `data:image/png;base64,${home.data['image/png']}`
  );
  // A click on the picture cannot inspect its pixels (no kernel holds the data): it says so.
  await cell(page, PLOT).locator('img.jp-lazyscope-plot-still').click();
  await expect(cell(page, PLOT).locator('.jp-lazyscope-plot-note')).toContainText(
    'Inspect needs the running kernel'
  );

  // And with that kernel restarted (through the server), the page loaded again. The page's
  // own restart (sessionContext.restartKernel) fails in a JupyterLab page restored by a
  // reload ("Invalid response: 201 Created"; the status stays "Starting"), with or
  // without lazyscope's extension. The reloaded page has a session only once its kernel
  // has connected (a loaded machine takes seconds).
  await kernelIdle(page);
  const id = await page.evaluate(
    () => (window as any).jupyterapp.shell.currentWidget.sessionContext.session.kernel.id
  );
  expect((await request.post(`${base}/api/kernels/${id}/restart`)).ok()).toBe(true);
  await reopenInLab(page);
  await kernelIdle(page);
  await expectDrawnFromSave(page, '02-lab-restarted.png');

  // Run again (live), zoom from the kernel, save: the live view stays as it is.
  await kernelIdle(page);
  await page.notebook.run();
  await expectLivePlot(page, /20,000 points in view/);
  await setCells(page, ['p.zoom((-1.0, 1.0), (0.0, 2.0))'], true);
  await page.notebook.runCell((await page.notebook.getCellCount()) - 1);
  await expect.poll(() => bokehRanges(page), { timeout: 60_000 }).toEqual([
    [-1, 1],
    [0, 2]
  ]);
  const plot = await expectLivePlot(page, ZOOMED);
  await plot.screenshot({ path: test.info().outputPath('03-lab-zoomed-live.png') });
  await page.notebook.save();
  await expectLivePlot(page, /points in view/); // still live, not redrawn as a still
  expect(await bokehRanges(page)).toEqual([
    [-1, 1],
    [0, 2]
  ]);
  const zoomed = await savedPlot(request, base, path);
  expect(zoomed.data['text/plain']).toBe('lazyscope plot: count of y vs x (pandas), x -1..1, y 0..2');
  expect(zoomed.data['image/png']).not.toBe(home.data['image/png']);

  await currentKernel(page, 'shutdown');
  await reopenInLab(page);
  const reopened = await expectDrawnFromSave(page, '04-lab-zoomed-reopened.png');
  // Another picture than the first save's (the window itself is checked by the saved
  // text above and in the screenshots).
  expect(reopened).not.toEqual(first);
  await currentKernel(page, 'shutdown');
  expect(ours(errors)).toEqual([]);
});

test('a saved notebook reopens as it was in Notebook 7', async ({ page, request, baseURL }, testInfo) => {
  test.setTimeout(600_000);
  const errors = watchErrors(page);
  const base = (baseURL ?? '').replace(/\/$/, '');
  const name = `reopen-notebook7-${testInfo.retry}.ipynb`;
  const made = await request.put(`${base}/api/contents/${name}`, {
    data: { type: 'notebook', format: 'json', content: notebookJson(CELLS) }
  });
  expect(made.ok(), `creating ${name}`).toBe(true);
  const open = async (): Promise<void> => {
    await page.waitForFunction(() => Boolean((window as any).jupyterapp?.commands));
    await page.waitForFunction(() => {
      const panel = (window as any).jupyterapp.shell.currentWidget;
      return panel?.sessionContext?.session?.kernel?.connectionStatus === 'connected';
    });
  };
  await page.goto(`notebooks/${name}`);
  await open();
  await page.evaluate(() => (window as any).jupyterapp.commands.execute('notebook:run-all-cells'));
  const plot = await expectLivePlot(page, /20,000 points in view/);

  // A wheel zoom in the browser, then a save.
  const canvas = plot.locator('canvas').first();
  await canvas.scrollIntoViewIfNeeded();
  const box = (await canvas.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.wheel(0, -600);
  await expectLivePlot(page, ZOOMED);
  const seen = await bokehRanges(page);
  await page.evaluate(() => (window as any).jupyterapp.commands.execute('docmanager:save'));
  await expect.poll(async () => String((await savedPlot(request, base, name)).data['text/plain'])).toContain(
    'lazyscope plot: count of y vs x (pandas)'
  );
  const saved = await savedPlot(request, base, name);
  const ranges = textRanges(String(saved.data['text/plain'])).sort((a, b) => a[0] - b[0]);
  ranges.flat().forEach((value, i) => expect(value).toBeCloseTo(seen.flat()[i], 4));

  const kernel = await page.evaluate(
    () => (window as any).jupyterapp.shell.currentWidget.sessionContext.session.kernel.id
  );
  expect((await request.delete(`${base}/api/kernels/${kernel}`)).ok()).toBe(true);
  await page.reload();
  await open();
  await expectDrawnFromSave(page, '05-notebook7-reopened.png');
  await expect(cell(page, PLOT).locator('img.jp-lazyscope-plot-still')).toHaveAttribute(
    'src',
    `data:image/png;base64,${saved.data['image/png']}`
  );
  await kernelIdle(page);
  await currentKernel(page, 'restartKernel');
  await kernelIdle(page);
  await expectDrawnFromSave(page, '06-notebook7-restarted.png');
  await currentKernel(page, 'shutdown');
  expect(ours(errors, NOTEBOOK7_NOT_OURS)).toEqual([]);
});
