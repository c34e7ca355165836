#!/usr/bin/env node
// Browser tests of the hall's web pages against a running hall server.
//
//   node tests/web/pages.test.mjs --hall http://127.0.0.1:PORT (or https://localhost:PORT) \
//     --supervisor-token T --manager-token T2 --display-token T3 --counter-token T4 \
//     [--chromium /usr/bin/chromium] [--shots /tmp] [--timeout 180]
//
// The counter token must be bound to a window (`token create --role counter --window N`).
// Prints one line per check and `N passed, M failed[, K skipped]` last; exits 1 on any failure.

import fs from 'node:fs';

import { Runner, Skip, assert, eventually, launch, parseArgs } from './harness.mjs';

/* ------------------------------------------------------------------ arguments */

const args = parseArgs(process.argv.slice(2));
const HALL = (args.hall || process.env.HALL_URL || '').replace(/\/+$/, '');
const TOK = {
  supervisor: args['supervisor-token'] || process.env.HALL_SUPERVISOR_TOKEN,
  manager: args['manager-token'] || process.env.HALL_MANAGER_TOKEN,
  display: args['display-token'] || process.env.HALL_DISPLAY_TOKEN,
  counter: args['counter-token'] || process.env.HALL_COUNTER_TOKEN,
};
const CHROMIUM = args.chromium || process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = args.shots || '/tmp';
const TIMEOUT_S = Number(args.timeout || 180);

if (!HALL || Object.values(TOK).some((t) => !t)) {
  console.error('usage: node pages.test.mjs --hall http://127.0.0.1:PORT --supervisor-token T '
    + '--manager-token T --display-token T --counter-token T');
  process.exit(2);
}
if (!fs.existsSync(CHROMIUM)) {
  console.error(`chromium not found at ${CHROMIUM} (apt-get install -y chromium, or --chromium PATH)`);
  process.exit(2);
}

const ID_NUMBER = '440524188001010014';
const ID_MASKED = '4405**********0014';
const MASK_RE = /\d{4}\*{4,}\d{3}[\dXx]/;
const HAN = /[\u4e00-\u9fff]/;

/* ------------------------------------------------------------------ tiny runner */

const run = new Runner();
const check = (name, fn) => run.check(name, fn);
let finished = false;

const watchdog = setTimeout(() => {
  if (finished) return;
  run.fail(`the whole run finished within ${TIMEOUT_S} s`);
  run.exit();
}, TIMEOUT_S * 1000);

/* ------------------------------------------------------------------ a raw protocol client in a page */

// Runs inside a page on the hall's origin; independent of the pages' own protocol.js.
const RAW_CLIENT = `
window.openSession = (token) => new Promise((resolve, reject) => {
  const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws');
  const s = { ws, welcome: null, snapshot: null, pending: new Map(), n: 0 };
  ws.onopen = () => ws.send(JSON.stringify({ type: 'hello', token, client: 'web-test' }));
  ws.onmessage = (m) => {
    const f = JSON.parse(m.data);
    if (f.type === 'welcome') s.welcome = f;
    else if (f.type === 'snapshot') { s.snapshot = f; resolve(s); }
    else if (f.type === 'reply') { const p = s.pending.get(f.id); if (p) { s.pending.delete(f.id); p(f); } }
    else if (f.type === 'error' && !s.snapshot) reject(new Error(f.code + ': ' + f.message));
  };
  ws.onerror = () => reject(new Error('websocket error'));
  setTimeout(() => reject(new Error('no snapshot within 10 s')), 10000);
});
window.sendCommand = (s, command) => new Promise((resolve) => {
  const id = 'test-' + Math.random().toString(36).slice(2, 8) + '-' + (++s.n);
  s.pending.set(id, resolve);
  s.ws.send(JSON.stringify({ type: 'command', id, command }));
  setTimeout(() => { if (s.pending.delete(id)) resolve({ ok: false, error: { code: 'timeout', message: 'no reply in 10 s' } }); }, 10000);
});
window.sessions = {};
`;

