import { PageConfig, URLExt } from '@jupyterlab/coreutils';
import { Widget } from '@lumino/widgets';

import { ICluster } from './api';
import { daskIcon, sparkIcon } from './icons';

/** A main-area tab showing a cluster's dashboard through the server's proxy. */
export class DashboardWidget extends Widget {
  constructor(cluster: ICluster) {
    super();
    this.id = `lazyscope-dashboard-${cluster.id}`;
    this.addClass('lazyscope-Dashboard');
    this.title.label = `${cluster.name ?? cluster.engine} dashboard`;
    this.title.icon = cluster.engine === 'dask' ? daskIcon : sparkIcon;
    this.title.closable = true;
    const frame = document.createElement('iframe');
    // The proxy path already holds the server's base URL; only the origin is added.
    frame.src = URLExt.join(new URL(PageConfig.getBaseUrl()).origin, cluster.proxy ?? '');
    frame.title = this.title.label;
    // A dashboard is another application showing strings users control: it runs in an
    // origin of its own (never allow-same-origin), so its scripts cannot use the lab's
    // credentials. The server sandboxes it the same way (CSP) and lets it reach its own
    // files and websockets through a capability path (see server/_proxy.py).
    frame.setAttribute('sandbox', 'allow-scripts allow-forms allow-popups allow-modals allow-downloads');
    this.node.appendChild(frame);
  }
}
