import { ILabShell, ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Dialog, ICommandPalette, InputDialog, showDialog, showErrorMessage } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

import {
  ICluster,
  IClusterOptions,
  IDashboardPlot,
  adaptCluster,
  connectCode,
  createCluster,
  gatewayOptions,
  listPlots,
  manageable,
  scaleCluster,
  stopCluster
} from './api';
import { DashboardWidget, dashboardId, dashboardUrl } from './dashboard';
import { ClusterForm } from './form';
import { AdaptForm, NewDaskForm } from './gatewayForm';
import { ClustersPanel } from './panel';

const PLUGIN_ID = 'lazyscope:clusters';

const CommandIDs = {
  open: 'lazyscope:open-clusters',
  newDask: 'lazyscope:new-dask-cluster',
  newSpark: 'lazyscope:new-spark-cluster',
  scale: 'lazyscope:scale-cluster',
  adapt: 'lazyscope:adapt-cluster',
  stop: 'lazyscope:stop-cluster',
  dashboard: 'lazyscope:open-dashboard',
  plot: 'lazyscope:open-dask-plot',
  connect: 'lazyscope:insert-connect-code'
} as const;

type Defaults = Omit<IClusterOptions, 'engine'>;

/**
 * The Clusters sidebar: every Spark and Dask cluster of the server and every session a
 * kernel started, with actions as commands (so they are in the palette, too).
 *
 * Any shell with a left area will do: JupyterLab's, and Jupyter Notebook 7's (which has no
 * ILabShell). Where the shell has no tabbed main area (Notebook 7), dashboards open in a
 * browser tab instead of a lab tab.
 */
