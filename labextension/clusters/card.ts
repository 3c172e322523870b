import { ICluster, connectCode, formatBytes } from './api';
import { daskIcon, sparkIcon } from './icons';

/** The actions a card offers; the panel wires them to commands. */
export type CardAction = 'scale' | 'stop' | 'dashboard' | 'plots' | 'connect';

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text = ''
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  node.textContent = text; // textContent, never innerHTML: names come from users
  return node;
}

function button(label: string, action: CardAction, title: string): HTMLButtonElement {
  const node = element('button', 'jp-Button jp-mod-minimal lazyscope-ClusterCard-action', label);
  node.dataset.action = action;
  node.title = title;
  return node;
}

/**
 * One card: engine icon, name, address, size, status, the notebooks using it,
 * and its actions. `notebooks` are the paths of the kernel's sessions.
 */
export function renderCard(cluster: ICluster, notebooks: string[]): HTMLElement {
  const card = element('div', 'lazyscope-ClusterCard');
  card.dataset.clusterId = cluster.id;
  card.dataset.source = cluster.source;
  card.dataset.kernelId = cluster.kernel_id ?? '';

  const header = element('div', 'lazyscope-ClusterCard-header');
  const icon = (cluster.engine === 'dask' ? daskIcon : sparkIcon).element({
    className: 'lazyscope-ClusterCard-icon',
    height: '16px',
    width: '16px'
  });
  const engineLabel = cluster.engine === 'spark-connect' ? 'Spark Connect' : cluster.engine;
  header.append(
    icon,
    element('span', 'lazyscope-ClusterCard-name', cluster.name ?? `${engineLabel} session`),
    element('span', `lazyscope-ClusterCard-status lazyscope-mod-${cluster.status ?? 'running'}`,
      cluster.status ?? 'running')
  );
  card.append(header);

  const facts = element('div', 'lazyscope-ClusterCard-facts');
  facts.append(
    element('div', 'lazyscope-ClusterCard-address', cluster.address ?? '–'),
    element('div', 'lazyscope-ClusterCard-workers',
      `${cluster.workers ?? 0} worker${cluster.workers === 1 ? '' : 's'}`),
    element('div', 'lazyscope-ClusterCard-cores', `${cluster.cores ?? 0} cores`),
    element('div', 'lazyscope-ClusterCard-memory', formatBytes(cluster.memory))
  );
  card.append(facts);
  if (cluster.error) {
    card.append(element('div', 'lazyscope-ClusterCard-error', cluster.error));
  }
  const origin = cluster.source === 'server' ? 'started by this server' : 'started in a kernel';
  const users = notebooks.length > 0 ? notebooks.join(', ') : origin;
  card.append(element('div', 'lazyscope-ClusterCard-notebooks', users));

  const actions = element('div', 'lazyscope-ClusterCard-actions');
  if (cluster.proxy) {
    actions.append(button('Dashboard', 'dashboard', 'Open the dashboard in a tab'));
    if (cluster.engine === 'dask') {
      actions.append(button('Plots', 'plots', 'Open one dashboard plot (Task Stream, Progress, ...) as a pane'));
    }
  }
  if (connectCode(cluster) !== null) {
    actions.append(button('Connect code', 'connect', 'Insert a cell that attaches to it'));
  }
  if (cluster.source === 'server') {
    actions.append(button('Scale', 'scale', 'Change the number of workers'));
    actions.append(button('Stop', 'stop', 'Stop this cluster'));
  }
  card.append(actions);
  return card;
}
