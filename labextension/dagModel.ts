/**
 * The DAG payload (`application/vnd.lazyscope.dag+json`, schema in
 * src/lazyscope/model/dag.schema.json) and what is drawn of it for a set of expanded
 * groups, laid out by dagre. Mirrors `Dag.visible()` in the kernel, which draws the
 * static SVG of the same payload.
 */
import { Graph, layout } from '@dagrejs/dagre';

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
}

/** A drawn box: a node, a collapsed group, or an expanded group's frame (`cluster`). */
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

export const NODE_HEIGHT = 40;
export const PROGRESS_HEIGHT = 56; // a node with a task bar and its count line

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

export function nodeHeight(item: IDagItem): number {
  return (item as IDagNode).progress ? PROGRESS_HEIGHT : NODE_HEIGHT;
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

function width(item: IDagItem, group: boolean): number {
  const progress = (item as IDagNode).progress;
  const tasks = progress ? progressText(progress).length : 0;
  const chars = Math.max(item.label.length * 1.2 + (group ? 3 : 0), Math.min(subtitle(item).length, 46), tasks);
  return Math.min(Math.max(chars * 6.4 + 24, 90), 320);
}

/** Lay out the DAG with the groups in `expanded` opened up. */
export function place(dag: IDag, expanded: Set<string>): ILayout {
  const members = new Map<string, IDagNode[]>();
  for (const node of dag.nodes) {
    if (node.group) {
      members.set(node.group, [...(members.get(node.group) || []), node]);
    }
  }
  const open = new Set([...expanded].filter(id => members.has(id)));
  const rep = new Map<string, string>();
  const g = new Graph({ compound: true, multigraph: false });
  g.setGraph({ rankdir: 'TB', nodesep: 18, ranksep: 36, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  const items = new Map<string, IPlaced>();
  const findings = new Map<string, number[]>();
  for (const group of dag.groups) {
    rep.set(group.id, group.id);
    const cluster = open.has(group.id);
    const count = (members.get(group.id) || []).length;
    items.set(group.id, { item: group, group: true, cluster, members: count, findings: [], x: 0, y: 0, width: 0, height: 0 });
    if (!cluster) {
      g.setNode(group.id, { width: width(group, true), height: NODE_HEIGHT });
    } else {
      g.setNode(group.id, { width: 0, height: 0 }); // a cluster: dagre sizes it around its members
    }
  }
  for (const node of dag.nodes) {
    const owner = node.group && items.has(node.group) ? node.group : undefined;
    if (owner && !open.has(owner)) {
      rep.set(node.id, owner);
      findings.set(owner, [...(findings.get(owner) || []), ...(node.findings || [])]);
      continue;
    }
    rep.set(node.id, node.id);
    items.set(node.id, { item: node, group: false, cluster: false, members: 0, findings: node.findings || [], x: 0, y: 0, width: 0, height: 0 });
    g.setNode(node.id, { width: width(node, false), height: nodeHeight(node) });
    if (owner) {
      g.setParent(node.id, owner);
    }
  }
  for (const [id, found] of findings) {
    items.get(id)!.findings = found;
  }
  // An edge naming an opened group goes to the members where data enters / leaves it.
  const groupOf = new Map(dag.nodes.map(n => [n.id, n.group]));
  const inner = dag.edges.filter(e => {
    const group = groupOf.get(e.source);
    return group !== undefined && open.has(group) && groupOf.get(e.target) === group;
  });
  const hasIn = new Set(inner.map(e => e.target));
  const hasOut = new Set(inner.map(e => e.source));
  const ends = (id: string, side: 'source' | 'target'): string[] => {
    if (open.has(id)) {
      const all = (members.get(id) || []).map(n => n.id);
      const skip = side === 'source' ? hasOut : hasIn;
      const picked = all.filter(m => !skip.has(m));
      return picked.length ? picked : all;
    }
    return [rep.get(id) || id];
  };
  for (const edge of dag.edges) {
    for (const s of ends(edge.source, 'source')) {
      for (const t of ends(edge.target, 'target')) {
        if (s !== t && g.hasNode(s) && g.hasNode(t) && !open.has(s) && !open.has(t)) {
          g.setEdge(s, t);
        }
      }
    }
  }
  layout(g);
  for (const [id, placed] of items) {
    if (!g.hasNode(id)) {
      continue;
    }
    const n = g.node(id);
    Object.assign(placed, { x: (n.x || 0) - n.width / 2, y: (n.y || 0) - n.height / 2, width: n.width, height: n.height });
  }
  const edges = g.edges().map(e => g.edge(e).points || []);
  const graph = g.graph();
  return {
    boxes: [...items.values()].filter(p => g.hasNode(p.item.id)),
    edges,
    width: graph.width || 0,
    height: graph.height || 0
  };
}
