// The playground served from the installed package, in Debian's chromium: the page loads, a short
// run in its Web Worker fills the targets table, a lead explains itself, and no script fails.
// Usage: node .ci/playground-browser.mjs http://127.0.0.1:PORT/
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const url = process.argv[2];
const userDataDir = mkdtempSync(join(tmpdir(), 'leadflow-smoke-chromium-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(url);
  await page.waitForSelector('[data-testid=editor-ruleSet] .cm-content', { timeout: 30_000 });
  await page.fill('input[name=days]', '5');
  await page.fill('input[name=leadsPerMonth]', '900');
  await page.click('[data-testid=run]');
  await page.waitForSelector('[data-testid=results]', { timeout: 120_000 });
  const rows = await page.locator('[data-testid=targets] tbody tr').count();
  if (rows !== 3) throw new Error(`playground: ${rows} target rows, expected 3`);
  await page.locator('[data-testid=chart-reps] [data-rep]').first().click();
  await page.locator('[data-testid=rep-detail] [data-lead]').first().click();
  await page.waitForSelector('[data-testid=explain-candidates]', { timeout: 30_000 });
  if (errors.length > 0) throw new Error(`playground: page errors: ${errors.join('; ')}`);
  console.log(`playground in chromium ok: a 5-day run, ${rows} targets, a lead explained`);
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
