/**
 * The DAG payload (`application/vnd.lazyscope.dag+json`, schema in
 * src/lazyscope/model/dag.schema.json) and what is drawn of it for a set of open groups.
 * Nothing is laid out here: the kernel lays the DAG out once (views/_dag_plan.py) and
 * sends the positions as the payload's `layout`, which its SVG fallback and live view
 * draw too. Opening or closing a group only moves boxes aside (`arrange`).
 */

export interface IDagItem {
  id: string;
  kind: string;
  label: string;
  detail?: string;
  counts?: Record<string, number>;
  attrs?: Record<string, string>;
}

/** The tasks of a run that execute a node (the live DAG and executed DAGs). */
export interface IDagProgress {
  total: number;
  done: number;
  running: number;
  failed: number;
  skipped: boolean;
}

export interface IDagNode extends IDagItem {
  group?: string;
  findings?: number[];
  progress?: IDagProgress;
}

export interface IDagGroup extends IDagItem {
  expanded: boolean;
}

export interface IDagFinding {
  rule: string;
  severity: 'info' | 'warning';
  message: string;
  fix?: string;
  nodes: string[];
}

export interface IDag {
  version: number;
  engine: string;
  level: string;
  levels?: string[];
  title?: string;
  nodes: IDagNode[];
  edges: { source: string; target: string }[];
  groups: IDagGroup[];
  notes?: string[];
  stats?: Record<string, number>;
  findings?: IDagFinding[];
  layout?: IDagLayout;
}

/** x, y (top left), width, height. */
export type Box = [number, number, number, number];
export type Point = [number, number];

/** A group's inside, relative to its frame's top left corner. */
export interface IDagFrame {
  size: [number, number];
  nodes: Record<string, Box>;
  edges: IDagPath[];
}

/** An edge as drawn: from a box's bottom centre to another's top centre. */
export interface IDagPath {
  source: string;
  target: string;
  points: Point[];
}

/** An ungrouped node or a group, where the kernel placed it (groups as first shown). */
export interface IDagLayoutItem {
  box: Box;
  open?: boolean;
  closed?: [number, number];
  frame?: IDagFrame;
}

export interface IDagLayoutEdge {
  source: string;
  target: string;
  via: number[];
  from: string[];
  to: string[];
}

/** The kernel's layout of the DAG (`layout` in dag.schema.json). */
export interface IDagLayout {
  gap: [number, number];
  width: number;
  height: number;
  rows: (string | number)[][];
  points: Point[];
  items: Record<string, IDagLayoutItem>;
  edges: IDagLayoutEdge[];
}

/** The count line under a node with tasks; the same words as `NodeProgress.text()`. */
export function progressText(p: IDagProgress): string {
  if (p.skipped) {
    return 'skipped (reused)';
  }
  const parts = [`${p.done.toLocaleString('en-US')}/${p.total.toLocaleString('en-US')} tasks`];
  if (p.running) {
    parts.push(`${p.running.toLocaleString('en-US')} running`);
  }
  if (p.failed) {
    parts.push(`${p.failed.toLocaleString('en-US')} failed`);
  }
  return parts.join(' · ');
}

const SINGULAR: Record<string, string> = { tasks: 'task', partitions: 'partition', rows: 'row' };

export function countsText(counts?: Record<string, number>): string {
  return Object.entries(counts || {})
    .slice(0, 2)
    .map(([name, value]) => `${value.toLocaleString('en-US')} ${value === 1 ? SINGULAR[name] || name : name}`)
    .join(', ');
}

export function subtitle(item: IDagItem): string {
  return [countsText(item.counts), item.detail || ''].filter(Boolean).join(' · ');
}

