// The overview: stats, health, live calls (updated from the event feed), history with filters.
'use strict';
(() => {
  const { getJson, openFeed, duration, percent, time, cell, anchor, linkCell, callPage, agentPage, outcomeText, lifecycleCell } = window.nerve;
  const HEALTH_EVERY_MS = 15_000;
  const ENDED_SHOWN = 20;
  const active = new Map(); // call id → the call as last heard
  const ended = new Set(); // ended here: late updates must not bring them back
  const handoffsShown = new Set(); // transition keys: a notice delivered twice (a retried save) is listed once

  const activeBody = document.getElementById('active-calls');

  function startedAt(call) {
    return Date.parse(call.answered_at || call.created_at || call.first_seen);
  }

  function nowText(call) {
    const who = { bot: 'bot speaking', caller: 'caller speaking', nobody: 'listening' }[call.speaking];
    return [who, call.prompt ? `prompt ${call.prompt}` : call.step].filter(Boolean).join(' · ');
  }

  function activeRow(call) {
    const tr = document.createElement('tr');
    tr.dataset.callId = call.call_id;
    tr.append(
      linkCell(call.call_id, callPage(call.call_id), { className: 'id', label: `Live transcript of ${call.call_id}` }),
      cell(call.call_type), cell(call.provider), cell(call.direction), cell(call.source, 'source'), lifecycleCell(call),
      cell(call.status, 'state'), cell(nowText(call), 'now'), cell(duration((Date.now() - startedAt(call)) / 1000), 'duration'),
      linkCell('Open', call.temporal_url || '#', { external: true, label: `${call.call_id} in the Temporal Web UI` }),
    );
    return tr;
  }

  function renderActive() {
    const calls = [...active.values()].sort((a, b) => startedAt(b) - startedAt(a));
    activeBody.replaceChildren(...calls.map(activeRow));
    document.getElementById('active-count').textContent = String(calls.length);
    document.getElementById('active-empty').hidden = calls.length > 0;
  }

  function tickDurations() {
    for (const tr of activeBody.rows) {
      const call = active.get(tr.dataset.callId);
      if (call) tr.querySelector('.duration').textContent = duration((Date.now() - startedAt(call)) / 1000);
    }
  }

  function upsert(update) {
    if (ended.has(update.call_id)) return;
    const known = active.get(update.call_id) || { first_seen: new Date().toISOString(), temporal_url: temporalUrlFor(update.call_id) };
    active.set(update.call_id, { ...known, ...update });
    renderActive();
  }

  function end(call) {
    ended.add(call.call_id);
    active.delete(call.call_id);
    renderActive();
    const li = document.createElement('li');
    li.dataset.callId = call.call_id;
    li.dataset.lifecycle = call.lifecycle || '';
    li.append(anchor(call.call_id, callPage(call.call_id)), ` ${call.call_type} ended: `);
    const outcome = document.createElement('strong');
    outcome.className = 'outcome';
    outcome.textContent = outcomeText(call) || 'no outcome';
    li.append(outcome);
    if (call.handoff) li.append(` (handed off: ${call.handoff.reason})`);
    const list = document.getElementById('ended-calls');
    list.prepend(li);
    while (list.children.length > ENDED_SHOWN) list.lastElementChild.remove();
    loadHistory(); // the ended call now belongs to the history
  }

  /** A call passed to a person: listed at once, with the way to its agent page. */
  function handedOff(notice) {
    if (handoffsShown.has(notice.key)) return;
    handoffsShown.add(notice.key);
    const li = document.createElement('li');
    li.dataset.callId = notice.call_id;
    const reason = document.createElement('strong');
    reason.className = 'handoff-reason';
    reason.textContent = notice.reason;
    li.append(
      anchor(notice.call_id, callPage(notice.call_id)), ` ${notice.call_type} handed off by ${notice.actor} at ${new Date(notice.at).toLocaleTimeString()}: `, reason, ' · ',
      anchor('agent page', agentPage(notice.call_id), { external: true, label: `Agent page of ${notice.call_id}` }),
    );
    const list = document.getElementById('handoffs');
    list.prepend(li);
    while (list.children.length > ENDED_SHOWN) list.lastElementChild.remove();
    document.getElementById('handoffs-empty').hidden = true;
  }

  // Links to the Temporal UI: the server says where its workflows are (TEMPORAL_UI_URL).
  let temporalWorkflowsUrl = '';
  const temporalUrlFor = (callId) => (temporalWorkflowsUrl ? temporalWorkflowsUrl + encodeURIComponent(callId) : '#');

  function renderStats(id, stats) {
    const dl = document.querySelector(`#${id} dl`);
    const rows = [
      ['Calls', stats.calls], ['Ended', stats.ended], ['Success rate', percent(stats.success_rate)],
      ['Average talk time', duration(stats.average_duration_seconds)], ['Handoff rate', percent(stats.handoff_rate)], ['Handed off', stats.handed_off ?? '—'],
      ['Outcomes', Object.entries(stats.outcomes).map(([o, n]) => `${o} ${n}`).join(', ') || '—'],
    ];
    dl.replaceChildren(...rows.flatMap(([k, v]) => {
      const dt = document.createElement('dt'); dt.textContent = k;
      const dd = document.createElement('dd'); dd.textContent = String(v); dd.dataset.stat = k;
      return [dt, dd];
    }));
  }

  function renderSnapshot(snapshot) {
    renderStats('stats-today', snapshot.today);
    renderStats('stats-24h', snapshot.last_24h);
  }

  async function loadHealth() {
    const list = document.querySelector('#health .checks');
    try {
      const { checks } = await getJson('/dashboard/api/health');
      list.replaceChildren(...checks.map((c) => {
        const li = document.createElement('li');
        li.dataset.ok = String(c.ok);
        const state = document.createElement('strong');
        state.textContent = c.ok ? 'up' : 'DOWN';
        li.append(`${c.name}: `, state, ` (${c.detail})`);
        return li;
      }));
    } catch (err) {
      list.replaceChildren(Object.assign(document.createElement('li'), { textContent: `health unavailable: ${err.message}` }));
    }
  }

  // History: the form's fields are the API's filters.
  const form = document.getElementById('history-filter');
  let page = 1;
  let pages = 1;

  async function loadHistory() {
    const params = new URLSearchParams();
    for (const [k, v] of new FormData(form)) if (v) params.set(k, String(v));
    params.set('page', String(page));
    const error = document.getElementById('history-error');
    try {
      const result = await getJson(`/dashboard/api/calls?${params}`);
      error.hidden = true;
      pages = result.pages;
      document.getElementById('history-calls').replaceChildren(...result.calls.map((call) => {
        const tr = document.createElement('tr');
        tr.dataset.callId = call.call_id;
        const talk = call.answered_at && call.ended_at ? (Date.parse(call.ended_at) - Date.parse(call.answered_at)) / 1000 : null;
        tr.append(
          linkCell(call.call_id, callPage(call.call_id), { className: 'id' }),
          cell(call.call_type), cell(call.business_key), cell(call.phone_masked), cell(outcomeText(call), 'outcome'),
          lifecycleCell(call), cell(call.source, 'source'), cell(time(call.created_at)), cell(duration(talk)),
          linkCell('Open', call.temporal_url, { external: true, label: `${call.call_id} in the Temporal Web UI` }),
        );
        return tr;
      }));
      document.getElementById('history-page').textContent = `Page ${result.page} of ${result.pages} (${result.total} calls)`;
      document.getElementById('history-prev').disabled = page <= 1;
      document.getElementById('history-next').disabled = page >= pages;
    } catch (err) {
      error.textContent = `Search failed: ${err.message}`;
      error.hidden = false;
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    page = 1;
    loadHistory();
  });
  document.getElementById('history-prev').addEventListener('click', () => { if (page > 1) { page--; loadHistory(); } });
  document.getElementById('history-next').addEventListener('click', () => { if (page < pages) { page++; loadHistory(); } });

  async function start() {
    const [snapshot, stats] = await Promise.all([getJson('/dashboard/api/active'), getJson('/dashboard/api/stats')]);
    temporalWorkflowsUrl = snapshot.temporal_workflows_url;
    for (const call of snapshot.calls) active.set(call.call_id, call);
    renderActive();
    renderSnapshot(stats);
    openFeed({
      after: snapshot.after,
      on: {
        call_started: upsert,
        call_updated: upsert,
        call_ended: end,
        call_handed_off: handedOff,
        metric_updated: renderSnapshot,
      },
    });
    setInterval(tickDurations, 1000);
    loadHealth();
    setInterval(loadHealth, HEALTH_EVERY_MS);
    loadHistory();
  }

  start().catch((err) => {
    const status = document.getElementById('feed-status');
    status.dataset.state = 'reconnecting';
    status.textContent = `Could not load the dashboard: ${err.message}`;
  });
})();
