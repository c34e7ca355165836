/* Hall protocol client shared by the supervisor page and the hall display.
 *
 * Plain script (no modules, no build step): defines `window.HallProtocol`.
 *
 *   const c = new HallProtocol.Client({ token, client: 'web-supervisor',
 *     onStatus(status, info) {},      // 'connecting' | 'online' | 'offline' | 'unauthorized'
 *     onWelcome(welcome) {},
 *     onState(state, why) {},         // why: 'snapshot' | 'event'
 *     onEvent(event, frame, effect) {},
 *     onServerError(frame) {} });
 *   c.start();
 *   c.command({ kind: 'ack_alert', alert: 'long_wait:A' }).then(reply => …, err => …);
 *
 * The client keeps the snapshot state and applies every event to it (see `applyEvent`), checks
 * that seq numbers are contiguous (a gap or a `snapshot` replaces the state), reconnects with
 * exponential backoff and `after_seq`, and matches command replies by id.
 */
(function (global) {
  'use strict';

  const TICKET_KINDS = new Set([
    'ticket_issued', 'ticket_called', 'ticket_recalled', 'ticket_no_show', 'ticket_reinstated',
    'service_started', 'service_finished', 'ticket_transferred', 'ticket_cancelled',
  ]);

  /* ------------------------------------------------------------------ time */

  /** Minutes east of UTC in an RFC 3339 string ("…+08:00" → 480); `null` when absent. */
  function offsetMinutes(rfc3339) {
    if (typeof rfc3339 !== 'string') return null;
    const m = /([+-])(\d{2}):?(\d{2})$/.exec(rfc3339);
    if (m) return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
    if (/Z$/i.test(rfc3339)) return 0;
    return null;
  }

  function parseTime(s) {
    if (!s) return NaN;
    return Date.parse(s);
  }

  /* ------------------------------------------------------------------ state */

  /** Window from a `window_changed` event (same shape as in the snapshot: `ticket` = number). */
  function windowFromEvent(w) {
    return {
      number: w.number,
      kind: w.kind,
      state: w.state,
      queues: Array.isArray(w.queues) ? w.queues.slice() : [],
      ticket: w.ticket != null ? w.ticket : null,
      ticket_id: w.ticket_id != null ? w.ticket_id : null,
      since: w.since != null ? w.since : null,
    };
  }

  /**
   * Prepares a fresh snapshot state for incremental updates: an index of the tickets whose
   * state is known (from `tickets` and the queues' `line` for staff roles; empty for the
   * display, which learns tickets from events).
   */
  function prepareState(state, receivedAt) {
    const known = new Map();
    if (Array.isArray(state.tickets)) {
      for (const t of state.tickets) {
        if (t && t.id) known.set(t.id, { queue: t.queue, state: t.state, issued_at: t.issued_at });
      }
    }
    for (const q of state.queues || []) {
      if (Array.isArray(q.line)) {
        for (const t of q.line) {
          if (t && t.id && !known.has(t.id)) {
            known.set(t.id, { queue: q.code, state: 'waiting', issued_at: t.issued_at });
          }
        }
      }
      q._longestBase = Number(q.longest_wait_seconds) || 0;
    }
    state.windows = state.windows || [];
    state.recent_calls = state.recent_calls || [];
    state.alerts = state.alerts || [];
    state.recommendations = state.recommendations || [];
    Object.defineProperty(state, '_known', { value: known, enumerable: false, writable: true });
    Object.defineProperty(state, '_snapshotAt', { value: receivedAt, enumerable: false, writable: true });
    Object.defineProperty(state, '_serverNowAtSnapshot', { value: parseTime(state.now), enumerable: false, writable: true });
    return state;
  }

  function findQueue(state, code) {
    return (state.queues || []).find((q) => q.code === code) || null;
  }

  function openWindowsFor(state, code) {
    return (state.windows || []).filter((w) => w.state === 'open' && (w.queues || []).includes(code)).length;
  }

  /**
   * Re-derives what depends on windows: the open-window count. The wait estimate is the hall's
   * own (snapshot, then `summary` frames every 250 ms at most): it cannot be recomputed here.
   */
  function refreshQueue(state, q) {
    q.open_windows = openWindowsFor(state, q.code);
  }

  /**
   * Longest current wait of a queue at `serverNowMs`: exact from the known tickets when they
   * cover every waiting ticket, else the snapshot's value advanced by the time since.
   */
  function longestWaitSeconds(state, q, serverNowMs) {
    if (!q.waiting) return 0;
    const known = state._known;
    let n = 0;
    let oldest = Infinity;
    if (known) {
      for (const t of known.values()) {
        if (t.queue === q.code && t.state === 'waiting') {
          n += 1;
          const ms = parseTime(t.issued_at);
          if (ms < oldest) oldest = ms;
        }
      }
    }
    if (n === q.waiting && Number.isFinite(oldest)) {
      return Math.max(0, Math.floor((serverNowMs - oldest) / 1000));
    }
    const base = q._longestBase || 0;
    const at = state._serverNowAtSnapshot;
    if (!base || !Number.isFinite(at)) return base;
    return Math.max(0, Math.floor(base + (serverNowMs - at) / 1000));
  }

  /** Was the ticket waiting before this event? From the index when known, else from the kind. */
  function previousOf(state, kind, t, role) {
    const k = state._known && state._known.get(t.id);
    if (k) return k;
    switch (role || kind) {
      case 'ticket_issued':
        return null;
      case 'ticket_called':
        return { queue: t.queue, state: 'waiting' };
      case 'ticket_cancelled':
      case 'from':
        return { queue: t.queue, state: t.called_at ? 'called' : 'waiting' };
      default:
        return { queue: t.queue, state: 'unknown' };
    }
  }

  function trackTicket(state, kind, t, at, role, changed) {
    if (!t || !t.id) return;
    const prev = previousOf(state, kind, t, role);
    if (prev && prev.state === 'waiting') {
      const q = findQueue(state, prev.queue);
      if (q) { q.waiting = Math.max(0, (Number(q.waiting) || 0) - 1); changed.add(q.code); }
    }
    if (t.state === 'waiting') {
      const q = findQueue(state, t.queue);
      if (q) { q.waiting = (Number(q.waiting) || 0) + 1; changed.add(q.code); }
    }
    if (kind === 'ticket_issued') {
      const q = findQueue(state, t.queue);
      if (q) q.arrivals_last_hour = (Number(q.arrivals_last_hour) || 0) + 1;
    }
    state._known.set(t.id, { queue: t.queue, state: t.state, issued_at: t.issued_at });
    // Windows hold a ticket while it is called or served there, and nothing else.
    for (const w of state.windows) {
      if (w.ticket_id === t.id) {
        w.ticket = null;
        w.ticket_id = null;
        w.since = at;
      }
    }
    if ((t.state === 'called' || t.state === 'serving') && t.window != null) {
      const w = state.windows.find((x) => x.number === t.window);
      if (w) {
        if (w.ticket_id !== t.id) w.since = at;
        w.ticket = t.number;
        w.ticket_id = t.id;
      }
    }
    // Recent calls: newest first, at most ten, matched by number and queue.
    const idx = state.recent_calls.findIndex((c) => c.number === t.number && c.queue === t.queue);
    if (kind === 'ticket_called') {
      if (idx >= 0) state.recent_calls.splice(idx, 1);
      state.recent_calls.unshift({
        number: t.number, queue: t.queue, window: t.window, called_at: t.called_at || at, state: t.state,
      });
      state.recent_calls.length = Math.min(state.recent_calls.length, 10);
    } else if (idx >= 0) {
      state.recent_calls[idx].state = t.state;
    }
  }

  /**
   * Applies one event to the state in place. Returns what it did, for the pages:
   * `{ changedQueues: Set, call: {number, queue, window, recall} | null }`.
   */
  function applyEvent(state, ev, at) {
    const changed = new Set();
    let call = null;
    if (!ev || typeof ev !== 'object') return { changedQueues: changed, call };
    const kind = ev.kind;
    if (at) state.now = at;
    if (TICKET_KINDS.has(kind)) {
      if (kind === 'ticket_transferred') {
        trackTicket(state, kind, ev.from, at, 'from', changed);
        trackTicket(state, 'ticket_issued_by_transfer', ev.ticket, at, 'ticket_issued', changed);
      } else {
        trackTicket(state, kind, ev.ticket, at, null, changed);
      }
      const t = ev.ticket;
      if (t && (kind === 'ticket_called' || kind === 'ticket_recalled')) {
        call = { number: t.number, queue: t.queue, window: t.window, recall: kind === 'ticket_recalled', at };
      }
    } else if (kind === 'window_changed' && ev.window) {
      const w = windowFromEvent(ev.window);
      const i = state.windows.findIndex((x) => x.number === w.number);
      if (i >= 0) state.windows[i] = w; else state.windows.push(w);
      state.windows.sort((a, b) => a.number - b.number);
      for (const q of state.queues || []) changed.add(q.code);
    } else if (kind === 'threshold_changed' && ev.queue) {
      const q = findQueue(state, ev.queue.code);
      if (q) {
        for (const f of ['target_wait_minutes', 'max_wait_minutes', 'max_waiting']) {
          if (ev.queue[f] != null) q[f] = ev.queue[f];
        }
        changed.add(q.code);
      }
    } else if ((kind === 'alert_raised' || kind === 'alert_acknowledged') && ev.alert) {
      const i = state.alerts.findIndex((a) => a.id === ev.alert.id);
      if (i >= 0) state.alerts[i] = ev.alert; else state.alerts.push(ev.alert);
    } else if (kind === 'alert_cleared' && ev.alert) {
      state.alerts = state.alerts.filter((a) => a.id !== ev.alert.id);
    } else if (/^(follow_up|request)_/.test(kind) && (ev.follow_up || ev.request)) {
      // The record's new version replaces the old; pages leave out closed ones.
      const key = ev.follow_up ? 'follow_ups' : 'requests';
      const rec = ev.follow_up || ev.request;
      const list = state[key] || (state[key] = []);
      const i = list.findIndex((x) => x.id === rec.id);
      if (i >= 0) list[i] = rec; else list.push(rec);
    } else if (kind === 'recommendation') {
      const r = Object.assign({}, ev);
      delete r.kind;
      const i = state.recommendations.findIndex((x) => x.queue === r.queue);
      if (i >= 0) state.recommendations[i] = r; else state.recommendations.push(r);
    }
    for (const code of changed) {
      const q = findQueue(state, code);
      if (q) refreshQueue(state, q);
    }
    return { changedQueues: changed, call };
  }

  /* ------------------------------------------------------------------ client */

  let idCounter = 0;
  const idPrefix = 'web-' + Math.random().toString(36).slice(2, 8);

  function nextId() {
    idCounter += 1;
    return idPrefix + '-' + idCounter;
  }

  function defaultUrl() {
    const scheme = global.location.protocol === 'https:' ? 'wss://' : 'ws://';
    return scheme + global.location.host + '/ws';
  }

  class Client {
    constructor(opts) {
      this.opts = Object.assign({
        url: null,
        token: '',
        client: 'web',
        resyncEverySeconds: 0,
        commandTimeoutMs: 15000,
        heartbeatMs: 15000,
        staleMs: 40000,
      }, opts || {});
      this.url = this.opts.url || defaultUrl();
      this.ws = null;
      this.state = null;
      this.seq = null;          // last seq applied
      this.role = null;
      this.window = null;
      this.status = 'idle';
      this.attempt = 0;
      this.pending = new Map();
      this.stopped = false;
      this.reconnectTimer = null;
      this.heartbeatTimer = null;
      this.lastMessageAt = 0;
      this.lastResyncAt = 0;
      this.awaitingSnapshot = false;
      this.retryAt = 0;
      this.clockOffsetMs = 0;   // hall time − local time
      this.hallOffsetMinutes = 480;
    }

    start() {
      this.stopped = false;
      this.connect();
      if (!this.heartbeatTimer) {
        this.heartbeatTimer = setInterval(() => this.heartbeat(), this.opts.heartbeatMs);
      }
    }

    stop() {
      this.stopped = true;
      clearTimeout(this.reconnectTimer);
      clearInterval(this.heartbeatTimer);
      this.heartbeatTimer = null;
      if (this.ws) { try { this.ws.close(); } catch (e) { /* closing anyway */ } }
    }

    setToken(token) {
      this.opts.token = token;
      this.seq = null;
      this.state = null;
    }

    /** Hall time now (ms since epoch), from the server's clock advanced locally. */
    hallNow() {
      return Date.now() + this.clockOffsetMs;
    }

    emit(name, ...args) {
      const f = this.opts[name];
      if (typeof f === 'function') {
        try { f.apply(null, args); } catch (e) { console.error(name, e); }
      }
    }

    setStatus(status, info) {
      this.status = status;
      this.emit('onStatus', status, info || {});
    }

    connect() {
      if (this.stopped) return;
      clearTimeout(this.reconnectTimer);
      this.setStatus('connecting', { attempt: this.attempt });
      let ws;
      try {
        ws = new WebSocket(this.url);
      } catch (e) {
        this.scheduleReconnect();
        return;
      }
      this.ws = ws;
      this.lastMessageAt = Date.now();
      ws.onopen = () => {
        const hello = { type: 'hello', token: this.opts.token, client: this.opts.client };
        if (this.seq != null && this.state) hello.after_seq = this.seq;
        this.awaitingSnapshot = !(this.seq != null && this.state);
        ws.send(JSON.stringify(hello));
      };
      ws.onmessage = (m) => {
        if (ws !== this.ws) return;
        this.lastMessageAt = Date.now();
        let f;
        try { f = JSON.parse(m.data); } catch (e) { return; }
        this.handle(f);
      };
      ws.onclose = () => {
        if (ws !== this.ws) return;
        this.ws = null;
        this.failPending('disconnected', '连接已断开 connection lost');
        if (this.status === 'unauthorized' || this.stopped) return;
        this.scheduleReconnect();
      };
      ws.onerror = () => { /* onclose follows */ };
    }

    scheduleReconnect() {
      if (this.stopped) return;
      this.attempt += 1;
      const base = Math.min(30000, 500 * Math.pow(2, Math.min(this.attempt - 1, 6)));
      const delay = Math.round(base * (0.75 + Math.random() * 0.5));
      this.retryAt = Date.now() + delay;
      this.setStatus('offline', { attempt: this.attempt, retryAt: this.retryAt, delay });
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = setTimeout(() => this.connect(), delay);
    }

    /** Reconnect now (e.g. a "retry" button), keeping `after_seq`. */
    reconnectNow() {
      if (this.ws) { try { this.ws.close(); } catch (e) { /* ignore */ } return; }
      this.connect();
    }

    heartbeat() {
      const ws = this.ws;
      if (!ws || ws.readyState !== 1) return;
      if (Date.now() - this.lastMessageAt > this.opts.staleMs) {
        // Silent for too long: the link is dead even if the socket does not know it yet.
        try { ws.close(); } catch (e) { /* ignore */ }
        return;
      }
      this.sendRaw({ type: 'ping' });
      const every = this.opts.resyncEverySeconds;
      if (every > 0 && this.status === 'online' && Date.now() - this.lastResyncAt >= every * 1000) {
        this.resync();
      }
    }

    sendRaw(obj) {
      const ws = this.ws;
      if (!ws || ws.readyState !== 1) return false;
      ws.send(JSON.stringify(obj));
      return true;
    }

    /** Asks for a fresh snapshot; at most every 10 s unless `force` (after a gap). */
    resync(force) {
      if (!force && Date.now() - this.lastResyncAt < 10000) return false;
      if (this.sendRaw({ type: 'resync' })) {
        this.lastResyncAt = Date.now();
        this.awaitingSnapshot = true;
        return true;
      }
      return false;
    }

    noteServerTime(s) {
      const ms = parseTime(s);
      if (Number.isFinite(ms)) this.clockOffsetMs = ms - Date.now();
      const off = offsetMinutes(s);
      if (off != null) this.hallOffsetMinutes = off;
    }

    handle(f) {
      switch (f.type) {
        case 'welcome':
          this.role = f.role;
          this.window = f.window == null ? null : f.window;
          this.attempt = 0;
          this.setStatus('online', { role: f.role, window: this.window });
          this.emit('onWelcome', f);
          break;
        case 'snapshot': {
          if (!f.state) break;
          this.state = prepareState(f.state, Date.now());
          this.seq = Number(f.seq);
          this.awaitingSnapshot = false;
          this.noteServerTime(f.state.now);
          this.emit('onState', this.state, 'snapshot');
          break;
        }
        case 'batch':
          // Each element is an event frame, in order: handled as if it came alone.
          for (const e of Array.isArray(f.events) ? f.events : []) this.handle(e);
          break;
        case 'summary': {
          // The hall's queue figures (estimates included), coalesced by the hall.
          if (!this.state || !Array.isArray(f.queues)) break;
          const byCode = new Map(f.queues.map((q) => [q.code, q]));
          for (const q of this.state.queues || []) {
            const s = byCode.get(q.code);
            if (!s) continue;
            for (const k of ['waiting', 'longest_wait_seconds', 'open_windows', 'estimated_wait', 'mean_service_seconds']) {
              if (k in s) q[k] = s[k];
            }
          }
          if (f.at) this.noteServerTime(f.at);
          this.emit('onState', this.state, 'summary');
          break;
        }
        case 'event': {
          const seq = Number(f.seq);
          if (!this.state || this.seq == null) break; // a snapshot is on its way
          if (seq <= this.seq) break;                 // already applied
          // A `redacted` marker with `from` stands for the run from..seq not sent to us.
          const first = f.event && f.event.kind === 'redacted' && f.event.from != null ? Number(f.event.from) : seq;
          if (first !== this.seq + 1) {
            // A gap: never apply past it; replace the state with a fresh snapshot.
            if (!this.awaitingSnapshot) this.resync(true);
            break;
          }
          this.seq = seq;
          if (f.at) this.noteServerTime(f.at);
          const ev = f.event || { kind: 'redacted' };
          if (ev.kind === 'redacted') break;
          const effect = applyEvent(this.state, ev, f.at);
          this.emit('onEvent', ev, f, effect);
          this.emit('onState', this.state, 'event');
          break;
        }
        case 'reply': {
          const p = this.pending.get(f.id);
          if (!p) break;
          this.pending.delete(f.id);
          clearTimeout(p.timer);
          if (f.ok) p.resolve(f);
          else p.reject(Object.assign(new Error((f.error && f.error.message) || 'error'), f.error || {}));
          break;
        }
        case 'error':
          if (f.code === 'unauthorized') {
            this.setStatus('unauthorized', { message: f.message });
            this.stopped = true;
            clearTimeout(this.reconnectTimer);
          }
          this.emit('onServerError', f);
          break;
        default:
          break; // pong and anything newer
      }
    }

    failPending(code, message) {
      for (const [id, p] of this.pending) {
        clearTimeout(p.timer);
        p.reject(Object.assign(new Error(message), { code, message }));
        this.pending.delete(id);
      }
    }

    /** Sends a command; resolves with the reply on `ok`, rejects with {code, message} otherwise. */
    command(cmd) {
      return new Promise((resolve, reject) => {
        const id = nextId();
        if (!this.ws || this.ws.readyState !== 1 || this.status !== 'online') {
          reject(Object.assign(new Error('未连接服务器 not connected'), { code: 'offline', message: '未连接服务器 not connected' }));
          return;
        }
        const timer = setTimeout(() => {
          if (this.pending.delete(id)) {
            reject(Object.assign(new Error('服务器未应答 no reply from the hall'), { code: 'timeout', message: '服务器未应答 no reply from the hall' }));
          }
        }, this.opts.commandTimeoutMs);
        this.pending.set(id, { resolve, reject, timer });
        this.sendRaw({ type: 'command', id, command: cmd });
      });
    }
  }

  /* ------------------------------------------------------------------ helpers for pages */

  /** Hall wall-clock parts at `ms` in the hall's UTC offset. */
  function hallParts(ms, offsetMin) {
    const d = new Date(ms + (offsetMin || 0) * 60000);
    return {
      year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(),
      hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(),
      weekday: d.getUTCDay(),
    };
  }

  function pad2(n) { return (n < 10 ? '0' : '') + n; }

  /** Token: `?token=` first, then localStorage under `key`. */
  function tokenFromPage(key) {
    const p = new URLSearchParams(global.location.search);
    const t = (p.get('token') || '').trim();
    if (t) return { token: t, from: 'url' };
    try {
      const s = (global.localStorage.getItem(key) || '').trim();
      if (s) return { token: s, from: 'storage' };
    } catch (e) { /* storage disabled */ }
    return { token: '', from: 'none' };
  }

  function storeToken(key, token) {
    try {
      if (token) global.localStorage.setItem(key, token); else global.localStorage.removeItem(key);
    } catch (e) { /* storage disabled */ }
  }

  /** Element helper: h('div', {class: 'x', text: '…'}, child, …). Never takes HTML strings. */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v == null || v === false) continue;
        if (k === 'text') el.textContent = String(v);
        else if (k === 'class') el.className = v;
        else if (k === 'dataset') Object.assign(el.dataset, v);
        else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
        else el.setAttribute(k, v === true ? '' : String(v));
      }
    }
    for (const c of children.flat()) {
      if (c == null || c === false) continue;
      el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    }
    return el;
  }

  /**
   * Replaces `container`'s children with `nodes`, keeping every existing child that is equal
   * (same tag, attributes and text) to its replacement, so that a button under the pointer
   * survives a re-render caused by an unrelated event.
   */
  function patch(container, nodes) {
    const list = nodes.filter((n) => n != null);
    for (let i = 0; i < list.length; i += 1) {
      const cur = container.childNodes[i];
      if (!cur) container.appendChild(list[i]);
      else if (!cur.isEqualNode(list[i])) container.replaceChild(list[i], cur);
    }
    while (container.childNodes.length > list.length) container.removeChild(container.lastChild);
  }

  global.HallProtocol = {
    patch,
    Client,
    applyEvent,
    prepareState,
    longestWaitSeconds,
    offsetMinutes,
    parseTime,
    hallParts,
    pad2,
    tokenFromPage,
    storeToken,
    h,
  };
})(window);
