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
  webServer: {
    command: 'jlpm start',
    url: `${baseURL}/lab`,
    timeout: 120 * 1000,
    reuseExistingServer: false
  }
};
