import { Session } from '@jupyterlab/services';
import { Poll } from '@lumino/polling';
import { ISignal, Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { ICluster, ISources, listClusters } from './api';
import { CardAction, renderCard } from './card';
import { FinishedApps } from './finishedApps';
import { clustersIcon } from './icons';

/** Which card action was clicked, on which cluster. */
export interface IActionRequest {
  action: CardAction | 'new-dask' | 'new-spark';
  cluster: ICluster | null;
}

/**
 * The left-sidebar Clusters panel. It polls the server slowly (and backs off when
 * the server does not answer, or stops while hidden) instead of hammering it.
 */
export class ClustersPanel extends Widget {
  constructor(sessions: Session.IManager, interval: number) {
    super();
    this.sessions = sessions;
    this.id = 'lazyscope-clusters';
    this.title.icon = clustersIcon;
    this.title.caption = 'Clusters (Spark and Dask)';
    this.addClass('lazyscope-ClustersPanel');

    const toolbar = document.createElement('div');
    toolbar.className = 'lazyscope-ClustersPanel-toolbar';
    toolbar.append(this.toolbarButton('New Dask cluster', 'new-dask'));
    toolbar.append(this.toolbarButton('New Spark cluster', 'new-spark'));
    this.list = document.createElement('div');
    this.list.className = 'lazyscope-ClustersPanel-list';
    // Which cluster sources (a Dask Gateway) this server lists from, or why one fails.
    this.sourcesLine = document.createElement('div');
    this.sourcesLine.className = 'lazyscope-ClustersPanel-sources';
    this.sourcesLine.hidden = true;
    this.node.append(toolbar, this.sourcesLine, this.list);
    this.node.append(new FinishedApps().node); // folded: lists when opened
    this.list.addEventListener('click', event => this.onClick(event));

    this.poll = new Poll({
      factory: () => this.update_(),
      frequency: { interval, backoff: true, max: interval * 10 },
      name: 'lazyscope:clusters',
      standby: 'when-hidden'
    });
  }

  /** Clusters as last listed. */
  get clusters(): ICluster[] {
    return this._clusters;
  }

  /** The cluster sources the server is configured for, as last listed. */
  get sources(): ISources {
    return this._sources;
  }

  get actionRequested(): ISignal<this, IActionRequest> {
    return this._actionRequested;
  }

  set interval(value: number) {
    this.poll.frequency = { interval: value, backoff: true, max: value * 10 };
  }

  /** Refresh now (after an action), then continue polling. */
  refresh(): Promise<void> {
    return this.poll.refresh();
  }

  dispose(): void {
    this.poll.dispose();
    super.dispose();
  }

  private toolbarButton(label: string, action: 'new-dask' | 'new-spark'): HTMLButtonElement {
    const node = document.createElement('button');
    node.className = 'jp-Button jp-mod-styled jp-mod-accept lazyscope-ClustersPanel-new';
    node.textContent = label;
    node.dataset.action = action;
    node.addEventListener('click', () => this._actionRequested.emit({ action, cluster: null }));
    return node;
  }

  private onClick(event: MouseEvent): void {
    const target = (event.target as HTMLElement).closest<HTMLElement>('[data-action]');
    const card = (event.target as HTMLElement).closest<HTMLElement>('.lazyscope-ClusterCard');
    const cluster = this._clusters.find(c => c.id === card?.dataset.clusterId) ?? null;
    if (target && cluster) {
      this._actionRequested.emit({ action: target.dataset.action as CardAction, cluster });
    }
  }

  private async update_(): Promise<void> {
    const [{ clusters, sources }, notebooks] = await Promise.all([listClusters(), this.notebooksByKernel()]);
    this._clusters = clusters;
    this._sources = sources;
    this.showSources(sources);
    const cards = clusters.map(c => renderCard(c, c.kernel_id ? notebooks.get(c.kernel_id) ?? [] : []));
    if (cards.length === 0) {
      const empty = document.createElement('p');
      empty.className = 'lazyscope-ClustersPanel-empty';
      empty.textContent = 'No cluster yet: start one here, or run %%spark / %%dask in a notebook.';
      cards.push(empty);
    }
    this.list.replaceChildren(...cards);
  }

  private showSources(sources: ISources): void {
    const gateway = sources.gateway;
    this.sourcesLine.hidden = !gateway;
    this.sourcesLine.classList.toggle('lazyscope-mod-error', Boolean(gateway?.error));
    if (gateway) {
      const where = gateway.address ? `Dask Gateway ${gateway.address}` : 'Dask Gateway';
      this.sourcesLine.textContent = gateway.error ? `${where}: ${gateway.error}` : where;
    }
  }

  private async notebooksByKernel(): Promise<Map<string, string[]>> {
    await this.sessions.refreshRunning();
    const byKernel = new Map<string, string[]>();
    for (const session of this.sessions.running()) {
      if (session.kernel) {
        byKernel.set(session.kernel.id, [...(byKernel.get(session.kernel.id) ?? []), session.path]);
      }
    }
    return byKernel;
  }

  private readonly sessions: Session.IManager;
  private readonly list: HTMLDivElement;
  private readonly sourcesLine: HTMLDivElement;
  private readonly poll: Poll;
  private _clusters: ICluster[] = [];
  private _sources: ISources = {};
  private readonly _actionRequested = new Signal<this, IActionRequest>(this);
}
