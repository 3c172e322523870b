/**
 * Two people on a real JupyterHub, in Chromium (driven by tests/test_hub_browser.py, which
 * starts the hub and asserts on what this prints). Not a spec: Playwright's runner does
 * not pick it up (no .spec. in its name), and galata is not used, since its fixtures
 * need a galata extension in the server, which a hub's single-user image does not have.
 *
 * Input (JSON on stdin): {hub, password, notebook, cells (how many it has), shots}. Alice and then bob, each in a
 * browser context of their own, sign in on the hub's login page, open JupyterLab on their
 * notebook, run all its cells from the Run menu, and open the Clusters panel from the
 * sidebar; alice opens her Dask session's dashboard; bob's browser then opens the
 * capability path alice's dashboard tab was sent to. Output (JSON, last line of stdout):
 * what each page showed, and the screenshots' paths.
 */
const fs = require('fs');
const path = require('path');
const { chromium } = require('@playwright/test');

const PANEL = '#lazyscope-clusters';
const LONG = 300_000; // a local Spark JVM starting on a loaded 2-core machine

/** Console errors and uncaught errors of a page and its frames, with where they came from. */
function watchErrors(page) {
  const errors = [];
  page.on('console', message => {
    if (message.type() === 'error') {
      errors.push({ text: message.text(), url: message.location().url });
    }
  });
  page.on('pageerror', error => errors.push({ text: error.message, url: 'pageerror' }));
  return errors;
}

async function login(page, hub, user, password) {
  await page.goto(`${hub}/hub/login`);
  await page.locator('input[name="username"]').fill(user);
  await page.locator('input[name="password"]').fill(password);
  await page.locator('#login_submit').click();
  await page.waitForURL(url => !url.pathname.startsWith('/hub/login'), { timeout: 60_000 });
}

/** Open the notebook in JupyterLab and run all its cells from the Run menu. */
async function runNotebook(page, hub, user, notebook, count) {
  await page.goto(`${hub}/user/${user}/lab/tree/${notebook}`);
  // All its cells drawn (JupyterLab adds them to the page one after the other).
  await page.waitForFunction(
    n => document.querySelectorAll('.jp-NotebookPanel .jp-Notebook .jp-Cell').length === n,
    count,
    { timeout: 120_000 }
  );
  // The kernel first, as a user waits for it: idle, as the server says.
  const deadline = Date.now() + 120_000;
  while ((await kernelState(page, hub, user, notebook)) !== 'idle') {
    if (Date.now() > deadline) {
      throw new Error(`${user}'s kernel did not start`);
    }
    await page.waitForTimeout(500);
  }
  await page.locator('.lm-MenuBar-itemLabel', { hasText: /^Run$/ }).click();
  await page.locator('.lm-Menu-itemLabel', { hasText: /^Run All Cells$/ }).click();
  await page.waitForFunction(
    n => {
      const prompts = Array.from(document.querySelectorAll('.jp-NotebookPanel .jp-Cell .jp-InputArea-prompt'));
      return prompts.length === n && prompts.every(p => /\[\d+\]/.test(p.textContent || ''));
    },
    count,
    { timeout: LONG, polling: 500 }
  );
  return page.locator('.jp-NotebookPanel .jp-Cell').evaluateAll(nodes =>
    nodes.map(cell => ({
      prompt: cell.querySelector('.jp-InputArea-prompt')?.textContent ?? '',
      output: cell.querySelector('.jp-OutputArea')?.textContent ?? '',
      errors: cell.querySelectorAll('[data-mime-type="application/vnd.jupyter.error"]').length,
      stderr: cell.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"]').length
    }))
  );
}

/** The kernel of `notebook`, as the server's sessions list it (JupyterLab asks the same). */
async function kernelOf(page, hub, user, notebook) {
  const reply = await page.request.get(`${hub}/user/${user}/api/sessions`);
  const sessions = reply.ok() ? await reply.json() : [];
  return sessions.find(s => s.path === notebook)?.kernel ?? null;
}

async function kernelState(page, hub, user, notebook) {
  return (await kernelOf(page, hub, user, notebook))?.execution_state ?? null;
}

/** Open the Clusters panel from its sidebar tab; wait for `wanted` cards of `kernelId`. */
async function openPanel(page, kernelId, wanted) {
  await page.locator(`.jp-SideBar .lm-TabBar-tab[data-id="lazyscope-clusters"]`).click();
  await page.locator(PANEL).waitFor({ state: 'visible' });
  const mine = page.locator(`${PANEL} .lazyscope-ClusterCard[data-kernel-id="${kernelId}"]`);
  await page.waitForFunction(
    ([selector, n]) => document.querySelectorAll(selector).length >= n,
    [`${PANEL} .lazyscope-ClusterCard[data-kernel-id="${kernelId}"]`, wanted],
    { timeout: 60_000, polling: 500 }
  );
  await mine.first().waitFor();
  return page.locator(`${PANEL} .lazyscope-ClusterCard`).evaluateAll(cards =>
    cards.map(card => ({
      id: card.dataset.clusterId,
      kernel: card.dataset.kernelId,
      source: card.dataset.source,
      text: card.textContent,
      actions: Array.from(card.querySelectorAll('button[data-action]')).map(b => b.dataset.action)
    }))
  );
}

