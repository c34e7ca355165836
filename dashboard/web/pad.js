/* Window rating pad (/pad?token=…): faces the applicant at one window (窗口评价器).
 *
 * Idle: the window, the staff number of who serves, the ticket being served. When that window
 * finishes a service, it offers the five levels; the two lowest need a reason (from the list or
 * typed); then thanks, and back to idle. The server decides: it accepts a pad's rating only for
 * the service its window just finished, once.
 *
 * Privacy: a pad is a public screen; the server sends it no personal data, and this page shows
 * only the window, the ticket number and the staff number.
 */
(function () {
  'use strict';
  const P = window.HallProtocol;
  const h = P.h;
  // Levels, reasons and their rule: shared with the slip's rating page (rating_words.js).
  const W = window.HallRatingWords;
  const TOKEN_KEY = 'hall.pad.token';
  const LANG_KEY = 'hall.pad.lang';
  const THANKS_MS = 5000;
  // Unanswered rating screens go back to idle: the applicant has walked away.
  const RATE_TIMEOUT_MS = 120000;

  const TEXT = {
    zh: {
      window: (n) => `${n} 号窗口`, staff: (s) => `工号 ${s}`, welcome: '欢迎办理业务', serving: '正在办理',
      ask: '请您对本次服务进行评价', ticket: (n) => `号码 ${n}`,
      ...W.zh, offline: '网络中断，正在重新连接…',
      tokenMsg: '此评价器需要访问令牌（网址中的 ?token=…）。', badToken: '令牌无效，请联系管理员。',
    },
    en: {
      window: (n) => `Window ${n}`, staff: (s) => `Staff no. ${s}`, welcome: 'Welcome', serving: 'Now serving',
      ask: 'Please rate this service', ticket: (n) => `Ticket ${n}`,
      ...W.en, offline: 'Connection lost; reconnecting…',
      tokenMsg: 'This pad needs an access token (?token=… in the address).', badToken: 'Invalid token; ask the administrator.',
    },
  };

  const params = new URLSearchParams(location.search);
  let lang = 'zh';
  try {
    const p = params.get('lang');
    lang = p === 'en' || p === 'zh' ? p : (localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh');
  } catch (e) { /* default */ }
  const T = () => TEXT[lang];

  const $ = (id) => document.getElementById(id);
  const el = {
    window: $('p-window'), staff: $('p-staff'), lang: $('p-lang'),
    idle: $('s-idle'), rate: $('s-rate'), reason: $('s-reason'), thanks: $('s-thanks'),
    welcome: $('p-welcome'), serving: $('p-serving'), servingLabel: $('p-serving-label'), ticket: $('p-ticket'),
    ask: $('p-ask'), rateTicket: $('p-rate-ticket'), levels: $('p-levels'),
    reasonAsk: $('p-reason-ask'), reasons: $('p-reasons'), reasonText: $('p-reason-text'), reasonMsg: $('p-reason-msg'),
    reasonBack: $('p-reason-back'), reasonSend: $('p-reason-send'), thanksText: $('p-thanks'),
    error: $('p-error'), offline: $('p-offline'),
    tokenOverlay: $('p-token'), tokenForm: $('p-token-form'), tokenInput: $('p-token-input'), tokenMsg: $('p-token-msg'),
  };

  let client = null;
  let myWindow = null;
  let serving = null;   // {number, staff} at this window
  let toRate = null;    // {id, number, staff}: the service just finished here
  let level = null;
  let chosenReason = '';
  let screen = 'idle';
  let screenTimer = null;

  /** Only what a pad shows, from a (redacted) ticket. */
  function pick(t) {
    if (!t || typeof t !== 'object') return null;
    return { id: String(t.id || ''), number: String(t.number || ''), staff: t.served_by != null ? String(t.served_by) : '' };
  }

  function show(name) {
    screen = name;
    for (const s of ['idle', 'rate', 'reason', 'thanks']) el[s].hidden = s !== name;
    document.body.dataset.screen = name;
    clearTimeout(screenTimer);
    if (name === 'thanks') screenTimer = setTimeout(() => show('idle'), THANKS_MS);
    else if (name !== 'idle') screenTimer = setTimeout(() => { toRate = null; show('idle'); }, RATE_TIMEOUT_MS);
    render();
  }

  function render() {
    const t = T();
    document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
    el.lang.textContent = lang === 'en' ? '中文' : 'English';
    el.window.textContent = myWindow != null ? t.window(myWindow) : '—';
    const staff = (screen === 'idle' ? serving : toRate) || serving || toRate;
    el.staff.textContent = staff && staff.staff ? t.staff(staff.staff) : '';
    el.welcome.textContent = t.welcome;
    el.servingLabel.textContent = t.serving;
    el.serving.hidden = !(serving && serving.number);
    el.ticket.textContent = serving ? serving.number : '';
    el.ask.textContent = t.ask;
    el.rateTicket.textContent = toRate ? t.ticket(toRate.number) : '';
    P.patch(el.levels, [5, 4, 3, 2, 1].map((n) => h('button', {
      type: 'button', class: `p-level${n <= 2 ? ' low' : ''}`, dataset: { level: String(n) }, text: t.levels[n],
    })));
    el.reasonAsk.textContent = t.reasonAsk;
    P.patch(el.reasons, t.reasons.map((r) => h('button', {
      type: 'button', class: 'p-reason', dataset: { reason: r }, 'aria-pressed': String(r === chosenReason), text: r,
    })));
    el.reasonText.placeholder = t.reasonPlaceholder;
    el.reasonBack.textContent = t.back;
    el.reasonSend.textContent = t.send;
    el.thanksText.textContent = t.thanks;
    el.offline.textContent = t.offline;
    el.tokenMsg.textContent = t.tokenMsg;
  }

  function offer(ticket) {
    toRate = ticket;
    level = null;
    chosenReason = '';
    el.reasonText.value = '';
    el.reasonMsg.textContent = '';
    el.error.hidden = true;
    show('rate');
  }

  async function submit(reason) {
    if (!toRate || !client) return;
    const cmd = { kind: 'evaluate', ticket: toRate.id, rating: level };
    if (reason) cmd.reason = reason;
    try {
      await client.command(cmd);
      toRate = null;
      show('thanks');
    } catch (e) {
      const msg = T().failed + ((e && e.message) || e);
      if (screen === 'reason') el.reasonMsg.textContent = msg;
      else { el.error.textContent = msg; el.error.hidden = false; }
    }
  }

  el.levels.addEventListener('click', (e) => {
    const b = e.target.closest('[data-level]');
    if (!b) return;
    level = Number(b.dataset.level);
    if (W.needsReason(level)) show('reason');
    else submit('');
  });
  el.reasons.addEventListener('click', (e) => {
    const b = e.target.closest('[data-reason]');
    if (!b) return;
    chosenReason = b.dataset.reason === chosenReason ? '' : b.dataset.reason;
    el.reasonMsg.textContent = '';
    render();
  });
  el.reasonBack.addEventListener('click', () => show('rate'));
  el.reasonSend.addEventListener('click', () => {
    const reason = W.joinReason(chosenReason, el.reasonText.value);
    if (!reason) { el.reasonMsg.textContent = T().needReason; return; }
    submit(reason);
  });

  function fromSnapshot(state) {
    const pad = state.pad || {};
    if (pad.window != null) myWindow = pad.window;
    serving = pick(pad.current_ticket);
    const pending = pick(pad.to_rate);
    // A reconnect must not drop an applicant mid-rating, nor re-offer one already rated.
    if (pending && pending.id && (!toRate || toRate.id !== pending.id) && screen !== 'thanks') offer(pending);
    else if (!pending && (screen === 'rate' || screen === 'reason')) { toRate = null; show('idle'); }
    render();
  }

  function fromEvent(ev) {
    const t = ev && ev.ticket;
    if (!t || myWindow == null || t.window !== myWindow) return;
    switch (ev.kind) {
      case 'ticket_called': case 'ticket_recalled': case 'service_started':
        serving = pick(t); break;
      case 'service_finished':
        serving = null; offer(pick(t)); break;
      case 'ticket_no_show': case 'ticket_cancelled': case 'ticket_transferred':
        serving = null; break;
      default: return;
    }
    render();
  }

  function connect(token) {
    if (client) client.stop();
    client = new P.Client({
      token,
      client: 'web-pad',
      resyncEverySeconds: 60,
      onStatus(s) {
        el.offline.hidden = s === 'online' || s === 'unauthorized';
        document.body.dataset.status = s;
        if (s === 'unauthorized') {
          P.storeToken(TOKEN_KEY, '');
          el.tokenMsg.textContent = T().badToken;
          el.tokenOverlay.hidden = false;
        }
      },
      onWelcome(w) { if (w && w.window != null) myWindow = w.window; render(); },
      onState(s, why) { if (why === 'snapshot') fromSnapshot(s); },
      onEvent(ev) { fromEvent(ev); },
    });
    window.__hall = client;
    client.start();
  }

  el.tokenForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const token = el.tokenInput.value.trim();
    if (!token) return;
    P.storeToken(TOKEN_KEY, token);
    el.tokenOverlay.hidden = true;
    connect(token);
  });
  el.lang.addEventListener('click', () => {
    lang = lang === 'en' ? 'zh' : 'en';
    try { localStorage.setItem(LANG_KEY, lang); } catch (e) { /* ignore */ }
    render();
  });

  show('idle');
  const found = P.tokenFromPage(TOKEN_KEY);
  if (found.from === 'url') P.storeToken(TOKEN_KEY, found.token);
  if (found.token) connect(found.token); else el.tokenOverlay.hidden = false;
})();
