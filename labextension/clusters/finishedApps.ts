import { PageConfig, URLExt } from '@jupyterlab/coreutils';

import { requestAPI } from '../request';

/** One Spark application that ended, as `GET lazyscope/api/spark/history` lists it. */
export interface IFinishedApp {
  id: string;
  name: string | null;
  /** Epoch seconds. */
  started: number | null;
  ended: number | null;
  duration: number | null;
  /** False: never stopped (its kernel died), and no session of this server runs it. */
  completed: boolean;
  /** Where a browser opens it: a URL path of the server (its History Server's pages). */
  link: string;
}

export async function listFinishedApps(): Promise<IFinishedApp[]> {
  const reply = await requestAPI<{ applications: IFinishedApp[] }>('spark/history');
  return reply.applications;
}

/** `75.2` -> `1 min 15 s`. */
function formatDuration(seconds: number | null): string {
  if (seconds === null) {
    return '–';
  }
  const whole = Math.round(seconds);
  return whole < 60 ? `${whole} s` : `${Math.floor(whole / 60)} min ${whole % 60} s`;
}

/**
 * The Clusters panel's "Finished Spark applications" section: folded, and listed when
 * opened (the first listing starts the user's Spark History Server, which takes a while),
 * so a panel merely shown starts nothing. Each opens in a browser tab, like the links
 * `%spark status` shows.
 */
export class FinishedApps {
  readonly node: HTMLDetailsElement;

  constructor() {
    this.node = document.createElement('details');
    this.node.className = 'lazyscope-FinishedApps';
    this.node.style.padding = '4px 8px';
    this.node.style.borderTop = 'var(--jp-border-width) solid var(--jp-border-color2)';
    const summary = document.createElement('summary');
    summary.textContent = 'Finished Spark applications';
    summary.style.cursor = 'pointer';
    this.list = document.createElement('div');
    this.list.className = 'lazyscope-FinishedApps-list';
    this.node.append(summary, this.list);
    this.node.addEventListener('toggle', () => {
      if (this.node.open) {
        void this.load();
      }
    });
  }

  /** List them again (opening the section does it too). */
  async load(): Promise<void> {
    this.list.replaceChildren(this.note('Asking the Spark History Server…'));
    let apps: IFinishedApp[];
    try {
      apps = await listFinishedApps();
    } catch (error) {
      this.list.replaceChildren(this.note(`Not available: ${(error as Error).message}`));
      return;
    }
    const rows = apps.map(app => this.row(app));
    this.list.replaceChildren(...(rows.length ? rows : [this.note('None yet: applications show up here once stopped.')]));
  }

  private row(app: IFinishedApp): HTMLElement {
    const row = document.createElement('div');
    row.className = 'lazyscope-FinishedApps-app';
    row.dataset.appId = app.id;
    row.style.padding = '4px 0';
    const link = document.createElement('a');
    // The server's path (with its base URL) on the lab's origin.
    link.href = URLExt.join(new URL(PageConfig.getBaseUrl()).origin, app.link);
    link.target = '_blank';
    link.rel = 'noopener noreferrer';
    link.textContent = app.name || app.id;
    link.style.color = 'var(--jp-content-link-color)';
    const facts = document.createElement('div');
    facts.style.color = 'var(--jp-ui-font-color2)';
    facts.style.fontSize = 'var(--jp-ui-font-size0)';
    const ended = app.ended === null ? 'unknown' : new Date(app.ended * 1000).toLocaleString();
    // Not stopped, and no session of this server runs it: its driver died (or runs elsewhere).
    const how = app.completed ? 'ended' : 'not stopped, last written';
    facts.textContent = `${app.id} · ${how} ${ended} · ran ${formatDuration(app.duration)}`;
    row.append(link, facts);
    return row;
  }

  private note(text: string): HTMLElement {
    const node = document.createElement('p');
    node.className = 'lazyscope-FinishedApps-note';
    node.style.color = 'var(--jp-ui-font-color2)';
    node.style.margin = '4px 0';
    node.textContent = text;
    return node;
  }

  private readonly list: HTMLDivElement;
}
