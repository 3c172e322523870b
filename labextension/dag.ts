import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';

import { IDag, IDagLayout, IDagNode, IPlaced, countsText, initiallyOpen, place, progressText, subtitle } from './dagModel';

/** The DAG view's MIME type (written by `lazyscope.dag` and `%%spark/%%dask --dag`). */
export const DAG_MIME = 'application/vnd.lazyscope.dag+json';

const SVG_NS = 'http://www.w3.org/2000/svg';
const MAX_HEIGHT = 560;
const MARGIN = 12; // around the drawing, as in the kernel's SVG
const SLOWEST = 'slowest'; // the rule of the finding that marks where a run spent its time
let views = 0; // for ids unique in the page (arrow markers)

/** An element with text content only: engine and user strings never become markup. */
function el(tag: string, className: string, text?: string): HTMLElement {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

function svg(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) {
    node.setAttribute(key, String(value));
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

function clip(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

/**
 * Interactive DAG at the kernel's positions (the payload's `layout`, which its SVG
 * fallback draws too), drag to pan, Ctrl/⌘+wheel or the buttons to zoom,
 * click a node for its details, double-click a group (or use the details button)
 * to expand or collapse it.
 */
export class DagView extends Widget implements IRenderMime.IRenderer {
  private dag: IDag | null = null;
  private plan: IDagLayout | null = null;
  private expanded = new Set<string>();
  private view = { x: 0, y: 0, k: 1 };
  private viewport: SVGGElement | null = null;
  private canvas: SVGSVGElement | null = null;
  private details: HTMLElement | null = null;
  private size = { width: 0, height: 0 };
  private fitted = false;
  private selected: string | null = null;
  private boxes: IPlaced[] = [];
  private readonly uid = `jp-lazyscope-dag-${++views}`;

  constructor() {
    super();
    this.addClass('jp-lazyscope-dag');
  }

  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const started = performance.now();
    this.dag = model.data[DAG_MIME] as unknown as IDag;
    this.plan = this.dag.layout || null;
    this.node.textContent = '';
    this.node.appendChild(this.header(this.dag));
    if (!this.plan) {
      this.unplaced(model);
      return Promise.resolve();
    }
    this.expanded = initiallyOpen(this.plan);
    const body = this.node.appendChild(el('div', 'jp-lazyscope-dag-body'));
    this.canvas = svg('svg', { class: 'jp-lazyscope-dag-canvas' }) as SVGSVGElement;
    body.appendChild(this.canvas);
    this.details = body.appendChild(el('div', 'jp-lazyscope-dag-details'));
    this.details.hidden = true;
    for (const note of this.dag.notes || []) {
      this.node.appendChild(el('div', 'jp-lazyscope-dag-note', note));
    }
    this.bindPanZoom(this.canvas);
    this.draw();
    this.node.dataset.renderMs = (performance.now() - started).toFixed(1);
    return Promise.resolve();
  }

  protected onAfterAttach(): void {
    this.fitView();
  }

  /**
   * A payload without positions (saved by a lazyscope before 0.2, whose kernel laid out
   * only its SVG): that SVG, which the same output carries, and a line saying why.
   */
  private unplaced(model: IRenderMime.IMimeModel): void {
    const saved = model.data['image/svg+xml'];
    const line = 'This DAG was saved without its layout: run the cell again for the interactive view.';
    this.node.appendChild(el('div', 'jp-lazyscope-dag-note', line));
    if (typeof saved === 'string') {
      const image = this.node.appendChild(document.createElement('img'));
      image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(saved)}`;
      image.alt = this.dag?.title || 'DAG';
    }
  }

  private header(dag: IDag): HTMLElement {
    const header = el('div', 'jp-lazyscope-dag-header');
    header.appendChild(el('span', 'jp-lazyscope-dag-title', dag.title || `${dag.engine} DAG`));
    header.appendChild(el('span', 'jp-lazyscope-dag-chip', dag.level));
    const stats = countsText(dag.stats) || '';
    if (stats) {
      header.appendChild(el('span', 'jp-lazyscope-dag-muted', stats));
    }
    // What a run found out (the slowest part) is not advice: only advice is counted here.
    const warnings = (dag.findings || []).filter(f => f.rule !== SLOWEST).length;
    if (warnings) {
      header.appendChild(el('span', 'jp-lazyscope-dag-chip jp-lazyscope-dag-chip-warn', `${warnings} advisor finding${warnings > 1 ? 's' : ''}`));
    }
    for (const finding of (dag.findings || []).filter(f => f.rule === SLOWEST)) {
      header.appendChild(el('span', 'jp-lazyscope-dag-chip jp-lazyscope-dag-chip-slowest', `◆ ${finding.message}`));
    }
    const buttons: [string, string, () => void][] = [
      ['+', 'Zoom in', () => this.zoom(1.25)],
      ['−', 'Zoom out', () => this.zoom(0.8)],
      ['Fit', 'Fit to view', () => this.fitView()]
    ];
    for (const [text, title, action] of buttons) {
      const button = header.appendChild(el('button', 'jp-lazyscope-dag-button', text)) as HTMLButtonElement;
      button.title = title;
      button.addEventListener('click', action);
    }
    return header;
  }

  /** Lay out and draw what is visible with the current expanded groups. */
  private draw(): void {
    if (!this.dag || !this.plan || !this.canvas) {
      return;
    }
    const laid = place(this.dag, this.plan, this.expanded);
    this.boxes = laid.boxes;
    this.canvas.textContent = '';
    const defs = this.canvas.appendChild(svg('defs', {}));
    const marker = defs.appendChild(svg('marker', { id: `${this.uid}-arrow`, viewBox: '0 0 8 8', refX: 8, refY: 4, markerWidth: 7, markerHeight: 7, orient: 'auto' }));
    marker.appendChild(svg('path', { d: 'M0,0 L8,4 L0,8 z', class: 'jp-lazyscope-dag-arrow' }));
    // Task states are told apart without colour too: running striped, failed crossed.
    const running = defs.appendChild(svg('pattern', { id: `${this.uid}-running`, width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' }));
    running.appendChild(svg('rect', { width: 6, height: 6, class: 'jp-lazyscope-dag-running-bg' }));
    running.appendChild(svg('rect', { width: 3, height: 6, class: 'jp-lazyscope-dag-running-fg' }));
    const failed = defs.appendChild(svg('pattern', { id: `${this.uid}-failed`, width: 5, height: 5, patternUnits: 'userSpaceOnUse' }));
    failed.appendChild(svg('rect', { width: 5, height: 5, class: 'jp-lazyscope-dag-failed-bg' }));
    failed.appendChild(svg('path', { d: 'M0,0 L5,5 M5,0 L0,5', class: 'jp-lazyscope-dag-failed-fg' }));
    this.viewport = this.canvas.appendChild(svg('g', {})) as SVGGElement;
    // The kernel's positions start at 0, 0; the margin is the SVG fallback's too.
    const drawing = this.viewport.appendChild(svg('g', { transform: `translate(${MARGIN},${MARGIN})` }));
    for (const box of laid.boxes.filter(b => b.cluster)) {
      drawing.appendChild(this.cluster(box));
    }
    for (const points of laid.edges) {
      const d = points.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
      drawing.appendChild(svg('path', { d, class: 'jp-lazyscope-dag-edge', 'marker-end': `url(#${this.uid}-arrow)` }));
    }
    for (const box of laid.boxes.filter(b => !b.cluster)) {
      drawing.appendChild(this.box(box));
    }
    this.size = { width: laid.width + 2 * MARGIN, height: laid.height + 2 * MARGIN };
    this.canvas.style.height = `${Math.min(this.size.height * this.view.k + 16, MAX_HEIGHT)}px`;
    this.node.dataset.nodes = String(laid.boxes.filter(b => !b.cluster).length);
    this.apply();
  }

  private cluster(box: IPlaced): SVGElement {
    const g = svg('g', { class: 'jp-lazyscope-dag-cluster', 'data-id': box.item.id });
    g.appendChild(svg('rect', { x: box.x, y: box.y, width: box.width, height: box.height, rx: 8 }));
    const second = subtitle(box.item);
    const label = `⊟ ${clip(box.item.label, 40)}${second ? ` · ${clip(second, 50)}` : ''}`;
    g.appendChild(svg('text', { x: box.x + 8, y: box.y + 15, class: 'jp-lazyscope-dag-cluster-label' }, label));
    g.addEventListener('click', () => this.select(box));
    g.addEventListener('dblclick', () => this.toggle(box.item.id));
    return g;
  }

  private box(box: IPlaced): SVGElement {
    const { item } = box;
    const classes = ['jp-lazyscope-dag-node', `jp-lazyscope-dag-kind-${item.kind}`];
    if (box.group) {
      classes.push('jp-lazyscope-dag-group');
    }
    const rules = box.findings.map(i => (this.dag?.findings || [])[i]?.rule);
    const advised = rules.some(rule => rule !== SLOWEST);
    const slowest = rules.includes(SLOWEST);
    if (advised) {
      classes.push('jp-lazyscope-dag-warn');
    } else if (slowest) {
      classes.push('jp-lazyscope-dag-slowest');
    }
    const g = svg('g', { class: classes.join(' '), 'data-id': item.id, transform: `translate(${box.x},${box.y})` });
    g.appendChild(svg('title', {}, [item.label, item.detail || ''].join('\n')));
    if (box.group) {
      g.appendChild(svg('rect', { x: 4, y: 4, width: box.width, height: box.height, rx: 6, class: 'jp-lazyscope-dag-stack' }));
    }
    const progress = (item as IDagNode).progress;
    const shape = progress?.skipped ? 'jp-lazyscope-dag-shape jp-lazyscope-dag-skipped' : 'jp-lazyscope-dag-shape';
    // The same box, lines and bar as the kernel's SVG of this DAG (views/_dag_svg.py).
    g.appendChild(svg('rect', { width: box.width, height: box.height, rx: 6, class: shape }));
    const prefix = (box.group ? '⊞ ' : '') + (advised ? '⚠ ' : slowest ? '◆ ' : '');
    g.appendChild(svg('text', { x: box.width / 2, y: 17, class: 'jp-lazyscope-dag-label' }, clip(prefix + item.label, 44)));
    g.appendChild(svg('text', { x: box.width / 2, y: 33, class: 'jp-lazyscope-dag-sub' }, clip(subtitle(item), 50)));
    if (progress) {
      g.appendChild(svg('text', { x: box.width / 2, y: box.height - 14, class: 'jp-lazyscope-dag-count' }, progressText(progress)));
      const bar = { x: 8, y: box.height - 10, width: box.width - 16 };
      g.appendChild(svg('rect', { ...bar, height: 6, rx: 2, class: 'jp-lazyscope-dag-bar' }));
      let x = bar.x;
      const states: [string, number, string][] = [
        ['done', progress.done, ''],
        ['running', progress.running, `url(#${this.uid}-running)`],
        ['failed', progress.failed, `url(#${this.uid}-failed)`]
      ];
      for (const [state, n, paint] of states) {
        const w = progress.total ? (bar.width * Math.min(n, progress.total)) / progress.total : 0;
        const attrs: Record<string, string | number> = { x, y: bar.y, width: w, height: 6, class: `jp-lazyscope-dag-${state}` };
        if (paint) {
          attrs.fill = paint;
        }
        g.appendChild(svg('rect', attrs));
        x += w;
      }
    }
    g.addEventListener('click', event => {
      event.stopPropagation();
      this.select(box);
    });
    if (box.group) {
      g.addEventListener('dblclick', () => this.toggle(item.id));
    }
    return g;
  }

  private toggle(id: string): void {
    if (this.expanded.has(id)) {
      this.expanded.delete(id);
    } else {
      this.expanded.add(id);
    }
    this.draw();
    this.fitView(); // the graph changed shape: show all of it again
    const selected = this.boxes.find(b => b.item.id === this.selected);
    if (selected && this.details && !this.details.hidden) {
      this.select(selected); // the same node, with its new state (Expand <-> Collapse)
    }
  }

  /** The details panel: everything the node carries, as text. */
  private select(box: IPlaced): void {
    if (!this.details || !this.dag) {
      return;
    }
    const { item } = box;
    const panel = this.details;
    this.selected = item.id;
    panel.hidden = false;
    panel.textContent = '';
    panel.appendChild(el('div', 'jp-lazyscope-dag-details-title', item.label));
    panel.appendChild(el('div', 'jp-lazyscope-dag-muted', `${item.kind}${item.detail ? ' · ' + item.detail : ''}`));
    if (box.group) {
      const button = panel.appendChild(el('button', 'jp-lazyscope-dag-button jp-lazyscope-dag-expand', this.expanded.has(item.id) ? 'Collapse' : `Expand (${box.members})`));
      button.addEventListener('click', () => this.toggle(item.id));
    }
    const table = panel.appendChild(el('table', ''));
    const progress = (item as IDagNode).progress;
    const rows = [
      ...(progress ? [['tasks', progressText(progress)]] : []),
      ...Object.entries(item.counts || {}).map(([k, v]) => [k, v.toLocaleString('en-US')]),
      ...Object.entries(item.attrs || {})
    ];
    for (const [key, value] of rows) {
      const row = table.appendChild(el('tr', ''));
      row.appendChild(el('th', '', key));
      row.appendChild(el('td', '', value));
    }
    for (const index of box.findings) {
      const finding = (this.dag.findings || [])[index];
      if (finding) {
        const note = panel.appendChild(el('div', `jp-lazyscope-dag-finding jp-lazyscope-dag-finding-${finding.severity}`, `${finding.rule}: ${finding.message}`));
        if (finding.fix) {
          note.appendChild(el('div', 'jp-lazyscope-dag-muted', `fix: ${finding.fix}`));
        }
      }
    }
    const close = panel.appendChild(el('button', 'jp-lazyscope-dag-button', 'Close')) as HTMLButtonElement;
    close.addEventListener('click', () => (panel.hidden = true));
  }

  private bindPanZoom(canvas: SVGSVGElement): void {
    let drag: { x: number; y: number } | null = null;
    canvas.addEventListener('pointerdown', event => {
      drag = { x: event.clientX - this.view.x, y: event.clientY - this.view.y };
    });
    canvas.addEventListener('pointermove', event => {
      if (drag && event.buttons === 1) {
        this.view.x = event.clientX - drag.x;
        this.view.y = event.clientY - drag.y;
        this.apply();
      }
    });
    canvas.addEventListener('pointerup', () => (drag = null));
    canvas.addEventListener(
      'wheel',
      event => {
        if (event.ctrlKey || event.metaKey) {
          // Plain wheel keeps scrolling the notebook; Ctrl/⌘ (and pinch) zoom here.
          event.preventDefault();
          const rect = canvas.getBoundingClientRect();
          this.zoom(event.deltaY < 0 ? 1.1 : 0.9, event.clientX - rect.left, event.clientY - rect.top);
        }
      },
      { passive: false }
    );
  }

  private zoom(factor: number, cx?: number, cy?: number): void {
    const k = Math.min(Math.max(this.view.k * factor, 0.1), 4);
    const x = cx ?? (this.canvas?.clientWidth || 0) / 2;
    const y = cy ?? (this.canvas?.clientHeight || 0) / 2;
    this.view = { x: x - ((x - this.view.x) * k) / this.view.k, y: y - ((y - this.view.y) * k) / this.view.k, k };
    this.apply();
  }

  private fitView(): void {
    const width = this.canvas?.clientWidth || 0;
    if (!width || !this.size.width) {
      return;
    }
    const k = Math.min(1, width / this.size.width, MAX_HEIGHT / this.size.height);
    this.view = { x: (width - this.size.width * k) / 2, y: 4, k };
    this.fitted = true;
    if (this.canvas) {
      this.canvas.style.height = `${Math.min(this.size.height * k + 16, MAX_HEIGHT)}px`;
    }
    this.apply();
  }

  private apply(): void {
    this.viewport?.setAttribute('transform', `translate(${this.view.x},${this.view.y}) scale(${this.view.k})`);
    if (this.fitted) {
      this.node.dataset.zoom = this.view.k.toFixed(3);
    }
  }
}

/** Renders lazyscope's DAG views (`lazyscope.dag`, `%%spark --dag`, `%%dask --dag`). */
export const dagPlugin: JupyterFrontEndPlugin<void> = {
  id: 'lazyscope:dag',
  description: 'Interactive DAG view of Spark plans and Dask graphs.',
  autoStart: true,
  requires: [IRenderMimeRegistry],
  activate: (_app: JupyterFrontEnd, rendermime: IRenderMimeRegistry): void => {
    rendermime.addFactory(
      {
        safe: true, // draws text nodes and SVG shapes only, never markup from the kernel
        mimeTypes: [DAG_MIME],
        defaultRank: 10, // ahead of the image/svg+xml and text/plain fallbacks in the bundle
        createRenderer: () => new DagView()
      },
      10
    );
  }
};
