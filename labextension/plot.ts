import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { DocumentRegistry } from '@jupyterlab/docregistry';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { Widget } from '@lumino/widgets';

import { IPlotHost, PLOT_MIME, PlotRenderer, WIDGET_MIME } from './plotView';

/** Ahead of ipywidgets' view (-10), which would say "model not found" for a plot whose
 * kernel is gone; the live view is still ipywidgets' own, inside ours. */
const PLOT_RANK = -20;

/** The one part of a notebook panel used here (typed by hand: lazyscope does not build
 * against @jupyterlab/notebook). JupyterLab and Notebook 7 share this panel. */
interface INotebookPanelLike {
  readonly content?: { readonly rendermime?: IRenderMimeRegistry };
}

/**
 * Plot outputs in each notebook: registered in the notebook's own registry (where
 * ipywidgets registers the renderer bound to the notebook's widget manager), and told
 * when the notebook is about to be saved. `saveState` 'started' is emitted synchronously
 * just before the notebook model is serialised, so what the plots write then is saved.
 */
function attach(panel: Widget, context: DocumentRegistry.IContext<DocumentRegistry.IModel>): void {
  const rendermime = (panel as INotebookPanelLike).content?.rendermime;
  if (!rendermime) {
    return;
  }
  const host: IPlotHost = {
    rendermime,
    placeholder: rendermime.getFactory(WIDGET_MIME),
    sessionContext: context.sessionContext,
    renderers: new Set()
  };
  rendermime.addFactory(
    {
      safe: true, // shows images; the live widget only for trusted outputs
      mimeTypes: [PLOT_MIME],
      createRenderer: options => new PlotRenderer(options, host)
    },
    PLOT_RANK
  );
  context.saveState.connect((_context, state) => {
    if (state === 'started') {
      host.renderers.forEach(renderer => renderer.capture());
    }
  });
}

export const plotPlugin: JupyterFrontEndPlugin<void> = {
  id: 'lazyscope:plot',
  description: 'lazyscope plots in notebooks: live while their kernel holds them, their last view once saved.',
  autoStart: true,
  activate: (app: JupyterFrontEnd): void => {
    app.docRegistry.addWidgetExtension('Notebook', { createNew: attach });
  }
};
