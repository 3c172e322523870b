import { expect, galata, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';

/**
 * Every tutorial, as a user runs it: opened in JupyterLab, Run All Cells, then read
 * where the user reads it. A tutorial fails on an error output, on stderr it does not
 * announce (a cell tagged `expect-stderr` may print to stderr), on a browser console
 * error, on a plot that did not draw, on MathJax typesetting inside an output, and on
 * an output that points inside the lazyscope package. One screenshot per tutorial
 * (the whole notebook) lands in the test's output folder: look at them.
 *
 * The Jupyter server runs the tutorials small (LAZYSCOPE_TUTORIAL_SCALE, set in
 * jupyter_server_test_config.py), as tests/test_notebooks.py does.
 */
const TUTORIALS = [
  '01-getting-started',
  '02-lazy-by-design',
  '03-five-ways-spark',
  '04-dask-for-pandas-and-numpy-users',
  '05-seeing-big-data',
  '06-machine-learning-at-scale',
  '07-dask-or-spark'
];
const NOTEBOOKS = path.resolve(__dirname, '..', '..', '..', 'notebooks');
// Set when the lab runs from the README's first command's environment (tests/test_ui.py):
// the kernel's Python and lazyscope must then come from there.
const README_VENV = process.env.LAZYSCOPE_README_VENV;
const WHERE_FROM =
  'import json, os, sys, lazyscope\n' +
  'print(json.dumps([os.path.realpath(sys.prefix), os.path.realpath(lazyscope.__file__)]))';
// Wall-clock budget per tutorial on 2 shared cores (kernel, JVM and cluster start-up included).
const BUDGET_S: Record<string, number> = {
  '05-seeing-big-data': 300,
  '06-machine-learning-at-scale': 240,
  '07-dask-or-spark': 240
};
const DEFAULT_BUDGET_S = 180;
// A path inside our package, as a Spark call site or a traceback would show it (other
// packages' paths only come with stderr or tracebacks, which fail on their own).
const OUR_PATHS = /lazyscope[/\\](?:_|engines|views|plot|plotting|spark|dask|model|server)/;

test.use({
  autoGoto: true,
  // Every cell rendered (no virtual scrolling), so every output can be read and shot.
  mockSettings: {
    ...galata.DEFAULT_SETTINGS,
    '@jupyterlab/notebook-extension:tracker': {
      ...galata.DEFAULT_SETTINGS['@jupyterlab/notebook-extension:tracker'],
      windowingMode: 'none'
    }
  }
});

interface IOutput {
  cell: number;
  type: string;
  name?: string;
  text: string;
  tags: string[];
}

/** Every output of the open notebook, from its model (what a saved file would hold). */
async function outputs(page: import('@playwright/test').Page): Promise<IOutput[]> {
  return page.evaluate(() => {
    const panel = window.jupyterapp.shell.currentWidget as any;
    const found: any[] = [];
    const cells = panel.content.model.cells;
    for (let i = 0; i < cells.length; i++) {
      const cell = cells.get(i).toJSON();
      const tags: string[] = cell.metadata?.tags ?? [];
      for (const out of cell.outputs ?? []) {
        let text = '';
        if (out.output_type === 'stream') {
          text = Array.isArray(out.text) ? out.text.join('') : String(out.text);
        } else if (out.output_type === 'error') {
          text = `${out.ename}: ${out.evalue}`;
        } else {
          const data = out.data ?? {};
          text = [data['text/plain'], data['text/html']]
            .map((v: any) => (Array.isArray(v) ? v.join('') : v ?? ''))
            .join('\n');
        }
        found.push({ cell: i, type: out.output_type, name: out.name, text, tags });
      }
    }
    return found;
  });
}

/** The plots in the outputs, each with the most distinct colours that one of its canvases
 * shows (sampled over a grid; Bokeh draws in shadow roots, on a primary canvas and a
 * transparent overlay one): 1 means the plot is blank. */
async function plots(page: import('@playwright/test').Page): Promise<number[]> {
  return page.evaluate(() => {
    const colours = (c: HTMLCanvasElement): number => {
      const ctx = c.getContext('2d');
      if (!ctx) {
        return -1; // a WebGL canvas: not sampled here
      }
      const seen = new Set<number>();
      const data = ctx.getImageData(0, 0, c.width, c.height).data;
      const step = Math.max(1, Math.floor((c.width * c.height) / 4000));
      for (let p = 0; p < c.width * c.height; p += step) {
        const o = p * 4;
        seen.add((data[o] << 24) | (data[o + 1] << 16) | (data[o + 2] << 8) | data[o + 3]);
      }
      return seen.size;
    };
    const found: number[] = [];
    document.querySelectorAll('.jp-OutputArea-output').forEach(output => {
      const all: HTMLCanvasElement[] = [];
      const walk = (root: Element | ShadowRoot) => {
        root.querySelectorAll('*').forEach(el => {
          if (el instanceof HTMLCanvasElement && el.width > 0 && el.height > 0) {
            all.push(el);
          }
          if ((el as Element).shadowRoot) {
            walk((el as Element).shadowRoot!);
          }
        });
      };
      walk(output);
      if (all.length) {
        found.push(Math.max(...all.map(colours)));
      }
    });
    return found;
  });
}

/** What is wrong with where the kernel's Python and lazyscope come from (asked of the
 * kernel directly, so the notebook and its picture stay as the user ran them). */
async function fromReadmeEnvironment(page: import('@playwright/test').Page, venv: string): Promise<string[]> {
  const printed = await page.evaluate(async code => {
    const panel = window.jupyterapp.shell.currentWidget as any;
    const future = panel.sessionContext.session.kernel.requestExecute({ code });
    let text = '';
    future.onIOPub = (msg: any) => {
      if (msg.header.msg_type === 'stream') {
        text += msg.content.text;
      }
    };
    await future.done;
    return text;
  }, WHERE_FROM);
  const [prefix, module] = JSON.parse(printed) as [string, string];
  const problems: string[] = [];
  if (prefix !== venv) {
    problems.push(`the kernel ran in ${prefix}, not the README's environment ${venv}`);
  }
  if (!module.startsWith(venv + path.sep)) {
    problems.push(`lazyscope came from ${module}, not the README's environment`);
  }
  return problems;
}

for (const name of TUTORIALS) {
  test(`tutorial ${name} runs clean in JupyterLab`, async ({ page, tmpPath }, testInfo) => {
    const budget = BUDGET_S[name] ?? DEFAULT_BUDGET_S;
    test.setTimeout((budget + 120) * 1000);
    const consoleErrors: string[] = [];
    page.on('console', msg => {
      if (msg.type() === 'error') {
        consoleErrors.push(msg.text());
      }
    });
    page.on('pageerror', err => consoleErrors.push(`uncaught: ${err.message}`));

    const file = `${name}.ipynb`;
    await page.contents.uploadFile(path.join(NOTEBOOKS, file), `${tmpPath}/${file}`);
    await page.filebrowser.openDirectory(tmpPath);
    await page.notebook.openByPath(`${tmpPath}/${file}`);
    await page.notebook.activate(file);

    const started = Date.now();
    await page.waitForFunction(() => {
      const panel = window.jupyterapp.shell.currentWidget as any;
      return panel?.sessionContext?.session?.kernel?.status === 'idle';
    });
    await page.evaluate(async () => {
      await window.jupyterapp.commands.execute('notebook:run-all-cells');
    });
    // Done when every code cell has an execution count and the kernel is idle.
    await page.waitForFunction(
      () => {
        const panel = window.jupyterapp.shell.currentWidget as any;
        const cells = panel.content.model.cells;
        for (let i = 0; i < cells.length; i++) {
          const cell = cells.get(i);
          if (cell.type === 'code' && !cell.executionCount) {
            return false;
          }
        }
        return panel.sessionContext.session.kernel.status === 'idle';
      },
      undefined,
      { timeout: budget * 1000, polling: 1000 }
    );
    const elapsed = (Date.now() - started) / 1000;
    // Widgets (plots, progress summaries) finish drawing after the kernel is idle.
    await page.waitForTimeout(3000);

    const outs = await outputs(page);
    const problems: string[] = [];
    for (const out of outs) {
      const where = `cell ${out.cell}`;
      if (out.type === 'error') {
        problems.push(`${where}: error output ${out.text}`);
      } else if (out.type === 'stream' && out.name === 'stderr' && !out.tags.includes('expect-stderr')) {
        problems.push(`${where}: stderr ${JSON.stringify(out.text.slice(0, 400))}`);
      }
      const inside = out.text.match(OUR_PATHS);
      if (inside) {
        const at = out.text.indexOf(inside[0]);
        problems.push(`${where}: points inside the package: ${JSON.stringify(out.text.slice(Math.max(0, at - 80), at + 80))}`);
      }
    }
    const mathjax = await page.locator('.jp-OutputArea mjx-container').count();
    if (mathjax) {
      problems.push(`${mathjax} MathJax element(s) inside outputs`);
    }
    const drawn = await plots(page);
    const blank = drawn.filter(n => n === 1).length;
    if (blank) {
      problems.push(`${blank} of ${drawn.length} plots are blank`);
    }
    // A plot widget that never got its Bokeh view shows no canvas at all.
    const widgets = await page.locator('.jp-OutputArea-output .widget-html', { hasText: 'points in view' }).count();
    if (widgets > drawn.length) {
      problems.push(`${widgets} plots but only ${drawn.length} drawn`);
    }
    for (const msg of consoleErrors) {
      problems.push(`console error: ${msg.slice(0, 400)}`);
    }
    if (elapsed > budget) {
      problems.push(`took ${elapsed.toFixed(0)} s, budget ${budget} s`);
    }

    if (README_VENV) {
      problems.push(...(await fromReadmeEnvironment(page, fs.realpathSync(README_VENV))));
    }

    // The whole notebook in one picture: no sidebar, a viewport as tall as the notebook.
    await page.sidebar.close('left');
    const height = await page.evaluate(() => {
      const panel = window.jupyterapp.shell.currentWidget as any;
      const outer = panel.content.node.querySelector('.jp-WindowedPanel-outer') ?? panel.content.node;
      outer.scrollTop = 0;
      return outer.scrollHeight as number;
    });
    await page.setViewportSize({ width: 1280, height: Math.min(Math.max(height + 200, 768), 16000) });
    await page.waitForTimeout(1000);
    await page.screenshot({ path: testInfo.outputPath(`${name}.png`) });

    // Free the kernel's JVM and cluster before the next tutorial starts its own.
    await page.evaluate(async () => {
      const panel = window.jupyterapp.shell.currentWidget as any;
      await panel.sessionContext.shutdown();
    });
    expect(problems, problems.join('\n')).toEqual([]);
  });
}
