#!/usr/bin/env node
// The slip's rating page (/rate/<token>) in headless Chromium on a phone-sized screen against a
// running hall (issue 14). The service behind the link must have finished and not be rated.
//
//   node tests/web/rate.test.mjs --hall http://127.0.0.1:PORT --link /rate/TOKEN --number A001 \
//     [--chromium /usr/bin/chromium] [--shots /tmp]
//
// Prints one line per check and `N passed, M failed` last; exits 1 on any failure.

import { Runner, assert, launch, parseArgs } from './harness.mjs';

const args = parseArgs(process.argv.slice(2));
const HALL = (args.hall || '').replace(/\/+$/, '');
const CHROMIUM = args.chromium || '/usr/bin/chromium';
const SHOTS = args.shots || '/tmp';
if (!HALL || !args.link || !args.number) {
  console.error('usage: node rate.test.mjs --hall URL --link /rate/TOKEN --number A001');
  process.exit(2);
}

const run = new Runner();
const check = (name, fn) => run.check(name, fn);

const browser = await launch(CHROMIUM);
const errors = [];
try {
  const ctx = await browser.newContext({
    viewport: { width: 390, height: 780 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    locale: 'zh-CN', timezoneId: 'Asia/Shanghai',
  });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  // Refusals this test provokes (403, 400) are logged as failed loads; anything else (a CSP
  // violation, a script error) counts.
  page.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push(m.text()); });

  await check('a forged link gets a clear refusal page', async () => {
    const forged = args.link.slice(0, -2) + (args.link.endsWith('AA') ? 'BB' : 'AA');
    const res = await page.goto(`${HALL}${forged}`);
    assert(res.status() === 403, `status ${res.status()}`);
    assert(/评价链接无效/.test(await page.textContent('main')), 'no refusal text');
    assert(!(await page.$('#r-levels')), 'levels offered on a forged link');
  });

  await page.goto(`${HALL}${args.link}`);

  await check('the page names the ticket in Chinese and offers five levels', async () => {
    assert(await page.evaluate(() => document.documentElement.lang) === 'zh-CN', 'not Chinese');
    assert((await page.textContent('.r-facts')).includes(args.number), 'ticket number missing');
    assert(/工号/.test(await page.textContent('.r-facts')), 'staff number missing');
    await page.waitForSelector('#r-levels [data-level]');
    const levels = await page.$$eval('[data-level]', (bs) => bs.map((b) => b.textContent));
    assert(levels.length === 5 && levels[0] === '非常满意' && levels[4] === '非常不满意', levels.join(','));
    await page.screenshot({ path: `${SHOTS}/web-rate-levels.png` });
  });

  await check('a low rating without a reason is refused (page and server)', async () => {
    await page.tap('[data-level="2"]');
    await page.waitForSelector('#r-reason:not([hidden])');
    assert((await page.$$('[data-reason]')).length >= 5, 'no reason list');
    await page.tap('#r-send');
    await page.waitForFunction(() => document.getElementById('r-error').textContent.includes('原因'));
    assert(await page.$eval('#r-thanks', (e) => e.hidden), 'thanked without a reason');
    await page.screenshot({ path: `${SHOTS}/web-rate-reason.png` });
    // The hall refuses it too, whatever a page does.
    const r = await page.evaluate(async () => {
      const res = await fetch(location.pathname, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ rating: 1 }) });
      return { status: res.status, body: await res.json() };
    });
    assert(r.status === 400 && r.body.code === 'bad_request', JSON.stringify(r));
  });

  await check('a good rating is submitted and thanked', async () => {
    await page.tap('#r-back');
    await page.tap('[data-level="5"]');
    await page.waitForSelector('#r-thanks:not([hidden])');
    assert(/感谢/.test(await page.textContent('#r-thanks')), 'no thanks');
    await page.screenshot({ path: `${SHOTS}/web-rate-thanks.png` });
  });

  await check('opened again, the page says it was rated', async () => {
    await page.reload();
    assert(/已评价/.test(await page.textContent('main')), 'not marked rated');
    assert(!(await page.$('#r-levels')), 'levels offered again');
  });

  await check('English is available', async () => {
    await page.tap('.r-lang');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    assert(/Already rated/.test(await page.textContent('main')), 'not English');
  });

  await check('no page errors (the CSP allowed everything the page runs)', async () => {
    assert(errors.length === 0, errors.join('; '));
  });
} catch (e) {
  run.fail(`run: ${(e && e.stack) || e}`);
} finally {
  await browser.close();
}
run.exit();
