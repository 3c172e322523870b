import { expect, test } from '@jupyterlab/galata';

/**
 * The lazyscope lab extension is installed, enabled and activates in a real
 * JupyterLab, and its server extension answers the authenticated API call.
 */
const ACTIVATED = 'lazyscope extension is activated';

test('lazyscope activates in JupyterLab and reaches its server extension', async ({
  page
}, testInfo) => {
  const logs: string[] = [];
  page.on('console', message => {
    logs.push(`${message.type()}: ${message.text()}`);
  });
  // galata's fixture loaded the lab before the listener existed: load it again.
  await page.goto();

  expect(logs.filter(line => line.endsWith(ACTIVATED))).toHaveLength(1);
  // The plugin's first API call is asynchronous; wait for its answer.
  await expect
    .poll(() => logs.some(line => line.includes('lazyscope server extension:')))
    .toBe(true);
  expect(logs.filter(line => line.startsWith('error:') && line.includes('lazyscope'))).toEqual([]);

  await page.screenshot({ path: testInfo.outputPath('jupyterlab-with-lazyscope.png') });
});
