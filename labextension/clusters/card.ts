import { ICluster, connectCode, formatBytes, manageable } from './api';
import { daskIcon, sparkIcon } from './icons';

/** The actions a card offers; the panel wires them to commands. */
export type CardAction = 'scale' | 'adapt' | 'stop' | 'dashboard' | 'plots' | 'connect';

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

function plural(count: number | null, noun: string): string {
  return `${count ?? 0} ${noun}${count === 1 ? '' : 's'}`;
}

/** Who started a Gateway cluster: the notebook whose kernel did (and whether that kernel
 * still runs), this server's form, or someone else (a script, another server). */
function gatewayOwner(cluster: ICluster): HTMLElement {
  const line = element('div', 'lazyscope-ClusterCard-notebooks');
  if (cluster.kernel_name || cluster.started_by === 'kernel') {
    line.append(`started by ${cluster.kernel_name ?? 'a kernel'} `);
    const running = cluster.kernel_running === true;
    const state = element('span', `lazyscope-ClusterCard-kernel lazyscope-mod-${running ? 'running' : 'gone'}`,
      running ? 'kernel running' : 'kernel stopped');
    line.append(state);
  } else {
    line.textContent = cluster.started_by === 'server' ? 'started by this server' : 'started outside this server';
  }
  return line;
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
  const name = element('span', 'lazyscope-ClusterCard-name', cluster.name ?? `${engineLabel} session`);
  name.title = name.textContent ?? ''; // a Gateway's names are long: the whole one on hover
  header.append(icon, name);
  if (cluster.source === 'gateway') {
    const badge = element('span', 'lazyscope-ClusterCard-badge', 'Gateway');
    badge.title = `A Dask Gateway cluster (${cluster.gateway?.address ?? 'the gateway'})`;
    header.append(badge);
    if (cluster.gateway?.keep) {
      const kept = element('span', 'lazyscope-ClusterCard-badge lazyscope-mod-kept', 'kept');
      kept.title = 'Started with --keep: it outlives the kernel that started it';
      header.append(kept);
    }
  }
  header.append(
    element('span', `lazyscope-ClusterCard-status lazyscope-mod-${cluster.status ?? 'running'}`,
      cluster.status ?? 'running')
  );
  card.append(header);

  const facts = element('div', 'lazyscope-ClusterCard-facts');
  facts.append(
    element('div', 'lazyscope-ClusterCard-address', cluster.address ?? '–'),
    element('div', 'lazyscope-ClusterCard-workers', plural(cluster.workers, 'worker')),
    element('div', 'lazyscope-ClusterCard-cores', plural(cluster.cores, 'core')),
    element('div', 'lazyscope-ClusterCard-memory', formatBytes(cluster.memory))
  );
  const bounds = cluster.gateway?.adapt;
  if (bounds) {
    // The gateway adds and removes workers between these bounds (the last ones asked).
    facts.append(element('div', 'lazyscope-ClusterCard-scaling', `adaptive: ${bounds[0]} to ${bounds[1]} workers`));
  }
  card.append(facts);
  if (cluster.error) {
    card.append(element('div', 'lazyscope-ClusterCard-error', cluster.error));
  }
  if (cluster.source === 'gateway') {
    card.append(gatewayOwner(cluster));
  } else {
    const origin = cluster.source === 'server' ? 'started by this server' : 'started in a kernel';
    const users = notebooks.length > 0 ? notebooks.join(', ') : origin;
    card.append(element('div', 'lazyscope-ClusterCard-notebooks', users));
  }

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
  if (manageable(cluster)) {
    actions.append(button('Scale', 'scale', 'Change the number of workers'));
    if (cluster.source === 'gateway') {
      actions.append(button('Adapt', 'adapt', 'Let the gateway add and remove workers between a minimum and a maximum'));
    }
    actions.append(button('Stop', 'stop', 'Stop this cluster'));
  }
  card.append(actions);
  return card;
}
