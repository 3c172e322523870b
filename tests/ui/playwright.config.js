/**
 * Galata configuration for lazyscope's browser tests.
 *
 * Uses the system Chromium (no browser download: the network here has none)
 * and a JupyterLab started by Playwright itself on LAZYSCOPE_UI_PORT (default
 * 8888), so a developer's own JupyterLab on 8888 cannot be picked up by mistake.
 */
const path = require('path');
const baseConfig = require('@jupyterlab/galata/lib/playwright-config');

const port = process.env.LAZYSCOPE_UI_PORT || '8888';
const baseURL = `http://localhost:${port}`;
// A second JupyterLab under a JupyterHub-style base URL, for the specs whose links
// and proxied dashboards must work below it.
const hubPort = process.env.LAZYSCOPE_UI_HUB_PORT || String(Number(port) + 1);
const hubURL = `http://localhost:${hubPort}/user/alice`;
// The suite's "lab" part leaves these to the hub project: a base URL below "/" is the case
// where a link or proxied page can go wrong; the server tests test_server_spark_ui and
// test_links_kernel check links and proxied pages under both. Run by hand, "root" has them too.
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
// The README's first command's environment (tests/_readme_machine.py): the tutorials run on
// its own `jupyter lab` and kernel.
const readmeVenv = process.env.LAZYSCOPE_README_VENV;
const TUTORIAL_SPECS = ['tutorials.spec.ts'];
// tests/test_ui.py runs the suite in parts, side by side; each starts only its own servers and
// writes its own results folder. By hand (no part), everything runs against this checkout.
const part = process.env.LAZYSCOPE_UI_PART || 'all';
// A run by hand of other named spec files (`playwright test tests/dag.spec.ts`) starts no
// gateway and waits for no fourth lab.
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

const servers = {
  root: jupyterLab('jlpm start', baseURL, {}),
  hub: jupyterLab('jupyter lab --config jupyter_server_hub_config.py', hubURL, {
    LAZYSCOPE_UI_HUB_PORT: hubPort
  }),
  noext: jupyterLab('jupyter lab --config jupyter_server_noext_config.py', noextURL, {
    LAZYSCOPE_UI_NOEXT_PORT: noextPort
  }),
  // Longer limits: a fresh machine builds the gateway's cluster environments first (once;
  // pip's cache), and at the end the gateway stops its clusters after the lab.
  gateway: jupyterLab('python gateway_lab.py', gatewayURL, { LAZYSCOPE_UI_GATEWAY_PORT: gatewayPort }, 600 * 1000, 90000),
  // The same settings as the root lab, from the README's environment (its PATH first).
  readme: readmeVenv
    ? jupyterLab(`${path.join(readmeVenv, 'bin', 'jupyter')} lab --config jupyter_server_test_config.py`, baseURL, {
        PATH: `${path.join(readmeVenv, 'bin')}${path.delimiter}${process.env.PATH}`,
        VIRTUAL_ENV: readmeVenv
      })
    : undefined
};
const projects = {
  root: { name: 'root', testIgnore: [...NOEXT_SPECS, ...GATEWAY_SPECS], use: { baseURL } },
  lab: {
    name: 'root',
    testIgnore: [...NOEXT_SPECS, ...GATEWAY_SPECS, ...TUTORIAL_SPECS, ...HUB_SPECS],
    use: { baseURL }
  },
  tutorials: { name: 'tutorials', testMatch: TUTORIAL_SPECS, use: { baseURL } },
  hub: { name: 'hub', testMatch: HUB_SPECS, use: { baseURL: hubURL } },
  noext: { name: 'noext', testMatch: NOEXT_SPECS, use: { baseURL: noextURL } },
  gateway: { name: 'gateway', testMatch: GATEWAY_SPECS, use: { baseURL: gatewayURL } }
};
const PARTS = {
  all: {
    projects: [projects.root, projects.hub, projects.noext, projects.gateway],
    servers: [servers.root, servers.hub, servers.noext, ...(withGateway ? [servers.gateway] : [])]
  },
  tutorials: { projects: [projects.tutorials], servers: [servers.readme || servers.root] },
  lab: { projects: [projects.lab], servers: [servers.root] },
  others: {
    projects: [projects.hub, projects.noext, projects.gateway],
    servers: [servers.hub, servers.noext, servers.gateway]
  }
};
if (!PARTS[part]) {
  throw new Error(`LAZYSCOPE_UI_PART=${part}: one of ${Object.keys(PARTS).join(', ')}`);
}

module.exports = {
  ...baseConfig,
  // The JSON report keeps each spec's duration (where a part's time goes).
  reporter: [
    ['list'],
    ['html', { open: 'never', outputFolder: `playwright-report/${part}` }],
    ['json', { outputFile: `playwright-report/${part}.json` }]
  ],
  outputDir: `test-results/${part}`,
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
  projects: PARTS[part].projects,
  webServer: PARTS[part].servers
};
