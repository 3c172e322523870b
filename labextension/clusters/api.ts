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
  /** "server": started by this server; "kernel": announced by a kernel; "gateway": a
   * Dask Gateway cluster of the user (whoever started it). */
  source: 'server' | 'kernel' | 'gateway';
  kernel_id: string | null;
  /** Gateway clusters: the notebook whose kernel started it, and whether that kernel runs. */
  kernel_name?: string | null;
  kernel_running?: boolean | null;
  /** Gateway clusters: "server" (this server's form), "kernel" (a notebook), or null. */
  started_by?: 'server' | 'kernel' | null;
  /** Gateway clusters: the gateway's facts and the size last asked for. */
  gateway?: IGatewayFacts;
}

export interface IGatewayFacts {
  address: string;
  cluster: string;
  options: Record<string, unknown>;
  /** Outlives its kernel (null: started outside this server's kernels). */
  keep: boolean | null;
  workers?: number;
  adapt?: [number, number];
}

/** The sources of clusters this server is configured for (`{gateway: ...}`), if any. */
export interface ISources {
  gateway?: { address: string | null; error: string | null };
}

/** One of the gateway's cluster options, as `GET gateway/options` declares it. */
export interface IGatewayField {
  name: string;
  label: string;
  type: 'integer' | 'float' | 'select' | 'bool' | 'mapping' | 'string';
  default: unknown;
  /** What it takes, in words (shown beside the field). */
  allows: string;
  min?: number | null;
  max?: number | null;
  choices?: string[];
}

export interface IGatewayOptions {
  address: string;
  fields: IGatewayField[];
}

/** A new Gateway cluster: its options, and a fixed size or adaptive bounds. */
export interface IGatewayCreate {
  engine: 'dask';
  gateway: true;
  options: Record<string, unknown>;
  workers?: number;
  adapt?: [number, number];
  keep: boolean;
}

/** What a new cluster asks for (per worker: cores and memory). */
export interface IClusterOptions {
  engine: 'dask' | 'spark';
  workers: number;
  cores: number;
  memory: string;
}

export async function listClusters(): Promise<{ clusters: ICluster[]; sources: ISources }> {
  const reply = await requestAPI<{ clusters: ICluster[]; sources?: ISources }>('clusters');
  return { clusters: reply.clusters, sources: reply.sources ?? {} };
}

export function createCluster(options: IClusterOptions | IGatewayCreate): Promise<ICluster> {
  return requestAPI<ICluster>('clusters', { method: 'POST', body: JSON.stringify(options) });
}

export function gatewayOptions(): Promise<IGatewayOptions> {
  return requestAPI<IGatewayOptions>('gateway/options');
}

/** Adaptive scaling between `minimum` and `maximum` workers (Gateway clusters). */
export function adaptCluster(id: string, minimum: number, maximum: number): Promise<ICluster> {
  return requestAPI<ICluster>(`clusters/${encodeURIComponent(id)}`, {
    method: 'PATCH',
    body: JSON.stringify({ adapt: [minimum, maximum] })
  });
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
  // A Dask dashboard's pages sit beside its status page: at the proxy's root for a local
  // scheduler, below `/clusters/<name>/` for a Dask Gateway's (the gateway serves them there).
  if (cluster.engine === 'dask' && cluster.proxy?.endsWith('/status')) {
    return cluster.proxy.slice(0, -'/status'.length);
  }
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
  if (cluster.source === 'gateway') {
    // By name, through the kernel's own dask-gateway configuration: no credentials in cells.
    // Gateways name clusters with letters, digits, dots and dashes; anything else could
    // turn the cell into other code, so it gets no connect code.
    const name = cluster.gateway?.cluster ?? '';
    return /^[A-Za-z0-9._-]+$/.test(name) ? `%dask connect --gateway ${name}` : null;
  }
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

/** Scale, adapt and stop act on clusters this server started and on Gateway clusters. */
export function manageable(cluster: ICluster): boolean {
  return cluster.source === 'server' || cluster.source === 'gateway';
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
