// One call: its facts and its transcript, live from the event feed filtered to this call.
'use strict';
(() => {
  const { getJson, openFeed, time, agentPage, outcomeText } = window.nerve;
  const callId = decodeURIComponent(location.pathname.split('/').pop());
  const shown = new Set(); // line ids already on the page: a line is shown once
  const transitionsShown = new Set(); // journal keys of the lifecycle transitions listed
  // Stored bot lines not yet matched by a live one: the journal stores a prompt when the call
  // issues it (the greeting, before the line connects), the gateway publishes it when it is
  // handed to the line; the same prompt and text is one line, shown once.
  const storedPrompts = [];
  let call = {};

  function renderFacts() {
    document.getElementById('call-title').textContent = `Call ${call.call_id}`;
    const facts = [
      ['Type', call.call_type], ['Provider', call.provider], ['Source', call.source], ['Room', call.room_name], ['Direction', call.direction],
      ['Lifecycle', call.lifecycle], ['Status', call.status],
      ['Handoff', call.handoff && `${call.handoff.reason} (${time(call.handoff.at)})`], ['End reason', call.end_reason],
      ['Outcome', call.outcome || (call.status === 'COMPLETED' ? outcomeText(call) : null)], ['Key', call.business_key], ['Phone', call.phone_masked], ['Attempts', call.attempts],
      ['Answered', time(call.answered_at)], ['Ended', time(call.ended_at)],
      ['Now', { bot: 'bot speaking', caller: 'caller speaking', nobody: 'listening' }[call.speaking]],
    ];
    document.getElementById('call-facts').replaceChildren(...facts.flatMap(([k, v]) => {
      const dt = document.createElement('dt'); dt.textContent = k;
      const dd = document.createElement('dd'); dd.textContent = v == null || v === '' ? '—' : String(v); dd.dataset.fact = k;
      return [dt, dd];
    }));
    document.getElementById('agent-link-line').hidden = !call.handoff;
  }

  function addTransition(t) {
    if (transitionsShown.has(t.key)) return;
    transitionsShown.add(t.key);
    const li = document.createElement('li');
    li.dataset.to = t.to;
    const at = document.createElement('time');
    at.dateTime = t.at;
    at.textContent = new Date(t.at).toLocaleTimeString();
    li.append(at, ` ${t.from} → `);
    const to = document.createElement('strong');
    to.textContent = t.to;
    li.append(to, ` by ${t.actor}${t.reason ? `: ${t.reason}` : ''}`);
    document.getElementById('lifecycle-history').append(li);
    document.getElementById('lifecycle-empty').hidden = true;
  }

  function isStoredPrompt(line) {
    const i = storedPrompts.findIndex((p) => p.prompt_id === line.prompt_id && p.text === line.text);
    if (line.speaker !== 'bot' || !line.prompt_id || i < 0) return false;
    storedPrompts.splice(i, 1);
    return true;
  }

  function addLine(line, stored = false) {
    if (shown.has(line.line_id) || (!stored && isStoredPrompt(line))) return;
    shown.add(line.line_id);
    if (stored && line.speaker === 'bot' && line.prompt_id) storedPrompts.push(line);
    const li = document.createElement('li');
    li.dataset.speaker = line.speaker;
    const who = document.createElement('span');
    who.className = 'who';
    who.textContent = { bot: 'Bot', caller: 'Caller', agent: 'Agent' }[line.speaker] || line.speaker;
    const at = document.createElement('time');
    at.dateTime = line.at;
    at.textContent = new Date(line.at).toLocaleTimeString();
    li.append(who, line.text, at);
    document.getElementById('transcript').append(li);
    document.getElementById('transcript-empty').hidden = true;
  }

  const update = ({ transitions = [], ...data }) => {
    call = { ...call, ...data };
    renderFacts();
    transitions.forEach(addTransition);
  };

  async function start() {
    const found = await getJson(`/dashboard/api/calls/${encodeURIComponent(callId)}`);
    call = found.call;
    document.getElementById('temporal-link').href = found.temporal_url;
    document.getElementById('agent-link').href = agentPage(callId);
    renderFacts();
    found.transitions.forEach(addTransition);
    for (const line of found.transcript) addLine(line, true);
    openFeed({ after: found.after, callId, on: { call_started: update, call_updated: update, call_ended: update, transcript: (line) => addLine(line) } });
  }

  start().catch((err) => {
    const status = document.getElementById('feed-status');
    status.dataset.state = 'reconnecting';
    status.textContent = `Could not load the call: ${err.message}`;
  });
})();
