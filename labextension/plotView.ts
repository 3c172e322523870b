import { ISessionContext } from '@jupyterlab/apputils';
import { IRenderMimeRegistry, MimeModel } from '@jupyterlab/rendermime';
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Kernel } from '@jupyterlab/services';
import { PartialJSONObject, ReadonlyPartialJSONValue } from '@lumino/coreutils';
import { IMessageHandler, Message, MessageHook, MessageLoop } from '@lumino/messaging';
import { Panel, Widget } from '@lumino/widgets';

import { capturePlot } from './plotCapture';
import { stillClickText } from './plotNote';
import { plotText } from './plotText';

/** Our mark on a `lazyscope.plot` output (written by `PlotWidget._repr_mimebundle_`). */
export const PLOT_MIME = 'application/vnd.lazyscope.plot+json';
/** ipywidgets' view type: the live plot is a VBox of the status line and Bokeh's widget. */
export const WIDGET_MIME = 'application/vnd.jupyter.widget-view+json';

interface IPlotData {
  model_id: string;
  title: string;
  kind?: string; // "points", "line" or "bar" (a plot saved before 0.3 has none: points)
}

/** What a plot output needs of the notebook it is in. */
export interface IPlotHost {
  /** The notebook's registry: ipywidgets puts its renderer bound to the notebook's widget
   * manager there once the notebook has a kernel. */
  readonly rendermime: IRenderMimeRegistry;
  /** ipywidgets' renderer before that (bound to no manager: it would wait forever). */
  readonly placeholder: IRenderMime.IRendererFactory | undefined;
  readonly sessionContext: ISessionContext;
  /** The plot outputs of the notebook, for the save hook. */
  readonly renderers: Set<PlotRenderer>;
}

/**
 * A plot output. It shows the saved still at once (the picture with axes, title and legend
 * or colour bar) and swaps in ipywidgets' own renderer only when the notebook's kernel has
 * the plot's widget model: a notebook reopened after its kernel stopped or restarted, or
 * with another kernel, keeps the still where ipywidgets would say "model not found". When
 * the notebook is saved, a live plot writes the picture Bokeh drew into its output, so the
 * saved still is the window the user last saw.
 */
export class PlotRenderer extends Panel implements IRenderMime.IRenderer {
  constructor(
    private readonly _options: IRenderMime.IRendererOptions,
    private readonly _host: IPlotHost
  ) {
    super();
    this.addClass('jp-lazyscope-plot');
    this._still = new Widget({ node: document.createElement('img') });
    this._still.addClass('jp-lazyscope-plot-still');
    this.addWidget(this._still);
    // A click on the still cannot inspect (no kernel holds its data): it says so instead.
    this._note = new Widget({ node: document.createElement('div') });
    this._note.addClass('jp-lazyscope-plot-note');
    this._note.node.style.cssText =
      'padding: 4px 0; color: var(--jp-ui-font-color2); font-size: var(--jp-ui-font-size1)';
    this._note.hide();
    this.addWidget(this._note);
    this._still.node.addEventListener('click', () => {
      const data = this._model?.data[PLOT_MIME] as unknown as IPlotData | undefined;
      this._note.node.textContent = stillClickText(data?.title ?? ''); // text: no markup
      this._note.show();
    });
    _host.renderers.add(this);
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    this._model = model;
    const data = model.data[PLOT_MIME] as unknown as IPlotData;
    this._setStill(model);
    if (this._live || !model.trusted || !data.model_id) {
      return; // live already (a save wrote the still into this output), or a still only
    }
    if (await alive(this._host.sessionContext, data.model_id)) {
      this._goLive(model);
    }
  }