/** A drawn box: a node, a closed group, or an open group's frame (`cluster`). */
export interface IPlaced {
  item: IDagItem;
  group: boolean;
  cluster: boolean;
  members: number;
  findings: number[];
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ILayout {
  boxes: IPlaced[];
  edges: { x: number; y: number }[][];
  width: number;
  height: number;
}

/** Where every box of the drawing is with the groups in `open` open. */
export interface IArranged {
  boxes: Map<string, Box>; // nodes and closed groups
  frames: Map<string, Box>; // open groups
  paths: IDagPath[];
  width: number;
  height: number;
}

/** The groups the kernel drew open (its SVG shows the same). */
export function initiallyOpen(layout: IDagLayout): Set<string> {
  return new Set(Object.entries(layout.items).filter(([, item]) => item.open).map(([id]) => id));
}

/**
 * The kernel's positions with the groups in `open` open. With the groups as the kernel
 * drew them this is exactly its layout (every shift is zero). A group opened (or closed)
 * here takes its frame's (or box's) size in place, centred where it was: the boxes of its
 * row move aside by half what it grew on each side and the rows below move down by what
 * its row grew. Rows, order and every other offset stay the kernel's.
 */
export function arrange(layout: IDagLayout, open: Set<string>): IArranged {
  const { items, points } = layout;
  const isOpen = (id: string): boolean => !!items[id].frame && open.has(id);
  const size = (id: string): [number, number] => {
    const item = items[id];
    return isOpen(id) ? item.frame!.size : item.closed || [item.box[2], item.box[3]];
  };
  const lefts = new Map<string, number>();
  const centres: number[] = points.map(p => p[0]);
  const tops: number[] = [];
  let down = 0; // what the rows above grew
  let rightBefore = -Infinity;
  let rightAfter = -Infinity;
  let leftBefore = Infinity;
  let leftAfter = Infinity;
  const shifted: [string | number, number][] = [];
  for (const row of layout.rows) {
    const growth = row.map(entry => (typeof entry === 'number' ? 0 : size(entry)[0] - items[entry].box[2]));
    const total = growth.reduce((a, b) => a + b, 0);
    let before = 0;
    let baseHeight = 0;
    let height = 0;
    let top = 0;
    row.forEach((entry, i) => {
      const after = total - before - growth[i];
      const shift = before / 2 - after / 2 - growth[i] / 2;
      before += growth[i];
      if (typeof entry === 'number') {
        top = points[entry][1];
        baseHeight = Math.max(baseHeight, 1);
        height = Math.max(height, 1);
        shifted.push([entry, points[entry][0] + shift]);
        rightBefore = Math.max(rightBefore, points[entry][0] + 0.5);
        leftBefore = Math.min(leftBefore, points[entry][0] - 0.5);
        rightAfter = Math.max(rightAfter, points[entry][0] + shift + 0.5);
        leftAfter = Math.min(leftAfter, points[entry][0] + shift - 0.5);
      } else {
        const [x, y, w, h] = items[entry].box;
        const [now, tall] = size(entry);
        top = y;
        baseHeight = Math.max(baseHeight, h);
        height = Math.max(height, tall);
        shifted.push([entry, x + shift]);
        rightBefore = Math.max(rightBefore, x + w);
        leftBefore = Math.min(leftBefore, x);
        rightAfter = Math.max(rightAfter, x + shift + now);
        leftAfter = Math.min(leftAfter, x + shift);
      }
    });
    tops.push(top + down);
    down += height - baseHeight;
  }
  // Keep the drawing's left edge where the kernel had it.
  const dx = Number.isFinite(leftBefore) ? leftBefore - leftAfter : 0;
  const rowOf = new Map<string | number, number>();
  layout.rows.forEach((row, r) => row.forEach(entry => rowOf.set(entry, r)));
  for (const [entry, x] of shifted) {
    if (typeof entry === 'number') {
      centres[entry] = x + dx;
    } else {
      lefts.set(entry, x + dx);
    }
  }
  const boxes = new Map<string, Box>();
  const frames = new Map<string, Box>();
  const paths: IDagPath[] = [];
  for (const [id, item] of Object.entries(items)) {
    const [w, h] = size(id);
    const x = lefts.get(id) ?? item.box[0];
    const y = tops[rowOf.get(id) ?? 0] ?? item.box[1];
    if (!item.frame || !isOpen(id)) {
      boxes.set(id, [x, y, w, h]);
      continue;
    }
    frames.set(id, [x, y, w, h]);
    for (const [member, [mx, my, mw, mh]] of Object.entries(item.frame.nodes)) {
      boxes.set(member, [x + mx, y + my, mw, mh]);
    }
    for (const { source, target, points } of item.frame.edges) {
      paths.push({ source, target, points: points.map(([px, py]) => [x + px, y + py] as Point) });
    }
  }
  for (const edge of layout.edges) {
    const starts = isOpen(edge.source) ? edge.from : [edge.source];
    const stops = isOpen(edge.target) ? edge.to : [edge.target];
    const via = edge.via.map(n => [centres[n], tops[rowOf.get(n) ?? 0]] as Point);
    for (const start of starts) {
      const [sx, sy, sw, sh] = boxes.get(start)!;
      for (const stop of stops) {
        const [tx, ty, tw] = boxes.get(stop)!;
        paths.push({ source: start, target: stop, points: [[sx + sw / 2, sy + sh], ...via, [tx + tw / 2, ty]] });
      }
    }
  }
  return {
    boxes,
    frames,
    paths,
    width: layout.width + (rightAfter - leftAfter) - (rightBefore - leftBefore),
    height: layout.height + down
  };
}

/** What is drawn of the DAG with the groups in `expanded` open, where the kernel placed it. */
export function place(dag: IDag, layout: IDagLayout, expanded: Set<string>): ILayout {
  const laid = arrange(layout, expanded);
  const members = new Map<string, IDagNode[]>();
  for (const node of dag.nodes) {
    if (node.group) {
      members.set(node.group, [...(members.get(node.group) || []), node]);
    }
  }
  const groups = new Map(dag.groups.map(g => [g.id, g]));
  const nodes = new Map(dag.nodes.map(n => [n.id, n]));
  const boxes: IPlaced[] = [];
  for (const [id, [x, y, width, height]] of laid.frames) {
    const group = groups.get(id)!;
    const count = (members.get(id) || []).length;
    boxes.push({ item: group, group: true, cluster: true, members: count, findings: [], x, y, width, height });
  }
  for (const [id, [x, y, width, height]] of laid.boxes) {
    const group = groups.get(id);
    // A closed group carries its members' findings.
    const findings = group ? (members.get(id) || []).flatMap(n => n.findings || []) : nodes.get(id)?.findings || [];
    const item: IDagItem = group || nodes.get(id)!;
    boxes.push({ item, group: !!group, cluster: false, members: (members.get(id) || []).length, findings, x, y, width, height });
  }
  return {
    boxes,
    edges: laid.paths.map(path => path.points.map(([x, y]) => ({ x, y }))),
    width: laid.width,
    height: laid.height
  };
}
