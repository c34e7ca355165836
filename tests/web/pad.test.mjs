#!/usr/bin/env node
// The window rating pad (/pad) in headless Chromium against a running hall (issue #14).
//
//   node tests/web/pad.test.mjs --hall http://127.0.0.1:PORT --pad-token T --counter-token T2 \
//     --kiosk-token T3 [--chromium /usr/bin/chromium] [--shots /tmp]
//
// The pad and counter tokens must be bound to the same window. Prints one line per check and
// `N passed, M failed` last; exits 1 on any failure.

import { Runner, assert, launch, parseArgs } from './harness.mjs';

const args = parseArgs(process.argv.slice(2));
const HALL = (args.hall || '').replace(/\/+$/, '');
const CHROMIUM = args.chromium || '/usr/bin/chromium';
const SHOTS = args.shots || '/tmp';
if (!HALL || !args['pad-token'] || !args['counter-token'] || !args['kiosk-token'] || !args['supervisor-token']) {
  console.error('usage: node pad.test.mjs --hall URL --pad-token T --counter-token T --kiosk-token T --supervisor-token T');
  process.exit(2);
}

const run = new Runner();
const check = (name, fn) => run.check(name, fn);

// A raw protocol client inside a page on the hall's origin, independent of the pages' own code.
const RAW_CLIENT = `
window.openSession = (token) => new Promise((resolve, reject) => {
  const ws = new WebSocket('ws://' + location.host + '/ws');
  const s = { ws, welcome: null, snapshot: null, pending: new Map(), n: 0, events: [] };
  ws.onopen = () => ws.send(JSON.stringify({ type: 'hello', token, client: 'web-test' }));
  ws.onmessage = (m) => {
    const f = JSON.parse(m.data);
    if (f.type === 'welcome') s.welcome = f;
    else if (f.type === 'snapshot') { s.snapshot = f; resolve(s); }
    else if (f.type === 'event') s.events.push(f.event);
    else if (f.type === 'batch') for (const e of f.events) s.events.push(e.event);
    else if (f.type === 'reply') { const p = s.pending.get(f.id); if (p) { s.pending.delete(f.id); p(f); } }
    else if (f.type === 'error' && !s.snapshot) reject(new Error(f.code + ': ' + f.message));
  };
  setTimeout(() => reject(new Error('no snapshot within 10 s')), 10000);
});
window.sendCommand = (s, command) => new Promise((resolve) => {
  const id = 't-' + (++s.n) + '-' + Math.random().toString(36).slice(2, 8);
  s.pending.set(id, resolve);
  s.ws.send(JSON.stringify({ type: 'command', id, command }));
});
window.sessions = {};
`;