/* ------------------------------------------------------------------ main */

const browser = await launch(CHROMIUM);

const pageErrors = [];
async function newPage(viewport, label) {
  // Over https the hall's certificate comes from the centre's own CA, which this throw-away
  // browser profile does not hold: trust it for the run (what an installed CA does).
  const ctx = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', ignoreHTTPSErrors: HALL.startsWith('https:') });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => pageErrors.push(`${label}: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) pageErrors.push(`${label} console: ${m.text()}`); });
  page.setDefaultTimeout(10000);
  return page;
}

async function shot(page, name) {
  const path = `${SHOTS}/web-${name}.png`;
  await page.screenshot({ path });
  console.log(`# screenshot ${path}`);
}

try {
  const ctl = await newPage({ width: 800, height: 600 }, 'control');
  await ctl.goto(`${HALL}/healthz`);
  await ctl.evaluate(RAW_CLIENT);

  const open = (name, token) => ctl.evaluate(async ([n, t]) => {
    const s = await window.openSession(t);
    window.sessions[n] = s;
    return { welcome: s.welcome, state: s.snapshot.state };
  }, [name, token]);
  const send = (name, command) => ctl.evaluate(([n, c]) => window.sendCommand(window.sessions[n], c), [name, command]);
  const fresh = async () => {
    const r = await ctl.evaluate(async (t) => {
      const s = await window.openSession(t);
      s.ws.close();
      return s.snapshot.state;
    }, TOK.supervisor);
    return r;
  };
  const freshWaiting = async (q) => (await fresh()).queues.find((x) => x.code === q).waiting;

  /* ---------------------------------------------------------------- the counter's window */
  const counter = await open('counter', TOK.counter);
  const W = counter.welcome.window;
  assert(W != null, 'the counter token is not bound to a window');
  await open('manager', TOK.manager);
  let win = counter.state.windows.find((w) => w.number === W);
  assert(win, `window ${W} not in the snapshot`);
  // Leave the window free and open, whatever an earlier run left behind.
  const cur = counter.state.current_ticket;
  if (cur && cur.state === 'called') await send('counter', { kind: 'start_service' });
  if (cur && (cur.state === 'called' || cur.state === 'serving')) await send('counter', { kind: 'finish' });
  if (win.state === 'paused') await send('counter', { kind: 'resume' });
  if (win.state === 'closed') await send('manager', { kind: 'set_window', window: W, state: 'open', queues: win.queues });
  const Q = win.queues[0];
  // A ticket with the test's ID number left live by an interrupted run would block re-issuing.
  for (const t of counter.state.tickets || []) {
    if (t.state === 'waiting' && (t.id_number === ID_MASKED || t.id_number === ID_NUMBER)) {
      await send('counter', { kind: 'cancel_ticket', ticket: t.id, reason: '网页测试清理 web test clean-up' });
    }
  }

  /* ---------------------------------------------------------------- pages */
  const sup = await newPage({ width: 1600, height: 1000 }, 'supervisor');
  const supSent = [];
  sup.on('websocket', (ws) => ws.on('framesent', (f) => supSent.push(String(f.payload))));
  const disp = await newPage({ width: 1920, height: 1080 }, 'display');
  const dispFrames = [];
  disp.on('websocket', (ws) => ws.on('framereceived', (f) => dispFrames.push(String(f.payload))));
  // Record what the display would say instead of speaking (headless has no audio anyway).
  await disp.addInitScript(() => {
    window.__spoken = [];
    if (window.speechSynthesis) {
      window.speechSynthesis.speak = (u) => { window.__spoken.push({ text: u.text, lang: u.lang }); };
    }
  });

  const supWaiting = (q) => sup.$eval(`#queues-body tr[data-queue="${q}"] td.waiting`, (n) => Number(n.dataset.waiting));
  const dispWaiting = (q) => disp.$eval(`#queues li[data-queue="${q}"] .d-q-waiting`, (n) => Number(n.dataset.waiting));

  await check('supervisor page renders queues and windows in Chinese', async () => {
    await sup.goto(`${HALL}/?token=${encodeURIComponent(TOK.supervisor)}`);
    await sup.waitForSelector('#conn[data-status="online"]');
    await sup.waitForSelector('#queues-body tr[data-queue]');
    await sup.waitForSelector('#windows .window[data-window]');
    assert(await sup.getAttribute('html', 'lang') === 'zh-CN', 'html lang is not zh-CN');
    assert(await sup.textContent('#h-queues') === '队列', 'queues heading is not 队列');
    assert(await sup.textContent('#h-windows') === '窗口', 'windows heading is not 窗口');
    const names = await sup.$$eval('#queues-body .qtitle', (ns) => ns.map((n) => n.textContent));
    assert(names.length > 0 && names.every((n) => HAN_TEST(n)), `queue names not Chinese: ${names}`);
    const centre = await sup.textContent('#centre-name');
    assert(/[\u4e00-\u9fff]/.test(centre), `centre name missing: ${centre}`);
    const clock = await sup.textContent('#clock');
    assert(/^\d{2}:\d{2}:\d{2}$/.test(clock), `clock shows ${clock}`);
    assert(!sup.url().includes('token='), 'token left in the address bar');
    const winText = await sup.textContent(`#windows .window[data-window="${W}"]`);
    assert(winText.includes(String(W)), `window ${W} card missing`);
    await sup.evaluate(() => { window.__noReload = true; });
  });

  await check('hall display renders in large type on a dark background', async () => {
    await disp.goto(`${HALL}/display?token=${encodeURIComponent(TOK.display)}&voice=1`);
    await disp.waitForSelector('#queues li[data-queue]');
    const bg = await disp.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const [r, g, b] = bg.match(/\d+/g).map(Number);
    assert(r + g + b < 200, `background not dark: ${bg}`);
    const size = await disp.$eval('#queues .d-q-title', (n) => parseFloat(getComputedStyle(n).fontSize));
    assert(size >= 36, `queue names only ${size}px on a 1920×1080 screen`);
    const title = await disp.textContent('#d-title');
    assert(title === '叫号信息', `title ${title}`);
    // The token leaves the address bar once read (the big screen is public).
    const shown = await disp.evaluate(() => location.href);
    assert(!shown.includes('token='), `token still in the address bar: ${shown}`);
    assert(shown.includes('voice=1'), `other parameters kept: ${shown}`);
    await disp.evaluate(() => { window.__noReload = true; });
  });

  let ticket = null;
  await check('issuing a ticket updates waiting counts live on both pages', async () => {
    const before = await supWaiting(Q);
    const r = await send('counter', { kind: 'issue_ticket', queue: Q, channel: 'walk_in', id_number: ID_NUMBER });
    assert(r.ok, `issue_ticket failed: ${JSON.stringify(r.error)}`);
    ticket = r.result.ticket;
    assert(ticket && ticket.number && ticket.number.startsWith(Q), `odd ticket ${JSON.stringify(ticket)}`);
    await eventually(`supervisor waiting for ${Q} to match the hall`, async () => {
      const [p, f] = [await supWaiting(Q), await freshWaiting(Q)];
      return p === f && p >= 1 ? true : { page: p, hall: f, before };
    });
    await eventually(`display waiting for ${Q} to match the hall`, async () => {
      const [p, f] = [await dispWaiting(Q), await freshWaiting(Q)];
      return p === f ? true : { page: p, hall: f };
    });
    assert(await sup.evaluate(() => window.__noReload === true), 'supervisor page reloaded');
    assert(await disp.evaluate(() => window.__noReload === true), 'display page reloaded');
  });

  await check('calling shows the number at its window live on the supervisor page', async () => {
    assert(ticket, 'no ticket issued');
    const r = await send('counter', { kind: 'call_next', ticket: ticket.id, reason: '网页测试 web page test' });
    assert(r.ok, `call_next failed: ${JSON.stringify(r.error)}`);
    const called = r.result.ticket;
    assert(called.number === ticket.number, `called ${called.number}, expected ${ticket.number}`);
    await sup.waitForFunction(([w, n]) => {
      const el = document.querySelector(`#windows .window[data-window="${w}"] .ticket`);
      return el && el.textContent === n;
    }, [W, ticket.number]);
    await sup.waitForFunction((n) => [...document.querySelectorAll('#calls li .ticket')].some((e) => e.textContent === n), ticket.number);
    await eventually('waiting count after the call', async () => (await supWaiting(Q)) === (await freshWaiting(Q)));
    await shot(sup, 'supervisor');
  });

  await check('display shows "请 <number> 号 到 <window> 号窗口" in large type, and speaks it', async () => {
    await disp.waitForFunction(([w, n]) => {
      const hero = document.getElementById('hero');
      return hero && hero.dataset.number === n && hero.dataset.window === String(w);
    }, [W, ticket.number]);
    assert(await disp.textContent('#hero-number') === ticket.number, 'hero number');
    assert(await disp.textContent('#hero-window') === String(W), 'hero window');
    const text = (await disp.textContent('#hero')).replace(/\s+/g, '');
    assert(text.includes(`请${ticket.number}号到${W}号窗口`), `hero reads ${text}`);
    const size = await disp.$eval('#hero-number', (n) => parseFloat(getComputedStyle(n).fontSize));
    assert(size >= 120, `called number only ${size}px`);
    const spoken = await disp.evaluate(() => window.__spoken);
    assert(spoken.some((s) => s.lang === 'zh-CN' && s.text.includes(`${W} 号窗口`) && s.text.startsWith('请 ' + ticket.number[0])),
      `voice said ${JSON.stringify(spoken)}`);
    await shot(disp, 'display');
  });

  await check('recall re-announces the number on the display', async () => {
    const before = (await disp.evaluate(() => window.__spoken.length));
    const r = await send('counter', { kind: 'recall' });
    assert(r.ok, `recall failed: ${JSON.stringify(r.error)}`);
    await disp.waitForSelector('#hero-recall', { state: 'visible' });
    assert(/再次叫号/.test(await disp.textContent('#hero-recall')), 'recall badge text');
    await eventually('a second call-out', async () => (await disp.evaluate(() => window.__spoken.length)) > before);
  });

  await check('no ID number or name reaches the display (page or websocket frames)', async () => {
    await eventually('display frames carrying the issued ticket', async () => dispFrames.some((f) => f.includes('ticket_issued') && f.includes(ticket.number)));
    const html = await disp.content();
    for (const [what, hay] of [['page HTML', html], ['websocket frames', dispFrames.join('\n')]]) {
      assert(!hay.includes(ID_NUMBER), `${what} contain the ID number`);
      assert(!hay.includes(ID_MASKED), `${what} contain the masked ID number`);
      assert(!MASK_RE.test(hay), `${what} contain a masked ID number`);
      assert(!/"id_number"/.test(hay), `${what} contain an id_number field`);
    }
    const supHtml = await sup.content();
    assert(!supHtml.includes(ID_NUMBER), 'supervisor page shows the full ID number');
  });

  await check('the display drops personal fields even if a frame carried them', async () => {
    // Feed the page's own client a forged event with personal data, as a buggy server might.
    await disp.evaluate(([q, idn]) => {
      const c = window.__hall;
      const at = new Date(c.hallNow()).toISOString();
      c.handle({
        type: 'event', seq: c.seq + 1, at,
        event: {
          kind: 'ticket_called',
          ticket: {
            id: 'forged-Z999', number: 'Z999', queue: q, window: 99, state: 'called', called_at: at,
            issued_at: at, id_number: idn, name: '张三丰', applicant: { name: '张三丰', id_number: idn },
          },
        },
      });
    }, [Q, ID_NUMBER]);
    await disp.waitForFunction(() => document.getElementById('hero').dataset.number === 'Z999');
    const html = await disp.content();
    assert(!html.includes(ID_NUMBER), 'forged ID number rendered');
    assert(!html.includes('张三丰'), 'forged name rendered');
    const mem = await disp.evaluate(() => JSON.stringify(window.__hall.state));
    assert(!mem.includes(ID_NUMBER) && !mem.includes('张三丰'), 'personal data kept in the page state');
    // Back to the hall's truth.
    await disp.evaluate(() => window.__hall.resync(true));
    await disp.waitForFunction(() => document.getElementById('hero').dataset.number !== 'Z999');
  });

  await check('finishing the ticket frees the window live', async () => {
    let r = await send('counter', { kind: 'start_service' });
    assert(r.ok, `start_service failed: ${JSON.stringify(r.error)}`);
    r = await send('counter', { kind: 'finish' });
    assert(r.ok, `finish failed: ${JSON.stringify(r.error)}`);
    await sup.waitForFunction((w) => !document.querySelector(`#windows .window[data-window="${w}"] .ticket`), W);
  });

  await check('a complaint recorded at the window shows on the supervisor page masked, never on the display', async () => {
    const r = await send('counter', {
      kind: 'request_record', category: 'complaint',
      applicant: { name: '网页测试人', id_number: ID_NUMBER }, matter: '网页测试投诉事由',
    });
    assert(r.ok, `request_record failed: ${JSON.stringify(r.error)}`);
    const id = r.result.request.id;
    assert(r.result.request.applicant.name === '网****', `reply not masked: ${JSON.stringify(r.result.request.applicant)}`);
    await sup.waitForFunction((i) => !!document.querySelector(`#records li[data-record="${i}"]`), id);
    const row = await sup.textContent(`#records li[data-record="${id}"]`);
    assert(row.includes('网****') && row.includes('投诉') && row.includes('网页测试投诉事由'), `row reads ${row}`);
    const html = await sup.content();
    assert(!html.includes('网页测试人') && !html.includes(ID_NUMBER), 'supervisor page shows the applicant unmasked');
    assert(!dispFrames.some((f) => f.includes('request_recorded') || f.includes('网页测试')), 'display frames carry the request');
    const a = await send('counter', { kind: 'request_answer', request: id, note: '已告知申请人' });
    assert(a.ok, `request_answer failed: ${JSON.stringify(a.error)}`);
    await sup.waitForFunction((i) => !document.querySelector(`#records li[data-record="${i}"]`), id);
  });

  await check('after a dropped connection: offline banner, reconnect with after_seq, missed events applied', async () => {
    const sawBanner = await sup.evaluate(() => new Promise((resolve) => {
      const b = document.getElementById('offline-banner');
      const obs = new MutationObserver(() => { if (!b.hidden) { obs.disconnect(); resolve(true); } });
      obs.observe(b, { attributes: true });
      window.__hall.ws.close();
      setTimeout(() => resolve(false), 5000);
    }));
    assert(sawBanner, 'no offline banner after the connection dropped');
    // Something happens while the page is away.
    const r = await send('counter', { kind: 'issue_ticket', queue: Q, channel: 'walk_in' });
    assert(r.ok, `issue_ticket failed: ${JSON.stringify(r.error)}`);
    await sup.waitForSelector('#conn[data-status="online"]', { timeout: 15000 });
    await sup.waitForSelector('#offline-banner', { state: 'hidden' });
    const hellos = supSent.filter((f) => f.includes('"hello"'));
    assert(hellos.length >= 2, `expected a second hello, saw ${hellos.length}`);
    const last = JSON.parse(hellos[hellos.length - 1]);
    assert(Number.isInteger(last.after_seq) && last.after_seq > 0, `reconnect hello without after_seq: ${hellos[hellos.length - 1].replace(/"token":"[^"]*"/, '"token":"…"')}`);
    assert(last.client === 'web-supervisor', 'client name');
    await eventually('the missed ticket counted', async () => (await supWaiting(Q)) === (await freshWaiting(Q)));
    assert(await sup.evaluate(() => window.__noReload === true), 'supervisor page reloaded');
    const c = await send('counter', { kind: 'cancel_ticket', ticket: r.result.ticket.id, reason: 'web test' });
    assert(c.ok, `cancel_ticket failed: ${JSON.stringify(c.error)}`);
    await eventually('the cancelled ticket uncounted', async () => (await supWaiting(Q)) === (await freshWaiting(Q)));
  });

  await check('supervisor role gets no open-window buttons', async () => {
    const n = await sup.$$eval('[data-action="open-window"], [data-action="switch-window"], [data-action="close-window"]', (ns) => ns.length);
    assert(n === 0, `${n} window buttons for a supervisor`);
  });

  const mgr = await newPage({ width: 1600, height: 1000 }, 'manager');
  let opened = null;
  await check('manager opens a window through the confirmation modal; all pages see it open', async () => {
    await mgr.goto(`${HALL}/?token=${encodeURIComponent(TOK.manager)}`);
    await mgr.waitForSelector('#conn[data-status="online"]');
    await mgr.waitForSelector('#windows .window[data-window]');
    assert((await mgr.textContent('#role-label')).includes('中心负责人'), 'role label');
    // Prefer the staffing advice; otherwise any closed window.
    let sel = '#recs [data-action="open-window"]';
    if (!(await mgr.$(sel))) sel = '#windows .window[data-state="closed"] [data-action="open-window"]';
    if (!(await mgr.$(sel))) {
      // Nothing closed: close a free window first (through the protocol), then reopen it here.
      const st = await fresh();
      const free = st.windows.find((w) => w.state === 'open' && !w.ticket && w.number !== W);
      assert(free, 'no closed window and no free window to close');
      const r = await send('manager', { kind: 'set_window', window: free.number, state: 'closed' });
      assert(r.ok, `set_window closed failed: ${JSON.stringify(r.error)}`);
      sel = `#windows .window[data-window="${free.number}"][data-state="closed"] [data-action="open-window"]`;
    }
    const btn = mgr.locator(sel).first();
    opened = Number(await btn.getAttribute('data-window'));
    await mgr.locator(`${sel}[data-window="${opened}"]`).first().click();
    await mgr.waitForSelector('#modal', { state: 'visible' });
    const text = await mgr.textContent('#modal');
    assert(text.includes(`${opened} 号窗口`), `modal text: ${text}`);
    await shot(mgr, 'manager-modal');
    await mgr.click('#modal-ok');
    await mgr.waitForSelector('#modal', { state: 'hidden' });
    await mgr.waitForSelector(`#windows .window[data-window="${opened}"][data-state="open"]`);
    await sup.waitForSelector(`#windows .window[data-window="${opened}"][data-state="open"]`);
    await mgr.waitForSelector('.toast.ok');
    const st = await fresh();
    assert(st.windows.find((w) => w.number === opened).state === 'open', 'the hall does not have it open');
    await shot(mgr, 'manager');
  });

  await check('cancelling the modal sends nothing', async () => {
    assert(opened != null, 'no window was opened');
    await mgr.locator(`#windows .window[data-window="${opened}"] [data-action="close-window"]`).click();
    await mgr.waitForSelector('#modal', { state: 'visible' });
    await mgr.click('#modal-cancel');
    await mgr.waitForSelector('#modal', { state: 'hidden' });
    await mgr.waitForTimeout(500);
    assert((await fresh()).windows.find((w) => w.number === opened).state === 'open', 'window closed despite cancel');
    // Put things back: close it again, confirmed.
    await mgr.locator(`#windows .window[data-window="${opened}"] [data-action="close-window"]`).click();
    await mgr.click('#modal-ok');
    await sup.waitForSelector(`#windows .window[data-window="${opened}"][data-state="closed"]`);
  });

  await check('the outbox of notices to applicants is shown under the alerts', async () => {
    // This hall has no [notify] webhook: counts are shown, and that messages only queue.
    await sup.waitForSelector('#notify-status:not([hidden])');
    const text = await sup.textContent('#notify-status');
    assert(/短信通知：待发 \d+/.test(text) && text.includes('未配置网关'), `notify status: ${text}`);
  });

  await check('an alert raised live can be acknowledged from the page', async () => {
    // Make one: lower Q's limit on people waiting, then issue tickets past it (too_many_waiting:Q).
    const q0 = (await fresh()).queues.find((x) => x.code === Q);
    const limit = Math.max(1, q0.waiting);
    const r = await send('manager', { kind: 'set_threshold', queue: Q, max_waiting: limit });
    const extras = [];
    try {
      if (!r.ok) {
        const btn = await mgr.$('#alerts [data-action="ack"]');
        if (!btn) throw new Skip(`set_threshold refused (${r.error && r.error.message}) and no alert to acknowledge`);
      } else {
        for (let i = q0.waiting; i <= limit; i += 1) {
          const t = await send('counter', { kind: 'issue_ticket', queue: Q, channel: 'walk_in' });
          assert(t.ok, `issue_ticket failed: ${JSON.stringify(t.error)}`);
          extras.push(t.result.ticket);
        }
        await mgr.waitForSelector(`#alerts li[data-alert="too_many_waiting:${Q}"] [data-action="ack"]`);
        // The supervisor sees it too, with an acknowledge button of its own.
        await sup.waitForSelector(`#alerts li[data-alert="too_many_waiting:${Q}"] [data-action="ack"]`);
        await sup.waitForSelector(`#queues-body tr[data-queue="${Q}"].warn`);
      }
      const sel = extras.length ? `#alerts li[data-alert="too_many_waiting:${Q}"] [data-action="ack"]` : '#alerts [data-action="ack"]';
      const id = await mgr.locator(sel).first().getAttribute('data-alert');
      await mgr.locator(`#alerts [data-action="ack"][data-alert="${id}"]`).click();
      await mgr.waitForFunction((a) => {
        const li = [...document.querySelectorAll('#alerts li[data-alert]')].find((n) => n.dataset.alert === a);
        return !li || li.classList.contains('acked');
      }, id);
      await sup.waitForFunction((a) => {
        const li = [...document.querySelectorAll('#alerts li[data-alert]')].find((n) => n.dataset.alert === a);
        return !li || li.classList.contains('acked');
      }, id);
    } finally {
      if (r.ok) await send('manager', { kind: 'set_threshold', queue: Q, max_waiting: q0.max_waiting });
      for (const t of extras) await send('counter', { kind: 'cancel_ticket', ticket: t.id, reason: '网页测试清理 web test clean-up' });
    }
  });

  await check('English toggle relabels the page and back', async () => {
    await sup.click('#lang-toggle');
    await sup.waitForFunction(() => document.getElementById('h-queues').textContent === 'Queues');
    assert(await sup.getAttribute('html', 'lang') === 'en', 'html lang en');
    await shot(sup, 'supervisor-en');
    await sup.click('#lang-toggle');
    await sup.waitForFunction(() => document.getElementById('h-queues').textContent === '队列');
  });

  await check('a bad token asks for a token instead of showing data', async () => {
    const bad = await newPage({ width: 1280, height: 800 }, 'bad-token');
    await bad.goto(`${HALL}/?token=not-a-real-token`);
    await bad.waitForSelector('#token-overlay', { state: 'visible' });
    await bad.waitForSelector('#token-error', { state: 'visible' });
    assert(await bad.$$eval('#queues-body tr', (n) => n.length) === 0, 'queues rendered without a valid token');
    await shot(bad, 'token');
    await bad.context().close();
  });

  await check('no script errors on any page', async () => {
    assert(pageErrors.length === 0, pageErrors.join(' | '));
  });
} catch (e) {
  run.fail(`setup: ${(e && e.stack) || e}`);
} finally {
  finished = true;
  clearTimeout(watchdog);
  await browser.close().catch(() => {});
}

run.exit();

function HAN_TEST(s) { return HAN.test(s); }
