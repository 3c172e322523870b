/**
 * Galata configuration for lazyscope's browser tests.
 *
 * Uses the system Chromium (no browser download: the network here has none)
 * and a JupyterLab started by Playwright itself on LAZYSCOPE_UI_PORT (default
 * 8888), so a developer's own JupyterLab on 8888 cannot be picked up by mistake.
 */
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

const port = process.env.LAZYSCOPE_UI_PORT || '8888';
const baseURL = `http://localhost:${port}`;
// A second JupyterLab under a JupyterHub-style base URL, for the specs whose links
// and proxied dashboards must work below it.
const hubPort = process.env.LAZYSCOPE_UI_HUB_PORT || String(Number(port) + 1);
const hubURL = `http://localhost:${hubPort}/user/alice`;
const HUB_SPECS = ['clusters.spec.ts', 'dashboard.spec.ts'];
// A third JupyterLab with lazyscope's lab extension disabled (ipywidgets and the standard
// renderers only): what every output still shows there.
const noextPort = process.env.LAZYSCOPE_UI_NOEXT_PORT || String(Number(port) + 2);
const noextURL = `http://localhost:${noextPort}`;
const NOEXT_SPECS = ['noext.spec.ts'];
// A fourth JupyterLab whose environment configures a real Dask Gateway on loopback
// (gateway_lab.py starts both, and stops both): the Gateway clusters of the panel.
const gatewayPort = process.env.LAZYSCOPE_UI_GATEWAY_PORT || String(Number(port) + 3);
const gatewayURL = `http://localhost:${gatewayPort}`;
const GATEWAY_SPECS = ['gateway.spec.ts'];
// Started only for runs that may include that spec: a run of other named spec files
// (`playwright test tests/dag.spec.ts`) starts no gateway and waits for no fourth lab.
const cliArgs = process.argv.slice(2);
const withGateway =
  cliArgs.some(arg => arg.includes('gateway')) || !cliArgs.some(arg => /\.(spec|test)\.ts$/.test(arg));

/** A JupyterLab server Playwright starts, and waits for, before the specs. */
function jupyterLab(command, url, env, timeout = 120 * 1000, shutdown = 10000) {
  return {
    command,
    url: `${url}/lab`,
    env,
    timeout,
    reuseExistingServer: false,
    // SIGTERM, not Playwright's default SIGKILL: the server runs its shutdown hooks
    // (lazyscope stops the clusters it started, Jupyter its kernels).
    gracefulShutdown: { signal: 'SIGTERM', timeout: shutdown }
  };
}

module.exports = {
  ...baseConfig,
  reporter: [['list'], ['html', { open: 'never' }]],
  // One retry: a shared, loaded CI machine can miss a timeout once; Playwright still
  // reports such a spec as flaky.
  retries: 1,
  use: {
    ...baseConfig.use,
    baseURL,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium'
    },
    // Video recording needs a Playwright ffmpeg download, which cannot happen here.
    video: 'off'
  },
  projects: [
    { name: 'root', testIgnore: [...NOEXT_SPECS, ...GATEWAY_SPECS], use: { baseURL } },
    { name: 'hub', testMatch: HUB_SPECS, use: { baseURL: hubURL } },
    { name: 'noext', testMatch: NOEXT_SPECS, use: { baseURL: noextURL } },
    { name: 'gateway', testMatch: GATEWAY_SPECS, use: { baseURL: gatewayURL } }
  ],
  webServer: [
    jupyterLab('jlpm start', baseURL, {}),
    jupyterLab('jupyter lab --config jupyter_server_hub_config.py', hubURL, {
      LAZYSCOPE_UI_HUB_PORT: hubPort
    }),
    jupyterLab('jupyter lab --config jupyter_server_noext_config.py', noextURL, {
      LAZYSCOPE_UI_NOEXT_PORT: noextPort
    }),
    // Longer limits: a fresh machine builds the gateway's cluster environments first (once;
    // pip's cache), and at the end the gateway stops its clusters after the lab.
    ...(withGateway
      ? [jupyterLab('python gateway_lab.py', gatewayURL, { LAZYSCOPE_UI_GATEWAY_PORT: gatewayPort }, 600 * 1000, 90000)]
      : [])
  ]
};
