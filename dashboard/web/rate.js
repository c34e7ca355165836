/* The slip's rating page (/rate/<token>): the applicant's own phone, after the service.
 *
 * The server renders the service (centre, ticket, window, staff number) and, when it may still
 * be rated, an empty #r-form; this script offers the five levels there. The two lowest need a
 * reason (from the list or typed), as on the window pad (rating_words.js). The rating is posted
 * to the same address as JSON; the hall checks the signed link and records it once.
 */
(function () {
  'use strict';
  const W = window.HallRatingWords;
  const form = document.getElementById('r-form');
  if (!form || !W) return;
  const t = document.documentElement.lang === 'en' ? W.en : W.zh;

  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text != null) e.textContent = text;
    return e;
  }

  const levels = el('div', { class: 'r-levels', id: 'r-levels' });
  for (const n of [5, 4, 3, 2, 1]) {
    levels.append(el('button', { type: 'button', class: 'r-level' + (W.needsReason(n) ? ' low' : ''), 'data-level': String(n) }, t.levels[n]));
  }
  const reasonBox = el('section', { class: 'r-reason', id: 'r-reason', hidden: '' });
  const reasons = el('div', { class: 'r-reasons', id: 'r-reasons' });
  for (const r of t.reasons) reasons.append(el('button', { type: 'button', class: 'r-choice', 'data-reason': r, 'aria-pressed': 'false' }, r));
  const typed = el('input', { type: 'text', id: 'r-reason-text', maxlength: '200', autocomplete: 'off', placeholder: t.reasonPlaceholder });
  const back = el('button', { type: 'button', class: 'r-btn', id: 'r-back' }, t.back);
  const send = el('button', { type: 'button', class: 'r-btn r-primary', id: 'r-send' }, t.send);
  const actions = el('div', { class: 'r-actions' });
  actions.append(back, send);
  reasonBox.append(el('h3', {}, t.reasonAsk), reasons, typed, actions);
  const msg = el('p', { class: 'r-error', id: 'r-error', role: 'alert' });
  const thanks = el('p', { class: 'r-thanks', id: 'r-thanks', hidden: '' }, t.thanks);
  form.append(levels, reasonBox, msg, thanks);

  let level = null;
  let chosen = '';
  let busy = false;

  async function submit(reason) {
    if (busy) return;
    busy = true;
    msg.textContent = '';
    try {
      const body = { rating: level };
      if (reason) body.reason = reason;
      const res = await fetch(location.pathname, {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
      });
      const answer = await res.json().catch(() => ({}));
      if (res.ok && answer.ok) {
        levels.hidden = true; reasonBox.hidden = true; thanks.hidden = false;
        const ask = document.querySelector('.r-ask');
        if (ask) ask.hidden = true;
      } else {
        msg.textContent = t.failed + (answer.message || res.status);
      }
    } catch (e) {
      msg.textContent = t.failed + ((e && e.message) || e);
    } finally {
      busy = false;
    }
  }

  levels.addEventListener('click', (e) => {
    const b = e.target.closest('[data-level]');
    if (!b) return;
    level = Number(b.dataset.level);
    for (const x of levels.children) x.setAttribute('aria-pressed', String(x === b));
    msg.textContent = '';
    if (W.needsReason(level)) { reasonBox.hidden = false; typed.focus(); } else { reasonBox.hidden = true; submit(''); }
  });
  reasons.addEventListener('click', (e) => {
    const b = e.target.closest('[data-reason]');
    if (!b) return;
    chosen = b.dataset.reason === chosen ? '' : b.dataset.reason;
    for (const x of reasons.children) x.setAttribute('aria-pressed', String(x.dataset.reason === chosen));
    msg.textContent = '';
  });
  back.addEventListener('click', () => { reasonBox.hidden = true; level = null; msg.textContent = ''; });
  send.addEventListener('click', () => {
    const reason = W.joinReason(chosen, typed.value);
    if (!reason) { msg.textContent = t.needReason; return; }
    submit(reason);
  });
})();
