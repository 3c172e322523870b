import { PageConfig, URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { LazyscopeAPIError, requestAPI } from '../request';

/** One cluster or session as `GET /lazyscope/api/clusters` lists it. */
export interface ICluster {
  id: string;
  engine: 'dask' | 'spark' | 'spark-connect';
  name?: string;
  address: string | null;
  dashboard: string | null;
  /** The dashboard through the server's proxy (a URL path), when it has one. */
  proxy: string | null;
  workers: number | null;
  cores: number | null;
  memory: number | null;
  status?: string;
  error?: string | null;
  /** "server": started by this server; "kernel": announced by a kernel. */
  source: 'server' | 'kernel';
  kernel_id: string | null;
}

/** What a new cluster asks for (per worker: cores and memory). */
export interface IClusterOptions {
  engine: 'dask' | 'spark';
  workers: number;
  cores: number;
  memory: string;
}

export async function listClusters(): Promise<ICluster[]> {
  const reply = await requestAPI<{ clusters: ICluster[] }>('clusters');
  return reply.clusters;
}

export function createCluster(options: IClusterOptions): Promise<ICluster> {
  return requestAPI<ICluster>('clusters', { method: 'POST', body: JSON.stringify(options) });
}

export function scaleCluster(id: string, workers: number): Promise<ICluster> {
  return requestAPI<ICluster>(`clusters/${encodeURIComponent(id)}`, {
    method: 'PATCH',
    body: JSON.stringify({ workers })
  });
}

export async function stopCluster(id: string): Promise<void> {
  await requestAPI<void>(`clusters/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

/** One plot of a Dask dashboard that can be shown on its own (Task Stream, Progress, ...). */
export interface IDashboardPlot {
  /** As the dashboard names it, without its "Individual " prefix. */
  label: string;
  /** Its path on the dashboard, e.g. `/individual-task-stream`. */
  path: string;
}

/** The URL path of a cluster's dashboard root through the server's proxy. */
export function proxyRoot(cluster: ICluster): string {
  const base = new URL(PageConfig.getBaseUrl()).pathname;
  return URLExt.join(base, 'lazyscope', 'dashboard', encodeURIComponent(cluster.id));
}

/**
 * The individual plots a Dask dashboard publishes (its `individual-plots.json`),
 * read through the server's proxy, so it works wherever the lab does.
 */
export async function listPlots(cluster: ICluster): Promise<IDashboardPlot[]> {
  const settings = ServerConnection.makeSettings();
  const url = URLExt.join(new URL(settings.baseUrl).origin, proxyRoot(cluster), 'individual-plots.json');
  const response = await ServerConnection.makeRequest(url, {}, settings);
  if (!response.ok) {
    throw new LazyscopeAPIError(response, `The dashboard did not list its plots (HTTP ${response.status}).`);
  }
  const plots = (await response.json()) as Record<string, string>;
  return Object.entries(plots)
    .filter(([, path]) => typeof path === 'string' && path.startsWith('/'))
    .map(([name, path]) => ({ label: name.replace(/^Individual /, ''), path }))
    .sort((a, b) => a.label.localeCompare(b.label));
}

/**
 * The magic that attaches a notebook to this cluster, or `null` when another
 * kernel cannot attach to it (a `local[*]` Spark lives inside its own kernel).
 */
export function connectCode(cluster: ICluster): string | null {
  const address = cluster.address ?? '';
  if (address.startsWith('tcp://')) {
    return `%dask connect ${address}`;
  }
  if (address.startsWith('spark://')) {
    return `%spark start --master ${address}`;
  }
  if (address.startsWith('sc://')) {
    return `%spark start --remote ${address}`;
  }
  return null;
}

/** `2147483648` -> `2.0 GiB`. */
export function formatBytes(bytes: number | null): string {
  if (!bytes) {
    return '–';
  }
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
