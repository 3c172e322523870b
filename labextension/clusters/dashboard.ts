import { PageConfig, URLExt } from '@jupyterlab/coreutils';
import { Widget } from '@lumino/widgets';

import { ICluster, IDashboardPlot, proxyRoot } from './api';
import { daskIcon, sparkIcon } from './icons';

/** The id of the tab showing a cluster's dashboard, or one plot of it. */
export function dashboardId(cluster: ICluster, plot?: IDashboardPlot): string {
  const page = plot ? `-${plot.path.replace(/[^A-Za-z0-9-]/g, '')}` : '';
  return `lazyscope-dashboard-${cluster.id}${page}`;
}

/** Where a browser finds a cluster's dashboard (or one plot of it): the server's proxy. */
export function dashboardUrl(cluster: ICluster, plot?: IDashboardPlot): string {
  // The proxy path already holds the server's base URL; only the origin is added.
  const path = plot ? URLExt.join(proxyRoot(cluster), plot.path) : cluster.proxy ?? '';
  return URLExt.join(new URL(PageConfig.getBaseUrl()).origin, path);
}

/**
 * A main-area tab showing a cluster's dashboard through the server's proxy, or one
 * plot of a Dask dashboard (a pane the user can dock beside notebooks).
 */
export class DashboardWidget extends Widget {
  constructor(cluster: ICluster, plot?: IDashboardPlot) {
    super();
    this.id = dashboardId(cluster, plot);
    this.addClass('lazyscope-Dashboard');
    const name = cluster.name ?? (cluster.engine === 'dask' ? 'Dask session' : `${cluster.engine} session`);
    this.title.label = plot ? `${plot.label} (${name})` : `${name} dashboard`;
    this.title.icon = cluster.engine === 'dask' ? daskIcon : sparkIcon;
    this.title.closable = true;
    const frame = document.createElement('iframe');
    frame.src = dashboardUrl(cluster, plot);
    frame.title = this.title.label;
    // A dashboard is another application showing strings users control: it runs in an
    // origin of its own (never allow-same-origin), so its scripts cannot use the lab's
    // credentials. The server sandboxes it the same way (CSP) and lets it reach its own
    // files and websockets through a capability path (see server/_proxy.py).
    frame.setAttribute('sandbox', 'allow-scripts allow-forms allow-popups allow-modals allow-downloads');
    this.node.appendChild(frame);
  }
}
