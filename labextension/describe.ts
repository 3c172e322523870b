import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';

/** The describe view's MIME type (written by `lazyscope.describe` in the kernel). */
export const DESCRIBE_MIME = 'application/vnd.lazyscope.describe+json';

interface IColumn {
  name: string;
  dtype: string;
  nullable: boolean | null;
  children: IColumn[];
}

interface IPlanItem {
  kind: string;
  label: string;
  detail: string;
  depth: number;
}

interface IFinding {
  rule: string;
  severity: 'info' | 'warning';
  message: string;
  where: string;
  fix: string;
}

interface IDescribe {
  title: string;
  summary: string[];
  facts: [string, string][];
  meta: {
    engine: string;
    columns: IColumn[];
    plan: IPlanItem[];
    plan_text: string;
    notes: string[];
  };
  findings: IFinding[];
}

const MAX_COLUMNS = 200;

/** An element with text content only: user data never becomes markup. */
function el(tag: string, className: string, text?: string): HTMLElement {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

function section(title: string, body: HTMLElement, open: boolean): HTMLElement {
  const details = el('details', 'jp-lazyscope-describe-section') as HTMLDetailsElement;
  details.open = open;
  details.appendChild(el('summary', '', title));
  details.appendChild(body);
  return details;
}

function columnsTable(columns: IColumn[]): HTMLElement {
  const table = el('table', 'jp-lazyscope-describe-columns');
  let shown = 0;
  const add = (column: IColumn, depth: number): void => {
    if (shown++ >= MAX_COLUMNS) {
      return;
    }
    const row = table.appendChild(el('tr', ''));
    const name = row.appendChild(el('td', 'jp-lazyscope-describe-name', column.name));
    name.style.paddingLeft = `${4 + depth * 14}px`;
    row.appendChild(el('td', 'jp-lazyscope-describe-type', column.dtype));
    const nullable = column.nullable === null ? '' : column.nullable ? 'nullable' : 'not null';
    row.appendChild(el('td', 'jp-lazyscope-describe-muted', nullable));
    column.children.forEach(child => add(child, depth + 1));
  };
  columns.forEach(column => add(column, 0));
  if (shown > MAX_COLUMNS) {
    table.appendChild(el('tr', '')).appendChild(el('td', 'jp-lazyscope-describe-muted', `... and ${shown - MAX_COLUMNS} more`));
  }
  return table;
}

function factsTable(facts: [string, string][]): HTMLElement {
  const table = el('table', 'jp-lazyscope-describe-facts');
  for (const [key, value] of facts) {
    const row = table.appendChild(el('tr', ''));
    row.appendChild(el('th', '', key));
    row.appendChild(el('td', '', value));
  }
  return table;
}

function planList(items: IPlanItem[]): HTMLElement {
  const list = el('div', 'jp-lazyscope-describe-plan');
  for (const item of items) {
    const line = list.appendChild(el('div', `jp-lazyscope-describe-op jp-lazyscope-kind-${item.kind}`));
    line.style.paddingLeft = `${item.depth * 14}px`;
    line.appendChild(el('span', 'jp-lazyscope-describe-label', item.label));
    line.appendChild(el('span', 'jp-lazyscope-describe-muted', ` ${item.detail}`));
  }
  return list;
}

function findingsList(findings: IFinding[]): HTMLElement {
  const list = el('ul', 'jp-lazyscope-describe-findings');
  for (const finding of findings) {
    const item = list.appendChild(el('li', `jp-lazyscope-describe-${finding.severity}`));
    item.appendChild(el('span', 'jp-lazyscope-describe-rule', finding.rule));
    item.appendChild(el('span', '', ` ${finding.message}`));
    if (finding.fix) {
      item.appendChild(el('div', 'jp-lazyscope-describe-fix', `fix: ${finding.fix}`));
    }
    if (finding.where) {
      item.title = finding.where;
    }
  }
  return list;
}

/** Builds the card: a header that folds the body away, then the sections. */
export function renderDescribe(data: IDescribe): HTMLElement {
  const card = el('div', 'jp-lazyscope-describe');
  card.dataset.engine = data.meta.engine;
  const header = card.appendChild(el('div', 'jp-lazyscope-describe-header'));
  header.appendChild(el('span', 'jp-lazyscope-describe-title', data.title));
  for (const part of data.summary) {
    const warn = part.includes('warning');
    header.appendChild(el('span', warn ? 'jp-lazyscope-describe-chip jp-lazyscope-describe-chip-warn' : 'jp-lazyscope-describe-chip', part));
  }
  const body = card.appendChild(el('div', 'jp-lazyscope-describe-body'));
  header.addEventListener('click', () => card.classList.toggle('jp-lazyscope-collapsed'));
  if (data.meta.columns.length) {
    body.appendChild(section(`Columns (${data.meta.columns.length})`, columnsTable(data.meta.columns), true));
  }
  body.appendChild(factsTable(data.facts));
  for (const note of data.meta.notes) {
    body.appendChild(el('p', 'jp-lazyscope-describe-note', note));
  }
  if (data.findings.length) {
    body.appendChild(section(`Advisor (${data.findings.length})`, findingsList(data.findings), true));
  }
  if (data.meta.plan.length) {
    body.appendChild(section('Plan', planList(data.meta.plan), false));
  }
  if (data.meta.plan_text) {
    body.appendChild(section('Engine text', el('pre', 'jp-lazyscope-describe-text', data.meta.plan_text), false));
  }
  return card;
}

class DescribeRenderer extends Widget implements IRenderMime.IRenderer {
  constructor() {
    super();
    this.addClass('jp-lazyscope-describe-output');
  }

  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    this.node.textContent = '';
    this.node.appendChild(renderDescribe(model.data[DESCRIBE_MIME] as unknown as IDescribe));
    return Promise.resolve();
  }
}

/** Renders lazyscope's metadata view (`describe`, lazy Spark/Dask cell results). */
export const describePlugin: JupyterFrontEndPlugin<void> = {
  id: 'lazyscope:describe',
  description: 'Metadata card for Spark and Dask objects.',
  autoStart: true,
  requires: [IRenderMimeRegistry],
  activate: (_app: JupyterFrontEnd, rendermime: IRenderMimeRegistry): void => {
    rendermime.addFactory(
      {
        safe: true, // renders text nodes only, never markup from the kernel
        mimeTypes: [DESCRIBE_MIME],
        defaultRank: 10, // ahead of text/html (50), our fallback in the same bundle
        createRenderer: () => new DescribeRenderer()
      },
      10
    );
  }
};
