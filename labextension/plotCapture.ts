import { Range } from './plotText';

/**
 * The picture of a live plot, taken from what Bokeh has drawn: the figure with its title,
 * axes, colour bar or legend (all painted on Bokeh's canvas; only the toolbar is HTML), at
 * the window the user last saw. Nothing is re-rendered in the kernel and the live view is
 * not touched: Bokeh paints a copy of the figure into a new canvas, synchronously.
 *
 * BokehJS is the page's (the kernel publishes it with the first plot); it is typed here by
 * the few members used, as lazyscope does not build against it.
 */

interface IBokehRange {
  readonly start: number;
  readonly end: number;
}

interface IBokehPlotView {
  readonly el: HTMLElement;
  readonly model: { readonly x_range?: IBokehRange; readonly y_range?: IBokehRange };
  export?(type: 'png', hidpi: boolean): { readonly canvas: HTMLCanvasElement };
}

interface IBokehGlobal {
  readonly index?: { readonly roots?: readonly IBokehPlotView[] };
}

export interface IPlotShot {
  /** The PNG, base64 (as nbformat stores `image/png`). */
  readonly png: string;
  /** Its size in CSS pixels (the PNG has more pixels on a high-density screen). */
  readonly width: number;
  readonly height: number;
  readonly xRange: Range;
  readonly yRange: Range;
}

const PNG_PREFIX = 'data:image/png;base64,';

/** The picture and window of the Bokeh figure drawn inside `node`, or null if none is. */
export function capturePlot(node: HTMLElement): IPlotShot | null {
  const bokeh = (window as unknown as { Bokeh?: IBokehGlobal }).Bokeh;
  // The figure among the document's roots here (Bokeh adds others, e.g. its notifications).
  const view = (bokeh?.index?.roots ?? []).find(
    root => node.contains(root.el) && root.export && root.model.x_range && root.model.y_range
  );
  const { x_range: x, y_range: y } = view?.model ?? {};
  if (!view?.export || !x || !y) {
    return null;
  }
  const { canvas } = view.export('png', true);
  const ratio = window.devicePixelRatio || 1;
  const width = Math.round(canvas.width / ratio);
  const height = Math.round(canvas.height / ratio);
  const url = width > 0 && height > 0 ? canvas.toDataURL('image/png') : '';
  if (!url.startsWith(PNG_PREFIX)) {
    return null; // not laid out (a hidden tab): the saved picture stays as it was
  }
  return {
    png: url.slice(PNG_PREFIX.length),
    width,
    height,
    xRange: [x.start, x.end],
    yRange: [y.start, y.end]
  };
}
