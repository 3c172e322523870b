import { JupyterFrontEndPlugin } from '@jupyterlab/application';

import { clustersPlugin } from './clusters/plugin';
import { dagPlugin } from './dag';
import { describePlugin } from './describe';
import { plotPlugin } from './plot';
import { requestAPI } from './request';

/**
 * The lazyscope front-end. For now it only proves the chain
 * lab -> server extension works: a failure shows in the browser console,
 * which is where people look when the Clusters panel stays empty.
 */
const plugin: JupyterFrontEndPlugin<void> = {
  id: 'lazyscope:plugin',
  description: 'Apache Spark and Dask, native in JupyterLab.',
  autoStart: true,
  activate: (): void => {
    console.log('lazyscope extension is activated');

    requestAPI<{ clusters: unknown[] }>('clusters')
      .then(reply => {
        console.debug(`lazyscope server extension: ${reply.clusters.length} session(s) announced`);
      })
      .catch(reason => {
        console.error(`The lazyscope server extension appears to be missing or failing.\n${reason}`);
      });
  }
};

export default [plugin, describePlugin, dagPlugin, plotPlugin, clustersPlugin];