  /** Write the picture of the live plot into the output (before the notebook is saved). */
  capture(): void {
    const model = this._model;
    const shot = this._liveShown && this._live && model ? capturePlot(this._live.node) : null;
    if (!model || !shot || model.data['image/png'] === shot.png) {
      return;
    }
    const { title, kind } = model.data[PLOT_MIME] as unknown as IPlotData;
    const data: Record<string, ReadonlyPartialJSONValue | undefined> = { ...model.data };
    data['image/png'] = shot.png;
    // The kernel's SVG still shows the window of the first display; the PNG now has the
    // axes, title and legend of the view on screen, and every reader falls back to it.
    delete data['image/svg+xml'];
    data['text/plain'] = plotText(title, shot.xRange, shot.yRange, kind);
    const metadata = { ...model.metadata, 'image/png': { width: shot.width, height: shot.height } };
    // The output model tells the cell (and the document to be saved) and renders this
    // output again, with the live view left as it is (see renderModel).
    model.setData({ data, metadata });
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._host.renderers.delete(this);
    if (this._live) {
      MessageLoop.removeMessageHook(this._live, this._hook);
    }
    this._model = null;
    super.dispose();
  }

  private _setStill(model: IRenderMime.IMimeModel): void {
    const img = this._still.node as HTMLImageElement;
    const svg = model.data['image/svg+xml'];
    const png = model.data['image/png'];
    const size = (model.metadata['image/png'] ?? {}) as { width?: number; height?: number };
    img.alt = String(model.data['text/plain'] ?? '');
    img.removeAttribute('width');
    if (typeof svg === 'string') {
      img.src = `data:image/svg+xml,${encodeURIComponent(svg)}`; // an <img>: no script runs
    } else if (typeof png === 'string') {
      img.src = `data:image/png;base64,${png}`;
      if (size.width) {
        img.width = size.width; // CSS pixels of a picture taken on a high-density screen
      }
    }
  }

  /** ipywidgets' renderer from the notebook's registry, shown once it holds the view. */
  private _goLive(model: IRenderMime.IMimeModel): void {
    const factory = this._host.rendermime.getFactory(WIDGET_MIME);
    if (this.isDisposed || !factory || factory === this._host.placeholder) {
      return;
    }
    const live = factory.createRenderer({ ...this._options, mimeType: WIDGET_MIME });
    live.hide(); // its "Loading widget..." stays behind the still
    MessageLoop.installMessageHook(live, this._hook);
    this._live = live;
    this.addWidget(live);
    // A copy: ipywidgets blanks the model id of the data it was given when the view closes.
    const view = { ...(model.data[WIDGET_MIME] as PartialJSONObject) };
    const data = { [WIDGET_MIME]: view, 'text/plain': model.data['text/plain'] ?? '' };
    void live.renderModel(new MimeModel({ data, trusted: true }));
  }

  /** The live view appears (ipywidgets adds it) or goes (closed, its kernel gone). */
  private readonly _hook: MessageHook = (_handler: IMessageHandler, msg: Message): boolean => {
    if (msg.type === 'child-added' || msg.type === 'child-removed') {
      this._liveShown = msg.type === 'child-added';
      this._live?.setHidden(!this._liveShown);
      this._still.setHidden(this._liveShown);
      if (this._liveShown) {
        this._note.hide(); // the live plot inspects on click
      }
    }
    return true;
  };

  private readonly _still: Widget;
  private readonly _note: Widget;
  private _live: (Widget & IRenderMime.IRenderer) | null = null;
  private _liveShown = false;
  private _model: IRenderMime.IMimeModel | null = null;
}

/** Whether the kernel of the notebook holds this widget model. The page's widget manager
 * has a comm for each model it knows; right after a page load it may not have asked the
 * kernel yet, so the kernel is asked too (one request for all plots of the page). */
async function alive(sessionContext: ISessionContext, modelId: string): Promise<boolean> {
  await sessionContext.ready;
  const kernel = sessionContext.session?.kernel;
  if (!kernel) {
    return false;
  }
  if (kernel.hasComm(modelId)) {
    return true;
  }
  return (await widgetComms(kernel)).has(modelId);
}

const asking = new Map<Kernel.IKernelConnection, Promise<Set<string>>>();

function widgetComms(kernel: Kernel.IKernelConnection): Promise<Set<string>> {
  let pending = asking.get(kernel);
  if (!pending) {
    pending = kernel
      .requestCommInfo({ target_name: 'jupyter.widget' })
      .then(reply => new Set(reply.content.status === 'ok' ? Object.keys(reply.content.comms) : []))
      .catch(() => new Set<string>()) // a kernel gone meanwhile holds no model
      .finally(() => asking.delete(kernel));
    asking.set(kernel, pending);
  }
  return pending;
}
