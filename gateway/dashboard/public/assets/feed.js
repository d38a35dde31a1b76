// Shared by the dashboard pages: JSON reads, the live event feed (SSE with resume), formatting.
'use strict';
window.nerve = (() => {
  async function getJson(url) {
    const response = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.message || `HTTP ${response.status}`);
    return body;
  }

  /**
   * Opens the event stream after the snapshot's position. The browser reconnects by itself and
   * sends Last-Event-ID, so the server replays what was missed; handlers see each event once.
   */
  function openFeed({ after, callId, on }) {
    const params = new URLSearchParams();
    if (after) params.set('after', after);
    if (callId) params.set('call_id', callId);
    const source = new EventSource(`/dashboard/stream?${params}`);
    const status = document.getElementById('feed-status');
    const show = (state, text) => { if (status) { status.dataset.state = state; status.textContent = text; } };
    source.onopen = () => show('live', 'Live');
    source.onerror = () => show('reconnecting', 'Reconnecting to the live feed…');
    // The server no longer has every event after our position: start again from a fresh snapshot.
    source.addEventListener('reset', () => location.reload());
    for (const [type, handle] of Object.entries(on)) {
      source.addEventListener(type, (message) => handle(JSON.parse(message.data), message.lastEventId));
    }
    return source;
  }

  /** "1:05" or "1:02:03" for a number of seconds. */
  function duration(seconds) {
    if (seconds == null || !Number.isFinite(seconds)) return '—';
    const s = Math.max(0, Math.round(seconds));
    const two = (n) => String(n).padStart(2, '0');
    return s >= 3600 ? `${Math.floor(s / 3600)}:${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}` : `${Math.floor(s / 60)}:${two(s % 60)}`;
  }

  const percent = (ratio) => (ratio == null ? '—' : `${Math.round(ratio * 1000) / 10}%`);
  const time = (iso) => (iso ? new Date(iso).toLocaleString() : '—');

  /** A table cell with text only: call data never becomes markup. */
  function cell(text, className) {
    const td = document.createElement('td');
    td.textContent = text == null || text === '' ? '—' : String(text);
    if (className) td.className = className;
    return td;
  }

  /** A link; `external` opens a new tab that cannot reach back to this one. */
  function anchor(text, href, { external = false, className, label } = {}) {
    const a = document.createElement('a');
    a.href = href;
    a.textContent = text;
    if (label) a.setAttribute('aria-label', label);
    if (external) { a.target = '_blank'; a.rel = 'noopener noreferrer'; }
    if (className) a.className = className;
    return a;
  }

  function linkCell(text, href, { external = false, className, label } = {}) {
    const td = document.createElement('td');
    td.append(anchor(text, href, { external, label }));
    if (className) td.className = className;
    return td;
  }

  const callPage = (callId) => `/dashboard/calls/${encodeURIComponent(callId)}`;
  /** Signed on request behind the ops login (the server redirects to the agent's page). */
  const agentPage = (callId) => `/dashboard/calls/${encodeURIComponent(callId)}/agent`;

  /** How a call ended: our outcome, or for a call registered from outside how its lifecycle ended (as Jupiter hears it). */
  function outcomeText(call) {
    if (call.outcome) return call.outcome;
    if (call.status === 'COMPLETED' && call.lifecycle) return call.handoff ? 'HANDED_OFF' : call.lifecycle;
    return call.status;
  }

  /** Where the call is in its lifecycle, and for a handed-off call why, with the way to its agent page. */
  function lifecycleCell(call) {
    const td = document.createElement('td');
    td.className = 'lifecycle';
    const state = document.createElement('span');
    state.className = 'lifecycle-state';
    state.dataset.state = call.lifecycle || '';
    state.textContent = call.lifecycle || '—';
    td.append(state);
    if (call.handoff) {
      const reason = document.createElement('span');
      reason.className = 'handoff-reason';
      reason.textContent = `handed off: ${call.handoff.reason}`;
      td.append(reason, anchor('Agent page', agentPage(call.call_id), { external: true, className: 'agent-page', label: `Agent page of ${call.call_id}` }));
    }
    if (call.end_reason && !call.handoff && call.end_reason !== call.outcome) { // our bots end with their outcome as the reason
      const reason = document.createElement('span');
      reason.className = 'end-reason';
      reason.textContent = call.end_reason;
      td.append(reason);
    }
    return td;
  }

  return { getJson, openFeed, duration, percent, time, cell, anchor, linkCell, callPage, agentPage, outcomeText, lifecycleCell };
})();
