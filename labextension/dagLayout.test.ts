/**
 * The lab draws a DAG where the kernel laid it out. The fixtures (tests/fixtures/frontend/
 * dag_layout/, made and checked by tests/test_dag_layout_once.py) hold payloads with their
 * `layout`, what the kernel's SVG draws of them and what `Dag.visible()` shows with each
 * group opened or closed. Here: the lab's boxes, frames and edges are the SVG's, and a
 * group opened or closed in the lab shows what the kernel's rule says, in a tidy drawing
 * made of the kernel's positions only.
 */
import { describe, expect, it } from 'vitest';

import groups from '../tests/fixtures/frontend/dag_layout/groups.json';
import stages from '../tests/fixtures/frontend/dag_layout/stages.json';
import wide from '../tests/fixtures/frontend/dag_layout/wide.json';
import { Box, IArranged, IDag, IDagLayout, arrange, initiallyOpen, place } from './dagModel';

interface IVisible {
  nodes: string[];
  edges: string[][];
}

interface IFixture {
  payload: IDag;
  drawn: { boxes: Record<string, number[]>; frames: Record<string, number[]>; paths: number[][][] };
  visible: IVisible;
  toggled: Record<string, IVisible>;
}

const FIXTURES: [string, IFixture][] = [
  ['groups', groups as unknown as IFixture],
  ['stages', stages as unknown as IFixture],
  ['wide', wide as unknown as IFixture]
];

/** The SVG writes positions with 0.1 px; ours are the exact numbers behind them. */
function expectClose(ours: number[], svg: number[]): void {
  expect(ours.length).toBe(svg.length);
  ours.forEach((value, i) => expect(Math.abs(value - svg[i])).toBeLessThanOrEqual(0.0501));
}

function byKey(a: number[][], b: number[][]): number {
  const x = a.flat();
  const y = b.flat();
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (Math.round(x[i] * 10) !== Math.round(y[i] * 10)) {
      return x[i] - y[i];
    }
  }
  return x.length - y.length;
}

function shown(dag: IDag, layout: IDagLayout, open: Set<string>): IVisible {
  const laid = place(dag, layout, open);
  const nodes = laid.boxes.filter(b => !b.cluster).map(b => b.item.id);
  const edges = arrange(layout, open).paths.map(p => [p.source, p.target]);
  const order = (a: string[], b: string[]): number => (a.join('\n') < b.join('\n') ? -1 : 1);
  return { nodes: nodes.sort(), edges: edges.sort(order) };
}

function toggled(open: Set<string>, id: string): Set<string> {
  const next = new Set(open);
  if (!next.delete(id)) {
    next.add(id);
  }
  return next;
}

/** No two boxes of a row overlap, members sit inside their frame, all is in the drawing. */
function expectTidy(layout: IDagLayout, laid: IArranged): void {
  const top: [string, Box][] = [...laid.frames, ...[...laid.boxes].filter(([id]) => id in layout.items)];
  const rows = new Map<number, Box[]>();
  for (const [, box] of top) {
    rows.set(box[1], [...(rows.get(box[1]) || []), box]);
  }
  for (const row of rows.values()) {
    row.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < row.length; i++) {
      expect(row[i][0]).toBeGreaterThanOrEqual(row[i - 1][0] + row[i - 1][2] + layout.gap[0] - 1e-6);
    }
  }
  const tops = [...rows.keys()].sort((a, b) => a - b);
  for (let i = 1; i < tops.length; i++) {
    const tallest = Math.max(...(rows.get(tops[i - 1]) || []).map(b => b[3]));
    expect(tops[i]).toBeGreaterThanOrEqual(tops[i - 1] + tallest + layout.gap[1] - 1e-6);
  }
  for (const [id, [x, y, w, h]] of laid.frames) {
    for (const member of Object.keys(layout.items[id].frame?.nodes || {})) {
      const [mx, my, mw, mh] = laid.boxes.get(member) || [NaN, NaN, NaN, NaN];
      expect(mx).toBeGreaterThanOrEqual(x);
      expect(my).toBeGreaterThanOrEqual(y);
      expect(mx + mw).toBeLessThanOrEqual(x + w + 1e-6);
      expect(my + mh).toBeLessThanOrEqual(y + h + 1e-6);
    }
  }
  for (const [x, y, w, h] of [...laid.boxes.values(), ...laid.frames.values()]) {
    expect(x).toBeGreaterThanOrEqual(-1e-6);
    expect(y).toBeGreaterThanOrEqual(-1e-6);
    expect(x + w).toBeLessThanOrEqual(laid.width + 1e-6);
    expect(y + h).toBeLessThanOrEqual(laid.height + 1e-6);
  }
}

describe.each(FIXTURES)('the %s DAG', (_name, fixture) => {
  const dag = fixture.payload;
  const layout = dag.layout as IDagLayout;
  const open = initiallyOpen(layout);

  it('is drawn at the positions of the kernel SVG', () => {
    const laid = arrange(layout, open);
    expect([...laid.boxes.keys()].sort()).toEqual(Object.keys(fixture.drawn.boxes).sort());
    for (const [id, box] of laid.boxes) {
      expectClose(box, fixture.drawn.boxes[id]);
    }
    expect([...laid.frames.keys()].sort()).toEqual(Object.keys(fixture.drawn.frames).sort());
    for (const [id, box] of laid.frames) {
      expectClose(box, fixture.drawn.frames[id]);
    }
    const paths = laid.paths.map(p => p.points).sort(byKey);
    const svg = [...fixture.drawn.paths].sort(byKey);
    expect(paths.length).toBe(svg.length);
    paths.forEach((points, i) => expectClose(points.flat(), svg[i].flat()));
    expect(laid.width).toBe(layout.width);
    expect(laid.height).toBe(layout.height);
  });

  it('shows the nodes and edges of the kernel rule (Dag.visible)', () => {
    expect(shown(dag, layout, open)).toEqual(fixture.visible);
  });

  it.each(Object.keys(fixture.toggled))('opens or closes group %s as the kernel rule says, tidily', id => {
    const state = toggled(open, id);
    expect(shown(dag, layout, state)).toEqual(fixture.toggled[id]); // a group without members stays closed
    expectTidy(layout, arrange(layout, state));
    expect(arrange(layout, toggled(state, id))).toEqual(arrange(layout, open)); // and back
  });

  it('is tidy with every group open and with every group closed', () => {
    const all = Object.keys(layout.items).filter(id => layout.items[id].frame);
    expectTidy(layout, arrange(layout, new Set(all)));
    expectTidy(layout, arrange(layout, new Set()));
  });
});