const browser = await launch(CHROMIUM);
const errors = [];
try {
  const ctx = await browser.newContext({ viewport: { width: 1024, height: 600 }, locale: 'zh-CN', hasTouch: true, timezoneId: 'Asia/Shanghai' });
  const ctl = await ctx.newPage();
  await ctl.goto(`${HALL}/healthz`);
  await ctl.evaluate(RAW_CLIENT);
  const open = (n, t) => ctl.evaluate(async ([name, tok]) => { const s = await window.openSession(tok); window.sessions[name] = s; return { welcome: s.welcome, state: s.snapshot.state }; }, [n, t]);
  const send = (n, c) => ctl.evaluate(([name, cmd]) => window.sendCommand(window.sessions[name], cmd), [n, c]);

  const counter = await open('counter', args['counter-token']);
  const padRaw = await open('pad', args['pad-token']);
  await open('kiosk', args['kiosk-token']);
  // Ratings are supervision detail: they reach supervisors, not other counters.
  await open('supervisor', args['supervisor-token']);
  const W = counter.welcome.window;
  assert(padRaw.welcome.window === W, `pad bound to window ${padRaw.welcome.window}, counter to ${W}`);
  const win = counter.state.windows.find((w) => w.number === W);
  const Q = win.queues[0];

  const pad = await ctx.newPage();
  pad.on('pageerror', (e) => errors.push(e.message));
  await pad.goto(`${HALL}/pad?token=${encodeURIComponent(args['pad-token'])}`);
  await pad.waitForFunction(() => document.body.dataset.status === 'online');

  await check('idle pad shows its window in Chinese', async () => {
    await pad.waitForFunction((w) => document.getElementById('p-window').textContent === `${w} 号窗口`, W);
    assert(/欢迎/.test(await pad.textContent('#p-welcome')), 'no welcome');
  });

  // An applicant is called to this window.
  const issued = await send('kiosk', { kind: 'issue_ticket', queue: Q, channel: 'walk_in' });
  assert(issued.ok, JSON.stringify(issued));
  const called = await send('counter', { kind: 'call_next' });
  assert(called.ok, JSON.stringify(called));
  const number = called.result.ticket.number;

  await check('the pad shows the ticket being served and the staff number', async () => {
    await pad.waitForFunction((n) => document.getElementById('p-ticket').textContent === n && !document.getElementById('p-serving').hidden, number);
    assert(/工号/.test(await pad.textContent('#p-staff')), 'no staff number');
  });

  await check("a counter's evaluate is refused", async () => {
    const r = await send('counter', { kind: 'evaluate', ticket: called.result.ticket.id, rating: 5 });
    assert(!r.ok && r.error.code === 'forbidden', JSON.stringify(r));
  });

  await send('counter', { kind: 'start_service' });
  const fin = await send('counter', { kind: 'finish' });
  assert(fin.ok, JSON.stringify(fin));

  await check('a finished service offers five levels', async () => {
    await pad.waitForFunction(() => document.body.dataset.screen === 'rate');
    assert((await pad.$$('[data-level]')).length === 5, 'not five levels');
    assert((await pad.textContent('#p-rate-ticket')).includes(number), 'rating screen does not name the ticket');
    await pad.screenshot({ path: `${SHOTS}/web-pad-rate.png` });
  });

  await check('a low rating without a reason is refused (page and server)', async () => {
    await pad.tap('[data-level="1"]');
    await pad.waitForFunction(() => document.body.dataset.screen === 'reason');
    await pad.tap('#p-reason-send');
    await pad.waitForFunction(() => document.getElementById('p-reason-msg').textContent.includes('原因'));
    assert(await pad.evaluate(() => document.body.dataset.screen) === 'reason', 'left the reason screen');
    // The server refuses it too, whatever a page does.
    const r = await send('pad', { kind: 'evaluate', ticket: called.result.ticket.id, rating: 1 });
    assert(!r.ok && r.error.code === 'bad_request', JSON.stringify(r));
  });

  await check('the rating with a reason lands on the serving window; thanks; back to idle', async () => {
    await pad.tap('[data-reason="等候时间过长"]');
    await pad.tap('#p-reason-send');
    await pad.waitForFunction(() => document.body.dataset.screen === 'thanks');
    assert(/感谢/.test(await pad.textContent('#p-thanks')), 'no thanks');
    const ev = await ctl.evaluate(() => window.sessions.supervisor.events.find((e) => e.kind === 'evaluation_recorded'));
    assert(ev, 'no evaluation_recorded event reached the supervisor');
    assert(ev.evaluation.window === W, `rating landed on window ${ev.evaluation.window}`);
    assert(ev.evaluation.rating === 1 && /等候时间过长/.test(ev.evaluation.reason), JSON.stringify(ev));
    assert(ev.evaluation.on_behalf === false, 'marked on behalf');
    await pad.waitForFunction(() => document.body.dataset.screen === 'idle', null, { timeout: 10000 });
  });

  await check('the same service cannot be rated twice', async () => {
    const r = await send('pad', { kind: 'evaluate', ticket: called.result.ticket.id, rating: 5 });
    assert(!r.ok && r.error.code === 'conflict', JSON.stringify(r));
  });

  await check('no page errors', async () => { assert(errors.length === 0, errors.join('; ')); });
} catch (e) {
  run.fail(`run: ${(e && e.stack) || e}`);
} finally {
  await browser.close();
}
run.exit();
