// The city page: every centre from the city stream (/city/ws), live; click one to drill down.
// No inline script (CSP), no personal data (the city database holds none).
"use strict";
(function () {
  const T = {
    zh: { title: "全市政务服务中心 · 城市看板", connecting: "连接中…", live: "实时", down: "连接断开，正在重连…",
      offline: "城市数据库暂不可用", centres: "各中心", centre: "中心", waiting: "等候", longest: "最长等候",
      open: "开放窗口", alerts: "告警", cases: "在办件", rating: "平均评价", asOf: "数据时间",
      hint: "点击中心查看详情。", back: "返回全市", queues: "队列", windows: "窗口", openAlerts: "未解除告警",
      caseCounts: "办件（按部门）", none: "无", lang: "English", needToken: "需要城市令牌：在地址后加 ?token=…" },
    en: { title: "City service centres · overview", connecting: "connecting…", live: "live", down: "disconnected, reconnecting…",
      offline: "city database unavailable", centres: "Centres", centre: "Centre", waiting: "Waiting", longest: "Longest wait",
      open: "Open windows", alerts: "Alerts", cases: "Cases in progress", rating: "Mean rating", asOf: "As of",
      hint: "Click a centre for details.", back: "Back to the city", queues: "Queues", windows: "Windows", openAlerts: "Open alerts",
      caseCounts: "Cases by department", none: "none", lang: "中文", needToken: "A city token is needed: add ?token=… to the address" },
  };
  const params = new URLSearchParams(location.search);
  const token = params.get("token") || "";
  let lang = params.get("lang") === "en" ? "en" : "zh";
  let drill = params.get("centre");
  let ws = null;
  let last = null;
  let lastDetail = null;
  const $ = (id) => document.getElementById(id);

  function t(k) { return T[lang][k] || k; }
  function mmss(s) { if (s === null || s === undefined) return "—"; s = Math.max(0, Math.round(s)); return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0"); }
  function localTime(iso) { if (!iso) return "—"; const d = new Date(iso); return d.toLocaleString(lang === "zh" ? "zh-CN" : "en-GB", { timeZone: "Asia/Shanghai", hour12: false }); }
  function cell(tr, text, cls) { const td = document.createElement("td"); td.textContent = text; if (cls) td.className = cls; tr.appendChild(td); return td; }
  function conn(state, text) { const c = $("conn"); c.className = "conn " + state; c.textContent = text; }

  function applyLang() {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
    $("lang-toggle").textContent = t("lang");
    document.title = t("title");
    if (last) renderCentres(last);
    if (lastDetail) renderDetail(lastDetail);
  }

  function renderCentres(centres) {
    const body = $("centres").querySelector("tbody");
    body.replaceChildren();
    for (const c of centres) {
      const tr = document.createElement("tr");
      tr.className = "centre-row" + (c.open_alerts > 0 ? " alerting" : "");
      tr.dataset.centre = c.centre;
      cell(tr, c.name);
      cell(tr, String(c.waiting), "num");
      cell(tr, mmss(c.longest_wait_s), "num");
      cell(tr, c.open_windows + "/" + c.windows, "num");
      cell(tr, String(c.open_alerts), "num");
      cell(tr, String(c.cases_in_progress), "num");
      cell(tr, c.mean_rating === null ? "—" : c.mean_rating.toFixed(1), "num");
      cell(tr, localTime(c.last_at));
      tr.addEventListener("click", () => setDrill(c.centre));
      body.appendChild(tr);
    }
  }

  function rows(id, items, f) {
    const body = $(id).querySelector("tbody");
    body.replaceChildren();
    if (!items.length) { const tr = document.createElement("tr"); cell(tr, t("none")); body.appendChild(tr); return; }
    for (const it of items) { const tr = document.createElement("tr"); f(tr, it); body.appendChild(tr); }
  }

  function renderDetail(d) {
    if (!d) { $("detail").hidden = true; return; }
    $("detail").hidden = false;
    $("h-detail").textContent = d.summary.name + " (" + d.summary.centre + ")";
    rows("d-queues", d.queues, (tr, q) => { cell(tr, q.queue); cell(tr, t("waiting") + " " + q.waiting, "num"); cell(tr, t("longest") + " " + mmss(q.longest_wait_s), "num"); });
    rows("d-windows", d.windows, (tr, w) => { cell(tr, String(w.window)); cell(tr, w.state); cell(tr, w.ticket || ""); });
    rows("d-alerts", d.alerts, (tr, a) => { cell(tr, a.kind); cell(tr, a.queue || (a.window !== null ? String(a.window) : "")); cell(tr, localTime(a.raised_at)); });
    rows("d-cases", d.cases, (tr, c) => { cell(tr, c.department); cell(tr, c.state); cell(tr, String(c.cases), "num"); });
  }

  function setDrill(code) {
    drill = code;
    if (!code) { lastDetail = null; renderDetail(null); }
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "drill", centre: code }));
  }

  function connect() {
    if (!token) { conn("down", t("needToken")); return; }
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    ws = new WebSocket(proto + "//" + location.host + "/city/ws?token=" + encodeURIComponent(token));
    ws.onopen = () => { conn("live", t("live")); if (drill) setDrill(drill); };
    ws.onmessage = (m) => {
      const f = JSON.parse(m.data);
      if (f.type === "city") { last = f.centres; renderCentres(last); conn("live", t("live")); }
      else if (f.type === "centre" && f.code === drill) { lastDetail = f.centre; renderDetail(lastDetail); }
      else if (f.type === "offline") { conn("down", t("offline")); }
    };
    ws.onclose = () => { conn("down", t("down")); setTimeout(connect, 1500); };
  }

  $("lang-toggle").addEventListener("click", () => { lang = lang === "zh" ? "en" : "zh"; applyLang(); });
  $("back").addEventListener("click", () => setDrill(null));
  applyLang();
  connect();
})();
