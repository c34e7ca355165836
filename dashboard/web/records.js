/* Supervisor view (/): bad-rating follow-ups and 办不成事/complaint records still open, overdue
 * first. Read-only: what the hall's view sent (applicants already masked). Defines
 * `window.HallRecords.render(ul, state, lang)`, called by supervisor.js on every render. */
(function () {
  'use strict';
  const P = window.HallProtocol;
  const h = P.h;

  const TEXT = {
    zh: {
      none: '无待办的差评回访或诉求',
      followUp: '差评回访', cannot_do: '办不成事', complaint: '投诉', enquiry: '咨询',
      overdue: '已超期', due_soon: '将到期', open: '办理中',
      state: {
        open: '待回访', called_back: '已回访', rectified: '已整改',
        received: '已登记', referred: '已转办', supervised: '督办中',
      },
      due: (d) => `期限 ${d}`, owner: (n) => `责任人 ${n}`, window: (w) => `首问 ${w} 号窗口`,
      rating: (r) => `评分 ${r}`,
    },
    en: {
      none: 'No follow-up or request open',
      followUp: 'Bad-rating follow-up', cannot_do: 'Cannot get it done', complaint: 'Complaint', enquiry: 'Enquiry',
      overdue: 'Overdue', due_soon: 'Due soon', open: 'Open',
      state: {
        open: 'to call back', called_back: 'called back', rectified: 'rectified',
        received: 'recorded', referred: 'referred', supervised: 'pressed',
      },
      due: (d) => `due ${d}`, owner: (n) => `owner ${n}`, window: (w) => `window ${w} first`,
      rating: (r) => `rating ${r}`,
    },
  };

  /** The hall's local date: `now` is sent with the centre's offset. */
  function today(state) { return String(state.now || '').slice(0, 10); }

  function urgency(rec, day) {
    const d = rec.deadline || {};
    if (day > d.due_on) return 'overdue';
    if (day >= d.warn_on) return 'due_soon';
    return 'open';
  }

  const RANK = { overdue: 0, due_soon: 1, open: 2 };

  function render(ul, state, lang) {
    if (!ul || !state) return;
    const t = TEXT[lang] || TEXT.zh;
    const day = today(state);
    const rows = [];
    for (const f of state.follow_ups || []) {
      if (f.state !== 'closed') rows.push({ rec: f, kind: 'follow_up' });
    }
    for (const r of state.requests || []) {
      if (r.state !== 'answered') rows.push({ rec: r, kind: 'request' });
    }
    for (const row of rows) row.u = urgency(row.rec, day);
    rows.sort((a, b) => (RANK[a.u] - RANK[b.u])
      || String(a.rec.deadline.due_on).localeCompare(String(b.rec.deadline.due_on))
      || a.rec.id.localeCompare(b.rec.id));
    if (!rows.length) {
      P.patch(ul, [h('li', { class: 'empty', text: t.none })]);
      return;
    }
    P.patch(ul, rows.map(({ rec, kind, u }) => {
      const isF = kind === 'follow_up';
      const label = isF ? t.followUp : (t[rec.category] || rec.category);
      const who = isF
        ? `${t.owner(rec.owner ? rec.owner.name : '')} · ${t.rating(rec.rating)}`
        : `${rec.applicant ? rec.applicant.name : ''} · ${t.window(rec.first_window)}`;
      const text = isF ? rec.reason : rec.matter;
      return h('li', { class: `record urgency-${u}`, dataset: { record: rec.id, urgency: u } },
        h('div', { class: 'alert-head' },
          h('span', { class: 'alert-kind', text: label }),
          h('span', { class: 'tag', text: rec.id }),
          h('span', { class: 'tag state', text: t.state[rec.state] || rec.state }),
          h('span', { class: `tag due ${u}`, text: `${t[u]} · ${t.due(rec.deadline.due_on)}` })),
        h('div', { class: 'record-who', text: who }),
        text ? h('div', { class: 'alert-msg', text }) : null);
    }));
  }

  window.HallRecords = { render, urgency };
})();