/** What the canvases of a dashboard frame show: their sizes and how many pixels are drawn. */
async function canvases(frame) {
  return frame.locator('canvas').evaluateAll(nodes =>
    nodes.map(canvas => {
      let drawn = 0;
      try {
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 3; i < data.length; i += 4) {
          drawn += data[i] > 0 ? 1 : 0;
        }
      } catch (error) {
        drawn = -1; // unreadable (a WebGL canvas): sizes still say it was laid out
      }
      return { width: canvas.width, height: canvas.height, drawn };
    })
  );
}

async function main() {
  const input = JSON.parse(fs.readFileSync(0, 'utf8'));
  const { hub, password, notebook, cells, shots } = input;
  const shot = name => path.join(shots, name);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium'
  });
  const seen = { alice: {}, bob: {}, shots: {} };
  try {
    // ---------------------------------------------------------------- alice
    const aliceContext = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const alice = await aliceContext.newPage();
    const aliceErrors = watchErrors(alice);
    await login(alice, hub, 'alice', password);
    seen.alice.afterLogin = alice.url();
    seen.alice.cells = await runNotebook(alice, hub, 'alice', notebook, cells);
    seen.alice.kernel = (await kernelOf(alice, hub, 'alice', notebook)).id;
    seen.alice.cards = await openPanel(alice, seen.alice.kernel, 2);
    seen.shots.alicePanel = shot('alice-lab-panel.png');
    await alice.screenshot({ path: seen.shots.alicePanel });

    const daskCard = alice.locator(
      `${PANEL} .lazyscope-ClusterCard[data-kernel-id="${seen.alice.kernel}"]`,
      { has: alice.locator('button[data-action="plots"]') }
    );
    await daskCard.locator('button[data-action="dashboard"]').click();
    const iframe = alice.locator('.lazyscope-Dashboard iframe').first();
    await iframe.waitFor({ timeout: 60_000 });
    const dashboard = alice.frameLocator('.lazyscope-Dashboard iframe').first();
    await dashboard.locator('canvas').first().waitFor({ state: 'visible', timeout: 120_000 });
    // Bokeh draws after its document arrives over the websocket: give the plots a moment.
    await alice.waitForTimeout(3000);
    const frame = alice.frames().find(f => f.url().includes('/lazyscope/dashboard/'));
    seen.alice.dashboardTab = await alice.locator('.lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel')
      .allTextContents();
    seen.alice.dashboardUrl = frame ? frame.url() : null;
    seen.alice.dashboardTitle = frame ? await frame.title() : null;
    seen.alice.canvases = frame ? await canvases(frame) : [];
    seen.shots.aliceDashboard = shot('alice-dashboard.png');
    await alice.screenshot({ path: seen.shots.aliceDashboard });
    seen.alice.errors = aliceErrors;

    // ---------------------------------------------------------------- bob
    const bobContext = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const bob = await bobContext.newPage();
    const bobErrors = watchErrors(bob);
    await login(bob, hub, 'bob', password);
    seen.bob.afterLogin = bob.url();
    seen.bob.cells = await runNotebook(bob, hub, 'bob', notebook, cells);
    seen.bob.kernel = (await kernelOf(bob, hub, 'bob', notebook)).id;
    seen.bob.cards = await openPanel(bob, seen.bob.kernel, 2);
    seen.shots.bobPanel = shot('bob-panel.png');
    await bob.screenshot({ path: seen.shots.bobPanel });
    seen.bob.errors = bobErrors.slice();

    // Bob's browser opens the capability path copied from alice's page.
    if (seen.alice.dashboardUrl) {
      const refused = await bobContext.newPage();
      const answer = await refused.goto(seen.alice.dashboardUrl);
      await refused.waitForLoadState('load');
      seen.bob.copied = {
        status: answer ? answer.status() : null,
        url: refused.url(),
        text: await refused.locator('body').innerText(),
        canvases: await refused.locator('canvas').count(),
        html: (await refused.content()).slice(0, 4000)
      };
      seen.shots.bobRefused = shot('bob-refused.png');
      await refused.screenshot({ path: seen.shots.bobRefused });
    }
  } catch (error) {
    // What each page showed when it failed, for the report.
    for (const [i, context] of browser.contexts().entries()) {
      for (const [j, page] of context.pages().entries()) {
        await page.screenshot({ path: shot(`failed-${i}-${j}.png`) }).catch(() => undefined);
      }
    }
    throw error;
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(seen));
}

main().catch(error => {
  console.error(error && error.stack ? error.stack : String(error));
  process.exit(1);
});
