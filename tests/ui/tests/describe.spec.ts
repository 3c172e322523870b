import { expect, test } from '@jupyterlab/galata';
import { setCells } from './_helpers';

/**
 * The describe card renders in a notebook from lazyscope's MIME type, shows user data
 * as text (a column named like a script tag stays text), folds away, and follows the
 * dark theme. pandas keeps the test free of a JVM or a cluster: same card, same code.
 */
const XSS = '<script>alert(1)</script>';
const SOURCE = [
  'import lazyscope, pandas as pd',
  `lazyscope.describe(pd.DataFrame({"a": [1, 2], ${JSON.stringify(XSS)}: ["x", "y"]}))`
].join('\n');

test('the describe card renders, escapes and collapses', async ({ page }, testInfo) => {
  let dialogs = 0;
  page.on('dialog', dialog => {
    dialogs += 1; // an alert() would mean the column name ran as a script
    void dialog.dismiss();
  });
  await page.notebook.createNew();
  await setCells(page, [SOURCE]);
  await page.notebook.runCell(0);

  const card = page.locator('.jp-lazyscope-describe');
  await expect(card).toHaveCount(1);
  await expect(card.locator('.jp-lazyscope-describe-title')).toHaveText('pandas DataFrame');
  await expect(card.locator('.jp-lazyscope-describe-name', { hasText: XSS })).toHaveCount(1);
  await expect(card.locator('script')).toHaveCount(0);
  expect(dialogs).toBe(0);

  const body = card.locator('.jp-lazyscope-describe-body');
  await card.locator('.jp-lazyscope-describe-header').click();
  await expect(body).toBeHidden();
  await card.locator('.jp-lazyscope-describe-header').click();
  await expect(body).toBeVisible();
  await card.screenshot({ path: testInfo.outputPath('describe-light.png') });

  await page.theme.setDarkTheme();
  const background = await card.evaluate(node => getComputedStyle(node).backgroundColor);
  expect(background).not.toBe('rgb(255, 255, 255)');
  await card.screenshot({ path: testInfo.outputPath('describe-dark.png') });
});
