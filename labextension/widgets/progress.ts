/**
 * The live progress view's browser side: an anywidget ES module (the kernel's
 * `views/_progress_widget.py` ships the built `views/static/progress.js`). Loaded by
 * anywidget, not by our lab extension, so it also draws where that extension is off.
 *
 * The kernel sends rows only when counts change (at most 10 times a second, a bounded
 * number of rows); this module ticks the elapsed clock itself between messages. It is one
 * file with no imports: anywidget evaluates it as a single module.
 */
import type { RenderProps } from '@anywidget/types';

/** One stage (Spark) or task group (Dask), as `visible_rows` in the kernel sends it. */
export interface IRow {
  job: string;
  label: string;
  total: number;
  done: number;
  running: number;
  failed: number;
  memory: number;
  skipped: boolean;
}

/** A live-DAG node's tasks: total, done, running, failed, and its count line. */
export type IFill = [number, number, number, number, string];

/** The widget's synced traits (`ProgressWidget` in the kernel). */
export interface IProgressState {
  title: string;
  rows: IRow[];
  hidden: number; // rows left out to keep messages small
  elapsed: number; // seconds, as of the last message
  state: 'running' | 'cancelling';
  dags: string[]; // live DAGs: our own SVG, one per shape
  fills: Record<string, IFill>;
}

/** MathJax's ignore classes: a stage named `$anonfun$...` stays text (as views/_html.py's MATH_SAFE). */
const MATH_SAFE = 'tex2jax_ignore mathjax_ignore';
const STATES = ['done', 'running', 'failed'] as const;

/** The elements of one live-DAG node that a fill moves. */
interface INodeParts {
  x: number;
  width: number;
  parts: (Element | null)[];
  text: Element | null;
}

function bar(row: IRow): HTMLElement {
  const outer = document.createElement('div');
  outer.className = 'lzp-bar';
  for (const state of STATES) {
    const seg = document.createElement('div');
    seg.className = 'lzp-' + state;
    seg.style.width = (row.total ? (100 * row[state]) / row.total : 0) + '%';
    outer.appendChild(seg);
  }
  return outer;
}

/** Once per SVG: "i|node id" -> the elements a fill moves, so a fill is attribute writes. */
function indexNodes(holder: HTMLElement): Map<string, INodeParts> {
  const index = new Map<string, INodeParts>();
  [...holder.children].forEach((svg, i) => {
    for (const node of svg.querySelectorAll<SVGGElement>('g[data-id]')) {
      const bar = node.querySelector<SVGElement>('.lzd-bar');
      if (!bar) {
        continue;
      }
      index.set(`${i}|${node.dataset.id}`, {
        x: Number(bar.dataset.x),
        width: Number(bar.dataset.w),
        parts: STATES.map(state => node.querySelector('.lzd-' + state)),
        text: node.querySelector('.lzd-count')
      });
    }
  });
  return index;
}

const fillTimes = new WeakMap<HTMLElement, number[]>();

function fillNodes(holder: HTMLElement, index: Map<string, INodeParts>, fills: IProgressState['fills']): void {
  const began = performance.now();
  for (const [key, [total, done, running, failed, text]] of Object.entries(fills)) {
    const node = index.get(key);
    if (!node) {
      continue;
    }
    const tasks = [done, running, failed];
    let x = node.x;
    node.parts.forEach((seg, i) => {
      const w = total ? (node.width * Math.min(tasks[i], total)) / total : 0;
      seg?.setAttribute('x', x.toFixed(1));
      seg?.setAttribute('width', w.toFixed(1));
      x += w;
    });
    if (node.text) {
      node.text.textContent = text;
    }
  }
  // What a fill costs, read by the browser test (the page must keep >= 10 frames/s).
  const spent = fillTimes.get(holder) || [];
  fillTimes.set(holder, spent);
  spent.push(performance.now() - began);
  holder.dataset.frames = String(spent.length);
  holder.dataset.fillMs = [...spent]
    .sort((a, b) => a - b)
    .map(t => t.toFixed(1))
    .join(' ');
}

/** A row's count line, e.g. "4/10 · 2 running · 1 failed". */
export function counts(row: IRow): string {
  let text = `${row.done}/${row.total}`;
  if (row.running) {
    text += ` · ${row.running} running`;
  }
  if (row.failed) {
    text += ` · ${row.failed} failed`;
  }
  if (row.memory) {
    text += ` · ${row.memory} in memory`;
  }
  if (row.skipped) {
    text = 'skipped';
  }
  return text;
}

function render({ model, el }: Pick<RenderProps<IProgressState>, 'model' | 'el'>): () => void {
  const root = document.createElement('div');
  root.className = `lazyscope-progress ${MATH_SAFE}`;
  const head = document.createElement('div');
  head.className = 'lzp-head';
  const title = document.createElement('span');
  const clock = document.createElement('span');
  clock.className = 'lzp-clock';
  const cancel = document.createElement('button');
  cancel.className = 'lzp-cancel';
  cancel.textContent = 'Cancel';
  cancel.title = "Cancel this cell's engine work (the kernel's interrupt works too)";
  cancel.onclick = () => {
    model.send({ type: 'cancel' });
    cancel.disabled = true;
    cancel.textContent = 'Cancelling…';
  };
  head.append(title, clock, cancel);
  const table = document.createElement('div');
  table.className = 'lzp-rows';
  const graphs = document.createElement('div');
  graphs.className = 'lzp-dags';
  root.append(head, table, graphs);
  el.appendChild(root);
  let received = performance.now();
  const draw = (): void => {
    received = performance.now();
    const cancelling = model.get('state') === 'cancelling';
    title.textContent = model.get('title') + (cancelling ? ' (cancelling…)' : '');
    cancel.style.display = model.get('state') === 'running' ? '' : 'none';
    table.replaceChildren();
    let job: string | null = null;
    for (const row of model.get('rows')) {
      if (row.job && row.job !== job) {
        const h = document.createElement('div');
        h.className = 'lzp-job';
        h.textContent = row.job;
        table.appendChild(h);
        job = row.job;
      }
      const line = document.createElement('div');
      line.className = 'lzp-row';
      const label = document.createElement('span');
      label.className = 'lzp-label';
      label.textContent = row.label;
      label.title = row.label;
      const text = document.createElement('span');
      text.className = 'lzp-counts';
      text.textContent = counts(row);
      line.append(label, bar(row), text);
      table.appendChild(line);
    }
    const hidden = model.get('hidden');
    if (hidden) {
      const more = document.createElement('div');
      more.className = 'lzp-more';
      more.textContent = `… ${hidden} more`;
      table.appendChild(more);
    }
  };
  const tick = (): void => {
    const extra = (performance.now() - received) / 1000;
    clock.textContent = `${(model.get('elapsed') + extra).toFixed(1)} s`;
  };
  let index = new Map<string, INodeParts>();
  const drawDags = (): void => {
    const svgs = model.get('dags') || [];
    if (!svgs.length) {
      return; // no live DAG asked for: the view is rows only
    }
    // Our own SVG: every engine or user string in it is escaped in the kernel.
    graphs.innerHTML = svgs.join('');
    index = indexNodes(graphs);
    fillNodes(graphs, index, model.get('fills') || {});
  };
  model.on('change:dags', drawDags);
  model.on('change:fills', () => fillNodes(graphs, index, model.get('fills') || {}));
  drawDags();
  model.on('change:rows', draw);
  model.on('change:state', draw);
  model.on('change:hidden', draw);
  draw();
  tick();
  const timer = setInterval(tick, 200);
  return () => clearInterval(timer);
}

export default { render };
