import { requestAPI } from '../request';

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
