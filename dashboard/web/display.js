/* Public hall display (/display?token=…): called numbers, queue progress, the clock, optional voice.
 *
 * Privacy: the server sends the display role no personal data; this page also keeps only
 * whitelisted fields (ticket number, queue, window, counts) and never renders anything else.
 */
(function () {
  'use strict';
  const P = window.HallProtocol;
  const h = P.h;
  const TOKEN_KEY = 'hall.display.token';
  const LANG_KEY = 'hall.display.lang';
  const HIGHLIGHT_MS = 12000;
  const PERSONAL_KEYS = new Set(['id_number', 'applicant', 'agent', 'phone', 'mobile', 'address', 'appointment']);

  const TEXT = {
    zh: {
      title: '叫号信息', please: '请', unit: '号', to: '到', windowUnit: '号窗口', previous: '之前叫号',
      queues: '排队情况', colQueue: '业务', colWaiting: '等候', colEstimate: '预计等候',
      people: (n) => `${n} 人`, range: (a, b) => `${a}–${b} 分钟`, noWindow: '暂停办理',
      note: '请留意叫号。过号请到咨询台重新排队。', windowNo: (n) => `${n} 号窗口`,
      voiceOn: '语音播报：开', voiceOff: '语音播报：关', voiceNone: '语音不可用', recall: '再次叫号',
      offline: '信息更新已中断，正在重新连接…', waitingCall: '等待叫号',
      weekdays: ['星期日', '星期一', '星期二', '星期三', '星期四', '星期五', '星期六'],
      date: (p, wd) => `${p.year}年${p.month}月${p.day}日 ${wd}`,
      tokenMsg: '此显示屏需要访问令牌（网址中的 ?token=…）。', badToken: '令牌无效，请联系管理员。', connect: '连接',
      say: (num, win) => `请 ${spellZh(num)} 号，到 ${win} 号窗口办理`,
      online: '', connecting: '连接中…', offlineShort: '离线', unauthorized: '令牌无效',
    },
    en: {
      title: 'Now calling', please: 'Ticket', unit: '', to: 'to window', windowUnit: '', previous: 'Previously called',
      queues: 'Queues', colQueue: 'Service', colWaiting: 'Waiting', colEstimate: 'Est. wait',
      people: (n) => `${n}`, range: (a, b) => `${a}–${b} min`, noWindow: 'Not available',
      note: 'Please watch for your number. Missed your call? Ask at the information desk.', windowNo: (n) => `Window ${n}`,
      voiceOn: 'Voice: on', voiceOff: 'Voice: off', voiceNone: 'Voice unavailable', recall: 'Calling again',
      offline: 'Updates interrupted; reconnecting…', waitingCall: 'Waiting for the next call',
      weekdays: ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'],
      date: (p, wd) => `${wd}, ${p.year}-${P.pad2(p.month)}-${P.pad2(p.day)}`,
      tokenMsg: 'This display needs an access token (?token=… in the address).', badToken: 'Invalid token; ask the administrator.', connect: 'Connect',
      say: (num, win) => `Ticket ${num.split('').join(' ')}, please go to window ${win}`,
      online: '', connecting: 'Connecting…', offlineShort: 'Offline', unauthorized: 'Invalid token',
    },
  };

  const DIGITS_ZH = '零一二三四五六七八九';
  /** "A023" → "A零二三": digits one by one, the way halls call numbers. */
  function spellZh(num) {
    return String(num).replace(/\d/g, (d) => DIGITS_ZH[Number(d)]);
  }

  const params = new URLSearchParams(location.search);
  let lang = 'zh';
  try {
    const p = params.get('lang');
    lang = p === 'en' || p === 'zh' ? p : (localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh');
  } catch (e) { /* default */ }
  const T = () => TEXT[lang];

  const $ = (id) => document.getElementById(id);
  const el = {
    centre: $('d-centre'), title: $('d-title'), clock: $('d-clock'), date: $('d-date'),
    hero: $('hero'), heroLabel: $('hero-label'), heroRecall: $('hero-recall'), heroNumber: $('hero-number'), heroUnit: $('hero-unit'),
    heroPre: $('hero-pre'), heroWindow: $('hero-window'), heroWindowUnit: $('hero-window-unit'), heroQueue: $('hero-queue'), heroEmpty: $('hero-empty'),
    previous: $('d-previous'), calls: $('calls'), queuesTitle: $('d-queues-title'), queues: $('queues'),
    colQueue: $('d-col-queue'), colWaiting: $('d-col-waiting'), colEstimate: $('d-col-estimate'),
    note: $('d-note'), conn: $('d-conn'), voice: $('voice-toggle'), lang: $('d-lang'), offline: $('d-offline'),
    tokenOverlay: $('d-token'), tokenForm: $('d-token-form'), tokenInput: $('d-token-input'), tokenMsg: $('d-token-msg'),
  };

  /* ------------------------------------------------------------------ privacy */

  /** Removes personal fields anywhere; `name` too, except the centre's and the queues' names. */
  function scrub(v, path) {
    if (Array.isArray(v)) { v.forEach((x) => scrub(x, path)); return v; }
    if (!v || typeof v !== 'object') return v;
    const nameAllowed = path === 'centre' || path === 'queue';
    for (const k of Object.keys(v)) {
      if (PERSONAL_KEYS.has(k) || (k === 'name' && !nameAllowed) || (k === 'name_en' && !nameAllowed)) {
        delete v[k];
      } else if (v[k] && typeof v[k] === 'object') {
        scrub(v[k], k === 'centre' ? 'centre' : k === 'queues' && path === 'state' ? 'queue' : k);
      }
    }
    return v;
  }

  /** What the display shows, and nothing else. */
  function view(state) {
    return {
      centre: state.centre && typeof state.centre.name === 'string' ? state.centre.name : '',
      queues: (state.queues || []).map((q) => ({
        code: String(q.code || ''),
        name: typeof q.name === 'string' ? q.name : '',
        name_en: typeof q.name_en === 'string' ? q.name_en : '',
        waiting: Number(q.waiting) || 0,
        estimate: q.estimated_wait && Number.isFinite(q.estimated_wait.low_minutes)
          ? { low: q.estimated_wait.low_minutes, high: q.estimated_wait.high_minutes } : null,
      })),
      calls: (state.recent_calls || []).map((c) => ({
        number: String(c.number || ''), queue: String(c.queue || ''), window: c.window, state: c.state,
      })).filter((c) => c.number && c.window != null),
    };
  }

  /* ------------------------------------------------------------------ state */

  let client = null;
  let state = null;
  let hero = null;        // {number, queue, window, recall, at}
  let heroUntil = 0;
  let voiceOn = false;
  let renderQueued = false;
  const synth = 'speechSynthesis' in window && typeof window.SpeechSynthesisUtterance === 'function'
    ? window.speechSynthesis : null;

  function queueName(code) {
    const q = state && (state.queues || []).find((x) => x.code === code);
    if (!q) return '';
    return lang === 'en' && q.name_en ? q.name_en : q.name;
  }

  /* ------------------------------------------------------------------ voice */

  function pickVoice(wanted) {
    if (!synth) return null;
    const voices = synth.getVoices() || [];
    return voices.find((v) => v.lang && v.lang.toLowerCase().replace('_', '-') === wanted.toLowerCase())
      || voices.find((v) => v.lang && v.lang.toLowerCase().startsWith(wanted.slice(0, 2).toLowerCase()))
      || null;
  }

  function speak(call) {
    if (!voiceOn || !synth) return;
    try {
      const u = new SpeechSynthesisUtterance(T().say(call.number, call.window));
      u.lang = lang === 'en' ? 'en-US' : 'zh-CN';
      const v = pickVoice(u.lang);
      if (v) u.voice = v;
      u.rate = 0.9;
      synth.speak(u);
    } catch (e) {
      console.warn('speech failed', e);
    }
  }

  function setVoice(on) {
    voiceOn = !!on && !!synth;
    renderVoice();
  }

  function renderVoice() {
    if (!synth) {
      el.voice.textContent = T().voiceNone;
      el.voice.disabled = true;
      el.voice.setAttribute('aria-pressed', 'false');
      return;
    }
    el.voice.textContent = voiceOn ? T().voiceOn : T().voiceOff;
    el.voice.setAttribute('aria-pressed', String(voiceOn));
    el.voice.classList.toggle('on', voiceOn);
  }

  el.voice.addEventListener('click', () => {
    setVoice(!voiceOn);
    if (voiceOn && synth) {
      // The click is the user gesture browsers need; a short silent-ish utterance unlocks speech.
      try { synth.cancel(); } catch (e) { /* ignore */ }
    }
  });

  /* ------------------------------------------------------------------ render */

  function scheduleRender() {
    if (renderQueued) return;
    renderQueued = true;
    requestAnimationFrame(() => { renderQueued = false; render(); });
  }

  function applyLanguage() {
    const t = T();
    document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
    el.title.textContent = t.title;
    el.previous.textContent = t.previous;
    el.queuesTitle.textContent = t.queues;
    el.colQueue.textContent = t.colQueue;
    el.colWaiting.textContent = t.colWaiting;
    el.colEstimate.textContent = t.colEstimate;
    el.note.textContent = t.note;
    el.offline.textContent = t.offline;
    el.lang.textContent = lang === 'en' ? '中文' : 'English';
    el.tokenMsg.textContent = t.tokenMsg;
    renderVoice();
    render();
    tick();
  }

  function render() {
    const t = T();
    if (!state) return;
    const v = view(state);
    el.centre.textContent = v.centre;
    tick();
    document.title = `${v.centre} · ${t.title}`;

    // The newest call, highlighted.
    const top = hero || (v.calls[0] ? Object.assign({ recall: false }, v.calls[0]) : null);
    el.heroLabel.textContent = t.please;
    el.heroRecall.textContent = t.recall;
    el.heroRecall.hidden = !(top && top.recall);
    el.heroNumber.textContent = top ? top.number : '—';
    el.heroUnit.textContent = t.unit;
    el.heroPre.textContent = t.to;
    el.heroWindow.textContent = top ? String(top.window) : '—';
    el.heroWindowUnit.textContent = t.windowUnit;
    el.heroQueue.textContent = top ? queueName(top.queue) : '';
    el.heroEmpty.textContent = t.waitingCall;
    el.hero.classList.toggle('empty', !top);
    el.hero.dataset.number = top ? top.number : '';
    el.hero.dataset.window = top ? String(top.window) : '';

    // Earlier calls.
    const rest = v.calls.filter((c) => !top || c.number !== top.number || c.queue !== top.queue).slice(0, 6);
    el.previous.hidden = rest.length === 0;
    P.patch(el.calls, rest.map((c) => h('li', { class: `d-call state-${c.state || ''}`, dataset: { number: c.number, window: String(c.window) } },
      h('span', { class: 'd-call-number', text: c.number }),
      h('span', { class: 'd-call-window', text: t.windowNo(c.window) }))));

    // Queues.
    el.queues.classList.toggle('dense', v.queues.length > 6 && v.queues.length <= 9);
    el.queues.classList.toggle('very-dense', v.queues.length > 9);
    P.patch(el.queues, v.queues.map((q) => h('li', { class: 'd-q', dataset: { queue: q.code } },
      h('span', { class: 'd-q-name' },
        h('span', { class: 'd-q-code', text: q.code }),
        h('span', { class: 'd-q-title', text: lang === 'en' && q.name_en ? q.name_en : q.name })),
      h('span', { class: 'd-q-waiting', dataset: { waiting: String(q.waiting) }, text: t.people(q.waiting) }),
      h('span', { class: `d-q-estimate${q.estimate ? '' : ' none'}`, text: q.estimate ? t.range(q.estimate.low, q.estimate.high) : t.noWindow }))));
  }

  function tick() {
    const now = client ? client.hallNow() : Date.now();
    const p = P.hallParts(now, client ? client.hallOffsetMinutes : 480);
    if (client && state) {
      el.clock.textContent = `${P.pad2(p.hour)}:${P.pad2(p.minute)}`;
      el.date.textContent = T().date(p, T().weekdays[p.weekday]);
    }
    el.hero.classList.toggle('flash', Date.now() < heroUntil);
  }

  function renderStatus(status) {
    const t = T();
    const offline = status === 'offline' || (status === 'connecting' && state != null);
    el.offline.hidden = !offline;
    document.body.classList.toggle('is-offline', offline);
    el.conn.textContent = status === 'online' ? '' : status === 'offline' ? t.offlineShort : (t[status] || '');
    el.conn.dataset.status = status;
  }

  /* ------------------------------------------------------------------ connection */

  function connect(token) {
    if (client) client.stop();
    client = new P.Client({
      token,
      client: 'web-display',
      resyncEverySeconds: 60,
      onStatus(s) {
        renderStatus(s);
        if (s === 'unauthorized') {
          P.storeToken(TOKEN_KEY, '');
          el.tokenMsg.textContent = T().badToken;
          el.tokenOverlay.hidden = false;
        }
      },
      onState(s, why) {
        state = scrub(s, 'state');
        if (why === 'snapshot' && hero) {
          // Keep the highlighted call only while the hall still lists it.
          const still = (state.recent_calls || []).some((c) => c.number === hero.number && c.queue === hero.queue);
          if (!still) hero = null;
        }
        scheduleRender();
      },
      onEvent(ev, frame, effect) {
        if (!effect.call) return;
        const c = effect.call;
        hero = { number: c.number, queue: c.queue, window: c.window, recall: c.recall, at: c.at };
        heroUntil = Date.now() + HIGHLIGHT_MS;
        // Replayed events after a reconnect are old news: show them, do not announce them.
        const age = client.hallNow() - P.parseTime(frame.at);
        if (!(age > 30000)) speak(c);
      },
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
    applyLanguage();
  });

  if (synth && typeof synth.addEventListener === 'function') {
    synth.addEventListener('voiceschanged', () => { /* voices load lazily; picked per utterance */ });
  }

  setVoice(params.get('voice') === '1');
  applyLanguage();
  setInterval(tick, 1000);
  const found = P.tokenFromPage(TOKEN_KEY);
  if (found.from === 'url') {
    P.storeToken(TOKEN_KEY, found.token);
    // Keep the token out of the address bar, the history and anyone reading the big screen.
    const u = new URL(location.href);
    u.searchParams.delete('token');
    try { history.replaceState(null, '', u.pathname + u.search + u.hash); } catch (e) { /* file:// etc. */ }
  }
  if (found.token) connect(found.token); else el.tokenOverlay.hidden = false;
})();
