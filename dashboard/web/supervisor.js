/* Supervisor view (/): queues, windows, alerts and staffing advice, live over the hall protocol. */
(function () {
  'use strict';
  const P = window.HallProtocol;
  const h = P.h;
  const TOKEN_KEY = 'hall.supervisor.token';
  const LANG_KEY = 'hall.lang';
  const HOUR_MS = 3600 * 1000;

  /* ------------------------------------------------------------------ text */

  const TEXT = {
    zh: {
      subtitle: '现场监控 · 排队叫号', queues: '队列', queue: '队列', waiting: '等候', longest: '最长等候',
      estimate: '预计等候', openWindows: '开放窗口', lastHour: '近一小时', alerts: '告警',
      recommendations: '人员调配建议', records: '差评回访与诉求', windows: '窗口', recentCalls: '最近叫号', changeToken: '更换令牌',
      reconnectNow: '立即重连', tokenTitle: '请输入访问令牌',
      tokenHelp: '令牌由中心管理员用 dashboard token create 生成，只需输入一次。',
      save: '保存并连接', cancel: '取消', confirm: '确认',
      online: '在线', connecting: '连接中…', offline: '离线', unauthorized: '令牌无效',
      offlineBanner: (s) => `与服务器的连接已断开，正在自动重连${s != null ? `（${s} 秒后）` : ''}… 页面数据可能已过时`,
      people: (n) => `${n} 人`, minutes: (n) => `${n} 分钟`, range: (a, b) => `约 ${a}–${b} 分钟`,
      noWindow: '无窗口开放', none: '—', noAlerts: '暂无告警', noRecs: '暂无建议',
      ack: '确认', acked: '已确认', ago: (m) => (m < 1 ? '刚刚' : m < 60 ? `${m} 分钟前` : `${Math.floor(m / 60)} 小时 ${m % 60} 分钟前`),
      windowNo: (n) => `${n} 号窗口`, idle: '空闲', onTicket: '办理中',
      state: { open: '开放', paused: '暂停', closed: '关闭' },
      kind: { comprehensive: '综合办事', consultation: '综合咨询', assisted: '帮办代办', cross_region: '跨域通办', escalation: '办不成事反映' },
      alertKind: {
        long_wait: '等候超时', too_many_waiting: '等候人数过多', estimate_over_target: '预计等候超目标',
        idle_window: '窗口空闲', notice_due: '补正通知到期', deadline: '办结时限', material_due: '容缺材料', device_fault: '设备故障',
        urgent_refused: '急事急办被拒', storage_failure: '无法保存数据', disk_low: '磁盘空间不足',
        notify_failing: '通知发送失败',
      },
      notify: (n) => `短信通知：待发 ${n.pending} · 重试中 ${n.retrying} · 失败 ${n.failed} · 已发 ${n.sent}${n.configured ? '' : '（未配置网关，消息仅排队）'}`,
      ticketState: { called: '已叫号', serving: '办理中', done: '已办结', no_show: '过号', waiting: '等候', cancelled: '已取消', transferred: '已转移' },
      recWindows: (o, r) => `开放 ${o} 个窗口，建议 ${r} 个`,
      recWait: '预计平均等候', recNow: '现在', recWith: '按建议',
      recLevel: '目标时间内办理比例', cannotKeepUp: '无法消化',
      recClosed: '可开放窗口', recSwitch: '可调派窗口',
      openFor: (w, q) => `开放 ${w} 号窗口办理 ${q}`, switchFor: (w, q) => `调派 ${w} 号窗口兼办 ${q}`,
      enough: '窗口充足',
      openWindow: '开放窗口…', closeWindow: '关闭窗口',
      confirmOpenTitle: '确认开放窗口', confirmOpenOk: '确认开放', confirmCloseTitle: '确认关闭窗口',
      confirmOpen: (w, q) => `将开放 ${w} 号窗口，办理：${q}。请确认已安排工作人员到岗。`,
      confirmClose: (w) => `将关闭 ${w} 号窗口。该窗口不再叫号。`,
      chooseQueues: '办理队列', atLeastOne: '请至少选择一个队列',
      opened: (w) => `${w} 号窗口已开放`, closed: (w) => `${w} 号窗口已关闭`, ackDone: '告警已确认',
      failed: '操作失败', arrivals: (n) => `近一小时取号 ${n} 人`,
      sparkTitle: (max) => `最近一小时等候人数（最高 ${max} 人）`,
      role: { supervisor: '首席事务代表', manager: '中心负责人', counter: '窗口', kiosk: '取号机', display: '大屏' },
      perHour: '人/小时', arrivalsRate: '到达', serviceTime: '平均办理',
      badToken: '令牌无效或已撤销，请重新输入。',
      calledAt: '叫号时间',
    },
    en: {
      subtitle: 'Hall supervision · queues', queues: 'Queues', queue: 'Queue', waiting: 'Waiting', longest: 'Longest wait',
      estimate: 'Estimated wait', openWindows: 'Open windows', lastHour: 'Last hour', alerts: 'Alerts',
      recommendations: 'Staffing advice', records: 'Follow-ups & requests', windows: 'Windows', recentCalls: 'Recent calls', changeToken: 'Change token',
      reconnectNow: 'Reconnect now', tokenTitle: 'Enter your access token',
      tokenHelp: 'The centre administrator creates tokens with dashboard token create. You enter it once.',
      save: 'Save and connect', cancel: 'Cancel', confirm: 'Confirm',
      online: 'Online', connecting: 'Connecting…', offline: 'Offline', unauthorized: 'Invalid token',
      offlineBanner: (s) => `Connection to the hall server lost; reconnecting${s != null ? ` in ${s} s` : ''}… Data shown may be out of date`,
      people: (n) => `${n}`, minutes: (n) => `${n} min`, range: (a, b) => `${a}–${b} min`,
      noWindow: 'No window open', none: '—', noAlerts: 'No alerts', noRecs: 'No advice yet',
      ack: 'Acknowledge', acked: 'Acknowledged', ago: (m) => (m < 1 ? 'just now' : m < 60 ? `${m} min ago` : `${Math.floor(m / 60)} h ${m % 60} min ago`),
      windowNo: (n) => `Window ${n}`, idle: 'Idle', onTicket: 'Serving',
      state: { open: 'Open', paused: 'Paused', closed: 'Closed' },
      kind: { comprehensive: 'Comprehensive', consultation: 'Enquiries', assisted: 'Assisted', cross_region: 'Cross-region', escalation: '“Can’t get it done”' },
      alertKind: {
        long_wait: 'Long wait', too_many_waiting: 'Too many waiting', estimate_over_target: 'Wait over target',
        idle_window: 'Idle window', notice_due: 'Notice due', deadline: 'Deadline', material_due: 'Material due', device_fault: 'Device fault',
        urgent_refused: 'Urgent request refused', storage_failure: 'Not saving', disk_low: 'Disk nearly full',
        notify_failing: 'Notices failing',
      },
      notify: (n) => `Notices: ${n.pending} waiting · ${n.retrying} retrying · ${n.failed} failed · ${n.sent} sent${n.configured ? '' : ' (no webhook: queued only)'}`,
      ticketState: { called: 'Called', serving: 'Serving', done: 'Done', no_show: 'No-show', waiting: 'Waiting', cancelled: 'Cancelled', transferred: 'Transferred' },
      recWindows: (o, r) => `${o} open, ${r} recommended`,
      recWait: 'Mean wait', recNow: 'now', recWith: 'as advised',
      recLevel: 'Served within target', cannotKeepUp: 'cannot keep up',
      recClosed: 'Closed windows', recSwitch: 'Windows to switch',
      openFor: (w, q) => `Open window ${w} for ${q}`, switchFor: (w, q) => `Switch window ${w} to also serve ${q}`,
      enough: 'Enough windows',
      openWindow: 'Open window…', closeWindow: 'Close window',
      confirmOpenTitle: 'Open a window?', confirmOpenOk: 'Open it', confirmCloseTitle: 'Close this window?',
      confirmOpen: (w, q) => `Window ${w} will open for: ${q}. Make sure staff are at the window.`,
      confirmClose: (w) => `Window ${w} will close and call no more tickets.`,
      chooseQueues: 'Queues served', atLeastOne: 'Choose at least one queue',
      opened: (w) => `Window ${w} is open`, closed: (w) => `Window ${w} is closed`, ackDone: 'Alert acknowledged',
      failed: 'Failed', arrivals: (n) => `${n} tickets in the last hour`,
      sparkTitle: (max) => `Waiting over the last hour (max ${max})`,
      role: { supervisor: 'Chief representative', manager: 'Manager', counter: 'Counter', kiosk: 'Kiosk', display: 'Display' },
      perHour: '/h', arrivalsRate: 'Arrivals', serviceTime: 'Mean service',
      badToken: 'The token is invalid or revoked; enter it again.',
      calledAt: 'Called at',
    },
  };

  let lang = 'zh';
  try {
    const p = new URLSearchParams(location.search).get('lang');
    lang = p === 'en' || p === 'zh' ? p : (localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh');
  } catch (e) { /* default */ }
  const T = () => TEXT[lang];

  /* ------------------------------------------------------------------ elements */

  const $ = (id) => document.getElementById(id);
  const el = {
    centre: $('centre-name'), clock: $('clock'), conn: $('conn'), role: $('role-label'),
    banner: $('offline-banner'), bannerText: $('offline-text'), reconnect: $('reconnect-now'),
    queues: $('queues-body'), alerts: $('alerts'), alertsCount: $('alerts-count'), notify: $('notify-status'), recs: $('recs'), records: $('records'),
    windows: $('windows'), calls: $('calls'), langToggle: $('lang-toggle'), tokenChange: $('token-change'),
    tokenOverlay: $('token-overlay'), tokenForm: $('token-form'), tokenInput: $('token-input'), tokenError: $('token-error'),
    modal: $('modal'), modalTitle: $('modal-title'), modalBody: $('modal-body'), modalOk: $('modal-ok'), modalCancel: $('modal-cancel'),
    toasts: $('toasts'),
  };

  /* ------------------------------------------------------------------ state */

  let client = null;
  let state = null;
  let status = 'connecting';
  let statusInfo = {};
  const history = new Map(); // queue code → [{t, v}] in hall ms, for the sparklines
  let renderQueued = false;

  function queueName(code) {
    const q = state && (state.queues || []).find((x) => x.code === code);
    if (!q) return code;
    return lang === 'en' && q.name_en ? q.name_en : q.name;
  }

  function queueLabel(code) { return `${code} ${queueName(code)}`; }

  function canAck() { return client && (client.role === 'supervisor' || client.role === 'manager'); }
  function isManager() { return client && client.role === 'manager'; }

  /* ------------------------------------------------------------------ sparkline history */

  function pushHistory(code, v, t) {
    let a = history.get(code);
    if (!a) { a = []; history.set(code, a); }
    const last = a[a.length - 1];
    if (last && last.v === v && t - last.t < 60000) return;
    if (last && t < last.t) t = last.t;
    a.push({ t, v });
    const cut = t - HOUR_MS - 60000;
    while (a.length > 2 && a[1].t < cut) a.shift();
  }

  /** The last hour of waiting counts rebuilt from today's tickets (staff snapshots carry them). */
  function rebuildHistory(s, nowMs) {
    if (!Array.isArray(s.tickets)) return;
    const spans = new Map();
    for (const t of s.tickets) {
      const start = P.parseTime(t.issued_at);
      if (!Number.isFinite(start)) continue;
      let end;
      if (t.state === 'waiting') end = Infinity;
      else end = P.parseTime(t.called_at) || P.parseTime(t.finished_at) || P.parseTime(t.served_at) || start;
      if (end < nowMs - HOUR_MS) continue;
      if (!spans.has(t.queue)) spans.set(t.queue, []);
      spans.get(t.queue).push([start, end]);
    }
    for (const q of s.queues || []) {
      const list = spans.get(q.code) || [];
      const pts = [];
      for (let m = 60; m >= 1; m -= 1) {
        const at = nowMs - m * 60000;
        let n = 0;
        for (const [a, b] of list) if (a <= at && at < b) n += 1;
        pts.push({ t: at, v: n });
      }
      pts.push({ t: nowMs, v: q.waiting });
      history.set(q.code, pts);
    }
  }

  function sparkline(code, nowMs) {
    const pts = history.get(code) || [];
    const W = 120; const H = 32; const N = 60;
    const values = [];
    let j = 0; let cur = pts.length ? pts[0].v : 0;
    const start = nowMs - HOUR_MS;
    let known = false;
    for (let i = 0; i <= N; i += 1) {
      const at = start + (i * HOUR_MS) / N;
      while (j < pts.length && pts[j].t <= at) { cur = pts[j].v; known = true; j += 1; }
      values.push(known ? cur : null);
    }
    const max = Math.max(1, ...values.filter((v) => v != null));
    const xy = [];
    values.forEach((v, i) => {
      if (v == null) return;
      xy.push(`${((i / N) * W).toFixed(1)},${(H - 2 - (v / max) * (H - 4)).toFixed(1)}`);
    });
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
    svg.setAttribute('class', 'spark');
    svg.setAttribute('role', 'img');
    const title = document.createElementNS(ns, 'title');
    title.textContent = T().sparkTitle(Math.max(0, ...values.filter((v) => v != null)));
    svg.appendChild(title);
    svg.setAttribute('aria-label', title.textContent);
    if (xy.length) {
      const area = document.createElementNS(ns, 'polygon');
      const firstX = xy[0].split(',')[0];
      area.setAttribute('points', `${firstX},${H} ${xy.join(' ')} ${W},${H}`);
      area.setAttribute('class', 'spark-area');
      svg.appendChild(area);
      const line = document.createElementNS(ns, 'polyline');
      line.setAttribute('points', xy.join(' '));
      line.setAttribute('class', 'spark-line');
      svg.appendChild(line);
    }
    return svg;
  }

  /* ------------------------------------------------------------------ formatting */

  function fmtClock(ms) {
    const p = P.hallParts(ms, client ? client.hallOffsetMinutes : 480);
    return `${P.pad2(p.hour)}:${P.pad2(p.minute)}:${P.pad2(p.second)}`;
  }

  function fmtDuration(sec) {
    sec = Math.max(0, Math.floor(sec));
    const hh = Math.floor(sec / 3600); const mm = Math.floor((sec % 3600) / 60); const ss = sec % 60;
    return hh ? `${hh}:${P.pad2(mm)}:${P.pad2(ss)}` : `${mm}:${P.pad2(ss)}`;
  }

  function fmtWaitMinutes(sec) { return sec > 0 ? T().minutes(Math.floor(sec / 60)) : T().none; }

  function fmtEstimate(e) { return e ? T().range(e.low_minutes, e.high_minutes) : T().noWindow; }

  function fmtPredicted(sec, windows) {
    if (!windows) return T().noWindow;
    if (sec == null || !Number.isFinite(sec)) return T().cannotKeepUp;
    return T().minutes(Math.round(sec / 60));
  }

  function pct(x) { return `${Math.round((Number(x) || 0) * 100)}%`; }

  /* ------------------------------------------------------------------ render */

  function scheduleRender() {
    if (renderQueued) return;
    renderQueued = true;
    requestAnimationFrame(() => { renderQueued = false; render(); });
  }

  function applyLanguage() {
    document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
    for (const n of document.querySelectorAll('[data-i18n]')) {
      const v = T()[n.dataset.i18n];
      if (typeof v === 'string') n.textContent = v;
    }
    el.langToggle.textContent = lang === 'en' ? '中文' : 'English';
    el.langToggle.setAttribute('lang', lang === 'en' ? 'zh-CN' : 'en');
    document.title = (state && state.centre ? state.centre.name + ' · ' : '') + (lang === 'en' ? 'Hall supervision' : '现场监控');
    renderStatus();
    render();
  }

  let scope = [];   // department names of a scoped supervisor's token (welcome)

  function renderStatus() {
    const t = T();
    el.conn.className = `conn conn-${status}`;
    el.conn.textContent = t[status] || status;
    el.conn.dataset.status = status;
    const offline = status === 'offline' || (status === 'connecting' && state != null);
    el.banner.hidden = !offline;
    if (offline) {
      const secs = statusInfo.retryAt ? Math.max(0, Math.ceil((statusInfo.retryAt - Date.now()) / 1000)) : null;
      el.bannerText.textContent = t.offlineBanner(status === 'offline' ? secs : null);
    }
    document.body.classList.toggle('is-offline', offline);
    // A chief representative's token: the departments it supervises (GZ 8).
    el.role.textContent = client && client.role
      ? `${t.role[client.role] || client.role}${client.window != null ? ` · ${t.windowNo(client.window)}` : ''}${scope.length ? ` · ${scope.join('、')}` : ''}`
      : '';
  }

  function render() {
    if (!state) return;
    const t = T();
    const nowMs = client.hallNow();
    el.centre.textContent = state.centre ? state.centre.name : '';
    el.clock.textContent = fmtClock(nowMs);

    // Queues.
    P.patch(el.queues, (state.queues || []).map((q) => {
      const longest = P.longestWaitSeconds(state, q, nowMs);
      const over = (q.max_waiting != null && q.waiting > q.max_waiting)
        || (q.max_wait_minutes && longest > q.max_wait_minutes * 60);
      const overTarget = q.estimated_wait && q.target_wait_minutes && q.estimated_wait.high_minutes > q.target_wait_minutes && q.waiting > 0;
      return h('tr', { class: `queue-row${over ? ' warn' : overTarget ? ' caution' : ''}`, dataset: { queue: q.code } },
        h('td', null, h('div', { class: 'qname' },
          h('span', { class: 'qcode', text: q.code }),
          h('span', { class: 'qtitle', text: lang === 'en' && q.name_en ? q.name_en : q.name }),
          lang === 'zh' && q.name_en ? h('span', { class: 'qsub', lang: 'en', text: q.name_en }) : null)),
        h('td', { class: 'num waiting', dataset: { waiting: String(q.waiting) }, text: String(q.waiting) }),
        h('td', { class: 'num longest', dataset: { longest: String(longest) }, text: q.waiting ? fmtWaitMinutes(longest) : t.none }),
        h('td', { class: 'num estimate', text: fmtEstimate(q.estimated_wait) }),
        h('td', { class: 'num open-windows', text: String(q.open_windows) }),
        h('td', { class: 'sparkcell', title: t.arrivals(q.arrivals_last_hour || 0) }, sparkline(q.code, nowMs)));
    }));

    renderAlerts(nowMs);
    if (window.HallRecords) window.HallRecords.render(el.records, state, lang);
    renderRecs();
    renderWindows(nowMs);
    renderCalls();
  }

  function renderAlerts(nowMs) {
    const t = T();
    const alerts = (state.alerts || []).slice().sort((a, b) =>
      (a.acknowledged - b.acknowledged) || (P.parseTime(b.raised_at) - P.parseTime(a.raised_at)));
    el.alertsCount.textContent = alerts.filter((a) => !a.acknowledged).length || '';
    // The outbox of notices to applicants (staff snapshots carry it; counts only).
    const n = state.notify;
    el.notify.hidden = !n;
    if (n) {
      el.notify.textContent = t.notify(n);
      el.notify.classList.toggle('warn', n.retrying > 0 || n.failed > 0 || !!n.failing);
    }
    if (!alerts.length) {
      P.patch(el.alerts, [h('li', { class: 'empty', text: t.noAlerts })]);
      return;
    }
    P.patch(el.alerts, alerts.map((a) => {
      const ageMin = Math.floor(Math.max(0, nowMs - P.parseTime(a.raised_at)) / 60000);
      return h('li', { class: `alert kind-${a.kind}${a.acknowledged ? ' acked' : ''}`, dataset: { alert: a.id } },
        h('div', { class: 'alert-head' },
          h('span', { class: 'alert-kind', text: t.alertKind[a.kind] || a.kind }),
          a.queue ? h('span', { class: 'tag', text: queueLabel(a.queue) }) : null,
          a.window != null ? h('span', { class: 'tag', text: t.windowNo(a.window) }) : null,
          h('span', { class: 'age', dataset: { raised: a.raised_at }, text: t.ago(ageMin) })),
        h('div', { class: 'alert-msg', text: (lang === 'en' && a.message_en) ? a.message_en : (a.message || '') }),
        a.acknowledged
          ? h('span', { class: 'acked-badge', text: t.acked })
          : (canAck() && a.kind !== 'storage_failure' && a.kind !== 'disk_low' && a.kind !== 'notify_failing' ? h('button', {
            type: 'button', class: 'btn small ack', dataset: { action: 'ack', alert: a.id },
            text: lang === 'zh' ? '确认 acknowledge' : 'Acknowledge',
            onclick: (e) => ackAlert(a.id, e.currentTarget),
          }) : null));
    }));
  }

  function renderRecs() {
    const t = T();
    const shortBy = (r) => Math.max(0, r.recommended_windows - r.open_windows);
    const recs = (state.recommendations || []).slice().sort((a, b) => (shortBy(b) - shortBy(a)) || a.queue.localeCompare(b.queue));
    if (!recs.length) {
      P.patch(el.recs, [h('p', { class: 'empty', text: t.noRecs })]);
      return;
    }
    P.patch(el.recs, recs.map((r) => {
      const short = r.recommended_windows > r.open_windows;
      const need = r.recommended_windows - r.open_windows;
      const actions = [];
      if (short && isManager()) {
        for (const w of (r.closed_windows || []).slice(0, Math.max(need, 1))) {
          actions.push(h('button', {
            type: 'button', class: 'btn primary open-window', dataset: { action: 'open-window', window: String(w), queue: r.queue },
            text: t.openFor(w, r.queue),
            onclick: () => confirmOpen(w, [r.queue]),
          }));
        }
        for (const w of (r.switch_windows || []).slice(0, Math.max(need, 1))) {
          const win = state.windows.find((x) => x.number === w);
          const qs = Array.from(new Set([...(win ? win.queues : []), r.queue]));
          actions.push(h('button', {
            type: 'button', class: 'btn switch-window', dataset: { action: 'switch-window', window: String(w), queue: r.queue, queues: qs.join(',') },
            text: t.switchFor(w, r.queue),
            onclick: () => confirmOpen(w, qs),
          }));
        }
      }
      return h('div', { class: `rec${short ? ' short' : ''}`, dataset: { queue: r.queue } },
        h('div', { class: 'rec-head' },
          h('span', { class: 'qcode', text: r.queue }),
          h('span', { class: 'qtitle', text: queueName(r.queue) }),
          h('span', { class: `rec-windows${short ? ' need' : ''}`, text: t.recWindows(r.open_windows, r.recommended_windows) })),
        !short ? h('div', { class: 'rec-ok', text: `${t.enough} · ${t.recWait} ${fmtPredicted(r.predicted_wait_seconds, r.open_windows)}` }) : null,
        !short ? null : h('dl', { class: 'rec-facts' },
          h('dt', { text: t.recWait }),
          h('dd', null,
            `${t.recNow} `, h('b', { text: fmtPredicted(r.predicted_wait_seconds, r.open_windows) }),
            ' → ', `${t.recWith} `, h('b', { text: fmtPredicted(r.predicted_wait_seconds_recommended, Math.max(1, r.recommended_windows)) })),
          h('dt', { text: t.recLevel }),
          h('dd', { text: `${pct(r.service_level)} → ${pct(r.service_level_recommended)}` }),
          h('dt', { text: `${t.arrivalsRate} / ${t.serviceTime}` }),
          h('dd', { text: `${r.arrivals_per_hour} ${t.perHour} · ${fmtDuration(r.mean_service_seconds || 0)}` }),
          (r.closed_windows || []).length ? h('dt', { text: t.recClosed }) : null,
          (r.closed_windows || []).length ? h('dd', { text: r.closed_windows.map(t.windowNo).join('、') }) : null,
          (r.switch_windows || []).length ? h('dt', { text: t.recSwitch }) : null,
          (r.switch_windows || []).length ? h('dd', { text: r.switch_windows.map(t.windowNo).join('、') }) : null),
        short && actions.length ? h('div', { class: 'rec-actions' }, actions) : null);
    }));
  }

  function renderWindows(nowMs) {
    const t = T();
    P.patch(el.windows, (state.windows || []).map((w) => {
      const since = P.parseTime(w.since);
      const onIt = w.ticket && Number.isFinite(since) ? (nowMs - since) / 1000 : null;
      const buttons = [];
      if (isManager()) {
        if (w.state === 'closed') {
          buttons.push(h('button', {
            type: 'button', class: 'btn small primary open-window', dataset: { action: 'open-window', window: String(w.number) },
            text: t.openWindow, onclick: () => confirmOpen(w.number, w.queues.slice(), true),
          }));
        } else if (w.state === 'open' && !w.ticket) {
          buttons.push(h('button', {
            type: 'button', class: 'btn small close-window', dataset: { action: 'close-window', window: String(w.number) },
            text: t.closeWindow, onclick: () => confirmClose(w.number),
          }));
        }
      }
      return h('article', { class: `window state-${w.state}${w.ticket ? ' busy' : ''}`, dataset: { window: String(w.number), state: w.state } },
        h('div', { class: 'window-head' },
          h('span', { class: 'wnum', text: String(w.number) }),
          h('span', { class: 'wkind', text: t.kind[w.kind] || w.kind || '' }),
          h('span', { class: `badge badge-${w.state}`, text: t.state[w.state] || w.state })),
        h('div', { class: 'window-ticket' },
          w.ticket
            ? [h('span', { class: 'ticket', text: w.ticket }),
              h('span', { class: 'since', dataset: { since: w.since || '' }, text: onIt != null ? fmtDuration(onIt) : '' })]
            : h('span', { class: 'muted', text: w.state === 'open' ? t.idle : t.none })),
        h('div', { class: 'window-queues', title: (w.queues || []).map(queueLabel).join('、') },
          ...(w.queues || []).map((c) => h('span', { class: 'tag', title: queueName(c), text: c }))),
        buttons.length ? h('div', { class: 'window-actions' }, buttons) : null);
    }));
  }

  function renderCalls() {
    const t = T();
    P.patch(el.calls, (state.recent_calls || []).slice(0, 10).map((c) =>
      h('li', { class: `call state-${c.state}`, dataset: { number: c.number } },
        h('span', { class: 'ticket', text: c.number }),
        h('span', { class: 'arrow', text: '→' }),
        h('span', { class: 'cwin', text: c.window != null ? t.windowNo(c.window) : '' }),
        h('span', { class: 'cstate', text: t.ticketState[c.state] || c.state || '' }),
        h('span', { class: 'ctime', text: c.called_at ? fmtClock(P.parseTime(c.called_at)).slice(0, 5) : '' }))));
  }

  /** Every second: the clock, times on tickets, alert ages, the retry countdown. */
  function tick() {
    if (client && (state || client.status === 'online')) el.clock.textContent = fmtClock(client.hallNow());
    if (!state) { renderStatus(); return; }
    const nowMs = client.hallNow();
    for (const n of el.windows.querySelectorAll('.since[data-since]')) {
      const s = P.parseTime(n.dataset.since);
      if (Number.isFinite(s)) n.textContent = fmtDuration((nowMs - s) / 1000);
    }
    for (const n of el.alerts.querySelectorAll('.age[data-raised]')) {
      n.textContent = T().ago(Math.floor(Math.max(0, nowMs - P.parseTime(n.dataset.raised)) / 60000));
    }
    for (const row of el.queues.querySelectorAll('tr[data-queue]')) {
      const q = (state.queues || []).find((x) => x.code === row.dataset.queue);
      const cell = row.querySelector('.longest');
      if (q && cell) {
        const longest = P.longestWaitSeconds(state, q, nowMs);
        cell.textContent = q.waiting ? fmtWaitMinutes(longest) : T().none;
        cell.dataset.longest = String(longest);
      }
    }
    if (status === 'offline') renderStatus();
  }

  /* ------------------------------------------------------------------ toasts and modal */

  function toast(text, kind) {
    const n = h('div', { class: `toast ${kind || ''}`, role: kind === 'error' ? 'alert' : 'status', text });
    el.toasts.appendChild(n);
    setTimeout(() => n.remove(), kind === 'error' ? 10000 : 5000);
  }

  function errorText(e) {
    const code = e && e.code ? `[${e.code}] ` : '';
    return `${T().failed}：${code}${(e && e.message) || e}`;
  }

  let modalResolve = null;
  let modalReturnFocus = null;

  /** Opens the confirmation modal; resolves true on confirm. `validate` may veto with a message. */
  function modal(title, body, okText, validate) {
    el.modalTitle.textContent = title;
    el.modalBody.replaceChildren(...[].concat(body));
    el.modalOk.textContent = okText || T().confirm;
    el.modalCancel.textContent = T().cancel;
    el.modal.hidden = false;
    modalReturnFocus = document.activeElement;
    el.modalOk.disabled = false;
    setTimeout(() => el.modalOk.focus(), 0);
    return new Promise((resolve) => {
      modalResolve = (ok) => {
        if (ok && validate) {
          const msg = validate();
          if (msg) { toast(msg, 'error'); return; }
        }
        el.modal.hidden = true;
        modalResolve = null;
        if (modalReturnFocus && modalReturnFocus.focus) modalReturnFocus.focus();
        resolve(ok);
      };
    });
  }

  el.modalOk.addEventListener('click', () => modalResolve && modalResolve(true));
  el.modalCancel.addEventListener('click', () => modalResolve && modalResolve(false));
  el.modal.addEventListener('click', (e) => { if (e.target === el.modal && modalResolve) modalResolve(false); });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && modalResolve) modalResolve(false);
  });

  async function confirmOpen(windowNo, queues, choose) {
    const t = T();
    let picked = queues.slice();
    const body = [h('p', { class: 'modal-text', text: t.confirmOpen(windowNo, queues.map(queueLabel).join('、')) })];
    if (choose) {
      const boxes = h('fieldset', { class: 'queue-picks' }, h('legend', { text: t.chooseQueues }),
        ...(state.queues || []).map((q) => h('label', null,
          h('input', {
            type: 'checkbox', value: q.code, checked: queues.includes(q.code),
            onchange: (e) => {
              picked = picked.filter((c) => c !== q.code);
              if (e.target.checked) picked.push(q.code);
              picked.sort();
              body[0].textContent = t.confirmOpen(windowNo, picked.map(queueLabel).join('、') || t.none);
            },
          }), ` ${queueLabel(q.code)}`)));
      body.push(boxes);
    }
    const ok = await modal(t.confirmOpenTitle, body, t.confirmOpenOk,
      () => (picked.length ? null : t.atLeastOne));
    if (!ok) return;
    try {
      await client.command({ kind: 'set_window', window: windowNo, state: 'open', queues: choose ? picked : queues });
      toast(t.opened(windowNo), 'ok');
    } catch (e) {
      toast(errorText(e), 'error');
    }
  }

  async function confirmClose(windowNo) {
    const t = T();
    const ok = await modal(t.confirmCloseTitle, [h('p', { class: 'modal-text', text: t.confirmClose(windowNo) })], t.closeWindow);
    if (!ok) return;
    try {
      await client.command({ kind: 'set_window', window: windowNo, state: 'closed' });
      toast(t.closed(windowNo), 'ok');
    } catch (e) {
      toast(errorText(e), 'error');
    }
  }

  async function ackAlert(id, button) {
    if (button) button.disabled = true;
    try {
      await client.command({ kind: 'ack_alert', alert: id });
      toast(T().ackDone, 'ok');
    } catch (e) {
      if (button) button.disabled = false;
      toast(errorText(e), 'error');
    }
  }

  /* ------------------------------------------------------------------ token */

  function askToken(message) {
    el.tokenError.hidden = !message;
    el.tokenError.textContent = message || '';
    el.tokenOverlay.hidden = false;
    el.tokenInput.value = '';
    setTimeout(() => el.tokenInput.focus(), 0);
  }

  el.tokenForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const token = el.tokenInput.value.trim();
    if (!token) return;
    P.storeToken(TOKEN_KEY, token);
    el.tokenOverlay.hidden = true;
    connect(token);
  });

  el.tokenChange.addEventListener('click', () => askToken(''));
  el.langToggle.addEventListener('click', () => {
    lang = lang === 'en' ? 'zh' : 'en';
    try { localStorage.setItem(LANG_KEY, lang); } catch (e) { /* ignore */ }
    applyLanguage();
  });
  el.reconnect.addEventListener('click', () => client && client.reconnectNow());

  /* ------------------------------------------------------------------ connection */

  function connect(token) {
    if (client) client.stop();
    state = null;
    history.clear();
    client = new P.Client({
      token,
      client: 'web-supervisor',
      resyncEverySeconds: 120,
      onStatus(s, info) {
        status = s;
        statusInfo = info || {};
        renderStatus();
        if (s === 'unauthorized') {
          P.storeToken(TOKEN_KEY, '');
          askToken(T().badToken);
        }
      },
      onWelcome(w) { scope = (w && Array.isArray(w.departments)) ? w.departments : []; renderStatus(); },
      onState(s, why) {
        state = s;
        const nowMs = client.hallNow();
        if (why === 'snapshot') {
          if (!history.size) rebuildHistory(s, nowMs);
          for (const q of s.queues || []) pushHistory(q.code, q.waiting, nowMs);
          applyLanguage();
        }
        scheduleRender();
      },
      onEvent(ev, frame, effect) {
        const nowMs = client.hallNow();
        for (const code of effect.changedQueues) {
          const q = state.queues.find((x) => x.code === code);
          if (q) pushHistory(code, q.waiting, nowMs);
        }
      },
      onServerError(f) {
        if (f.code !== 'unauthorized') toast(`${f.code}: ${f.message || ''}`, 'error');
      },
    });
    window.__hall = client; // for tests and the console
    client.start();
  }

  const found = P.tokenFromPage(TOKEN_KEY);
  if (found.from === 'url') {
    P.storeToken(TOKEN_KEY, found.token);
    // Keep the token out of the address bar (and of anyone reading the big screen).
    const u = new URL(location.href);
    u.searchParams.delete('token');
    history_replace(u);
  }
  function history_replace(u) {
    try { window.history.replaceState(null, '', u.pathname + (u.search || '') + u.hash); } catch (e) { /* ignore */ }
  }

  applyLanguage();
  setInterval(tick, 1000);
  if (found.token) connect(found.token); else askToken('');
})();
