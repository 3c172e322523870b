import { expect, test } from '@jupyterlab/galata';
import type { Locator, Page } from '@playwright/test';
import { setCells } from './_helpers';

/**
 * JupyterLab typesets `$...$` in text/html outputs as LaTeX; lazyscope's views must not
 * be: a Spark stage `$anonfun$withThreadLocalCaptured$1 at CompletableFuture.java:1768`,
 * a column `$price$` or a value `$a$` stays text. Every view with a `$` is shown (progress
 * summary, live progress, describe card and its HTML fallback, status, DAG, plot), and no
 * MathJax element may appear in them. Controls keep the test honest: MathJax is running
 * in this page (a plain `$x^2$` is typeset), and the very same summary HTML without our
 * root's ignore classes is typeset. pandas, Dask on the kernel's threads and a summary
 * object keep the test free of a JVM or a cluster: the HTML is the same for every engine.
 */
const ANONFUN = '$anonfun$withThreadLocalCaptured$1 at CompletableFuture.java:1768';

const CELLS: { name: string; source: string }[] = [
  {
    name: 'control before',
    source: 'from IPython.display import HTML, display; display(HTML("<p>control: $x^2$</p>"))'
  },
  {
    name: 'progress summary',
    source: [
      'import lazyscope, time, pandas as pd, dask.dataframe as dd',
      'from lazyscope.model import ProgressBoard, StageProgress as S',
      'from lazyscope.views._progress_text import ProgressSummary, Section',
      `anon = ${JSON.stringify(ANONFUN)}`,
      'stages = [S("2", f"stage 2 ({anon})", 4, 4, job="job 1", started=1.0, ended=2.5), S("3", f"stage 3 ({anon})", 1, 1, job="job 2", started=2.5, ended=3.0)]',
      'summary = ProgressSummary([Section("Spark", stages)], 3.1)',
      'summary'
    ].join('\n')
  },
  {
    name: 'summary without the ignore classes (control)',
    source:
      'display(HTML(summary._repr_html_().replace("tex2jax_ignore mathjax_ignore", "")))'
  },
  {
    name: 'describe card',
    source: [
      'df = pd.DataFrame({"$price$": [1.5, 2.5], "cost $x$": ["$a$", "$b$"]})',
      'lazyscope.describe(df)'
    ].join('\n')
  },
  {
    name: 'describe HTML fallback',
    source:
      'display({"text/html": lazyscope.describe(df)._repr_mimebundle_()["text/html"]}, raw=True)'
  },
  {
    name: 'status',
    source: [
      'from lazyscope.views.status import StatusView',
      'from lazyscope.engines import SessionInfo',
      'StatusView(SessionInfo("spark", "local[$n$]", app_id="$app$", version="$v$"))'
    ].join('\n')
  },
  {
    name: 'DAG',
    source: 'lazyscope.dag(dd.from_pandas(df, npartitions=2)["$price$"].sum())'
  },
  {
    name: 'plot',
    source:
      'lazyscope.plot(pd.DataFrame({"$x$": [0.0, 1.0, 2.0], "$y$": [0.0, 1.0, 4.0]}), "$x$", "$y$", width=200, height=150)'
  },
  {
    name: 'live progress',
    source: [
      'from lazyscope.views.progress import ProgressRun',
      'class Src: board = ProgressBoard("Spark"); start = lambda self: self.board.put(S("1", f"stage 1 ({anon})", 10, 3, job="job 0")); poll = cancel = lambda self: None; stop = lambda self, e: self.board.put(S("1", f"stage 1 ({anon})", 10, 10, job="job 0", started=1.0, ended=2.0))',
      'with ProgressRun([Src()], live=True): time.sleep(15)'
    ].join('\n')
  },
  {
    name: 'control after',
    source: 'display(HTML("<p>control: $y^2$</p>"))'
  }
];
const index = (name: string): number => CELLS.findIndex(cell => cell.name === name);
const CONTROLS = ['control before', 'control after', 'summary without the ignore classes (control)'];

function output(page: Page, name: string): Locator {
  return page.locator('.jp-Notebook .jp-Cell').nth(index(name)).locator('.jp-OutputArea');
}

test('no lazyscope output is typeset as LaTeX', async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  await page.setViewportSize({ width: 1400, height: 1800 });
  await page.notebook.createNew();
  // All cells first: running the last cell would append an empty one and shift indices.
  await setCells(page, CELLS.map(cell => cell.source));
  await page.notebook.runCell(index('control before'));
  // MathJax loads lazily: once it typeset the control, it typesets every later output.
  await expect(output(page, 'control before').locator('mjx-container')).toHaveCount(1, {
    timeout: 60_000
  });
  for (const cell of CELLS) {
    if (cell.name === 'control before' || cell.name === 'live progress') {
      continue;
    }
    if (cell.name === 'control after') {
      // runCell waits for the cell to finish: start it without waiting, look at the widget.
      await page.notebook.selectCells(index('live progress'));
      await page.keyboard.press('Control+Enter');
      const live = output(page, 'live progress').locator('.lazyscope-progress');
      await expect(live).toContainText('anonfun', { timeout: 60_000 });
      await expect(live.locator('mjx-container')).toHaveCount(0);
      await live.screenshot({ path: testInfo.outputPath('mathjax-live.png') });
      await expect(output(page, 'live progress').locator('.lazyscope-progress-summary')).toHaveCount(
        1,
        { timeout: 60_000 }
      );
    }
    await page.notebook.runCell(index(cell.name));
  }
  await expect(output(page, 'control after').locator('mjx-container')).toHaveCount(1, {
    timeout: 60_000
  });
  // The same HTML without our classes would be typeset: the case is real.
  const control = output(page, 'summary without the ignore classes (control)');
  await control.locator('summary').click();
  await expect(control.locator('mjx-container').first()).toBeVisible();

  // Unfold the summaries' detail: the stage names show, as text.
  const summary = output(page, 'progress summary').locator('.lazyscope-progress-summary');
  await summary.locator('summary').click();
  await output(page, 'live progress').locator('summary').click();
  await expect(summary).toContainText(`stage 2 (${ANONFUN}): 4/4 tasks`);
  await expect(output(page, 'describe card')).toContainText('$price$');
  await expect(output(page, 'describe HTML fallback')).toContainText('cost $x$');
  await expect(output(page, 'status')).toContainText('local[$n$]');
  await expect(output(page, 'plot').locator('.bk-Canvas, canvas').first()).toBeVisible({
    timeout: 60_000
  });
  for (const cell of CELLS) {
    if (!CONTROLS.includes(cell.name)) {
      await expect(output(page, cell.name).locator('mjx-container'), cell.name).toHaveCount(0);
    }
    const file = `mathjax-${cell.name.split(' ')[0]}-${index(cell.name)}.png`;
    await output(page, cell.name).screenshot({ path: testInfo.outputPath(file) });
  }
  await page.screenshot({ path: testInfo.outputPath('mathjax.png') });
});