export const clustersPlugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'The Clusters panel: Spark and Dask clusters and sessions of this server.',
  autoStart: true,
  optional: [ILabShell, ICommandPalette, ISettingRegistry, ILayoutRestorer],
  activate: async (
    app: JupyterFrontEnd,
    labShell: ILabShell | null,
    palette: ICommandPalette | null,
    registry: ISettingRegistry | null,
    restorer: ILayoutRestorer | null
  ): Promise<void> => {
    let defaults: Defaults = { workers: 1, cores: 1, memory: '1GiB' };
    const shell = app.shell;
    const panel = new ClustersPanel(app.serviceManager.sessions, 5000);
    shell.add(panel, 'left', { rank: 250 });
    restorer?.add(panel, panel.id);

    // Which cluster a command acts on: its args, else the only managed one.
    const target = (args: { id?: unknown }): ICluster | null => {
      const managed = panel.clusters.filter(manageable);
      return panel.clusters.find(c => c.id === args.id) ?? (managed.length === 1 ? managed[0] : null);
    };
    const guard = async (what: string, work: () => Promise<unknown>): Promise<void> => {
      try {
        await work();
      } catch (error) {
        await showErrorMessage(what, error as Error);
      }
      await panel.refresh();
    };

    // Where a Dask Gateway is configured, "New Dask cluster" offers it first, with the
    // gateway's own cluster options (read now: a gateway's options can change).
    const form = async (engine: 'dask' | 'spark'): Promise<ClusterForm | NewDaskForm> => {
      const local = new ClusterForm(engine, defaults);
      if (engine !== 'dask' || !panel.sources.gateway) {
        return local;
      }
      return new NewDaskForm(local, await gatewayOptions().catch((error: Error) => error));
    };
    const create = async (engine: 'dask' | 'spark'): Promise<void> => {
      const result = await showDialog({
        title: engine === 'dask' ? 'New Dask cluster' : 'New Spark cluster',
        body: await form(engine),
        buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Start' })]
      });
      if (result.button.accept && result.value) {
        const options = result.value;
        await guard('Starting the cluster failed', () => createCluster(options));
      }
    };
    app.commands.addCommand(CommandIDs.newDask, {
      label: 'New Dask Cluster',
      execute: () => create('dask')
    });
    app.commands.addCommand(CommandIDs.newSpark, {
      label: 'New Spark Cluster',
      execute: () => create('spark')
    });
    app.commands.addCommand(CommandIDs.scale, {
      label: 'Scale Cluster',
      isEnabled: args => {
        const cluster = target(args);
        return cluster !== null && manageable(cluster);
      },
      execute: async args => {
        const cluster = target(args);
        if (!cluster) {
          return;
        }
        const answer = await InputDialog.getNumber({
          title: `Scale ${cluster.name ?? cluster.id}: workers`,
          value: cluster.workers ?? 1
        });
        if (answer.button.accept && answer.value !== null) {
          const workers = answer.value;
          await guard('Scaling failed', () => scaleCluster(cluster.id, workers));
        }
      }
    });
    app.commands.addCommand(CommandIDs.adapt, {
      label: 'Adapt Gateway Cluster',
      isEnabled: args => target(args)?.source === 'gateway',
      execute: async args => {
        const cluster = target(args);
        if (cluster?.source !== 'gateway') {
          return;
        }
        const result = await showDialog({
          title: `Adapt ${cluster.name ?? cluster.id}`,
          body: new AdaptForm(cluster.gateway?.adapt ?? [0, Math.max(cluster.workers ?? 1, 1)]),
          buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Adapt' })]
        });
        if (result.button.accept && result.value) {
          const [low, high] = result.value;
          await guard('Adapting failed', () => adaptCluster(cluster.id, low, high));
        }
      }
    });
    app.commands.addCommand(CommandIDs.stop, {
      label: 'Stop Cluster',
      isEnabled: args => {
        const cluster = target(args);
        return cluster !== null && manageable(cluster);
      },
      execute: async args => {
        const cluster = target(args);
        if (cluster) {
          // Its dashboard tabs close first: the cluster's process ends with it, and their
          // Bokeh pages would keep reconnecting to a dashboard that is gone.
          const tabs = dashboardId(cluster);
          for (const widget of Array.from(shell.widgets('main'))) {
            if (widget.id === tabs || widget.id.startsWith(`${tabs}-`)) {
              widget.dispose();
            }
          }
          await guard('Stopping failed', () => stopCluster(cluster.id));
        }
      }
    });
    // One tab per dashboard (or plot): opening it again shows the open one.
    const showDashboard = (cluster: ICluster, plot?: IDashboardPlot): void => {
      if (!labShell) {
        // Notebook 7's main area is the one document of its page: a browser tab instead.
        // The server sandboxes the proxied page (CSP) as it does inside the lab's iframe.
        window.open(dashboardUrl(cluster, plot), '_blank', 'noopener');
        return;
      }
      const id = dashboardId(cluster, plot);
      const open = Array.from(shell.widgets('main')).find(w => w.id === id);
      const widget = open ?? new DashboardWidget(cluster, plot);
      if (!open) {
        // Plots dock beside what the user works on, as dask-labextension's panes did.
        shell.add(widget, 'main', plot ? { mode: 'split-right' } : undefined);
      }
      shell.activateById(widget.id);
    };
    app.commands.addCommand(CommandIDs.dashboard, {
      label: 'Open Cluster Dashboard',
      isEnabled: args => Boolean(target(args)?.proxy),
      execute: args => {
        const cluster = target(args);
        if (cluster?.proxy) {
          showDashboard(cluster);
        }
      }
    });
    app.commands.addCommand(CommandIDs.plot, {
      label: 'Open a Dask Dashboard Plot',
      isEnabled: args => {
        const cluster = target(args);
        return cluster?.engine === 'dask' && Boolean(cluster.proxy);
      },
      execute: async args => {
        const cluster = target(args);
        if (cluster?.engine !== 'dask' || !cluster.proxy) {
          return;
        }
        let plots: IDashboardPlot[];
        try {
          plots = await listPlots(cluster);
        } catch (error) {
          await showErrorMessage('Listing the dashboard plots failed', error as Error);
          return;
        }
        // `plot` names one directly (palette, tests); else the user picks from the list.
        let label = typeof args.plot === 'string' ? args.plot : null;
        if (label === null) {
          const answer = await InputDialog.getItem({
            title: `Dask plot of ${cluster.name ?? 'the Dask session'}`,
            items: plots.map(p => p.label),
            current: plots.findIndex(p => p.label === 'Task Stream')
          });
          label = answer.button.accept ? answer.value : null;
        }
        const plot = plots.find(p => p.label === label);
        if (plot) {
          showDashboard(cluster, plot);
        } else if (label !== null) {
          await showErrorMessage('No such plot', `The dashboard has no plot named "${label}".`);
        }
      }
    });
    app.commands.addCommand(CommandIDs.connect, {
      label: 'Insert Cluster Connect Code',
      isEnabled: args => {
        const cluster = target(args);
        return cluster !== null && connectCode(cluster) !== null;
      },
      execute: async args => {
        const cluster = target(args);
        const code = cluster ? connectCode(cluster) : null;
        if (code === null) {
          return;
        }
        // The notebook commands act on the active notebook; no notebook dependency needed.
        await app.commands.execute('notebook:insert-cell-below');
        await app.commands.execute('notebook:replace-selection', { text: code });
      }
    });
    app.commands.addCommand(CommandIDs.open, {
      label: 'Show Clusters Panel',
      execute: () => shell.activateById(panel.id)
    });

    const commands: Record<string, string> = {
      'new-dask': CommandIDs.newDask,
      'new-spark': CommandIDs.newSpark,
      scale: CommandIDs.scale,
      adapt: CommandIDs.adapt,
      stop: CommandIDs.stop,
      dashboard: CommandIDs.dashboard,
      plots: CommandIDs.plot,
      connect: CommandIDs.connect
    };
    panel.actionRequested.connect((_, request) => {
      void app.commands.execute(commands[request.action], { id: request.cluster?.id ?? null });
    });
    for (const command of Object.values(CommandIDs)) {
      palette?.addItem({ command, category: 'Clusters' });
    }

    if (registry) {
      // Loaded after the commands exist: the panel works with the defaults meanwhile.
      const settings = await registry.load(PLUGIN_ID).catch(() => null);
      const apply = (): void => {
        panel.interval = (settings?.get('refreshInterval').composite as number) * 1000;
        defaults = settings?.get('defaultCluster').composite as unknown as Defaults;
      };
      if (settings) {
        apply();
        settings.changed.connect(apply);
      }
    }
  }
};
