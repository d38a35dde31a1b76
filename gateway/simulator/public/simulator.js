// The phone simulator page: this tab is a telephone on the "browser" provider
// (providers/browser/stream.ts documents the wire protocol). It registers its number for
// incoming rings over an EventSource, and during a call streams the microphone as 20 ms PCM16
// frames to /media/browser, plays the bot's audio with marks and barge-in, sends keypad
// presses as DTMF and shows the transcript the gateway sends.
'use strict';

const WIRE_RATE = 16000;
const $ = (id) => document.getElementById(id);
const ui = {
  numberForm: $('my-number').form, myNumber: $('my-number'), registration: $('registration'),
  dialForm: $('dial-form'), line: $('line'), otherNumber: $('other-number'), call: $('call'),
  incoming: $('incoming'), incomingDetail: $('incoming-detail'), answer: $('answer'), decline: $('decline'),
  status: $('status'), hangup: $('hangup'), keypad: $('keypad'), level: $('level'), transcript: $('transcript'),
};

let phoneEvents; // EventSource for rings
let ringing; // {callSid, timer}
let call; // the live call: {ws, streamSid, callSid}
let audio; // {context, mic, micNode, player}

// ------------------------------------------------------------------ helpers

const hex = (bytes) => Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
const newCallSid = () => 'BR' + hex(16);

function setStatus(text) {
  ui.status.textContent = text;
}

function note(text) {
  addLine('note', '', text);
}

function addLine(kind, who, text) {
  const li = document.createElement('li');
  li.className = kind;
  if (who) {
    const label = document.createElement('span');
    label.className = 'who';
    label.textContent = who;
    li.append(label);
  }
  li.append(document.createTextNode(text));
  ui.transcript.append(li);
  li.scrollIntoView({ block: 'nearest' });
}

function toBase64(buffer) {
  let binary = '';
  const bytes = new Uint8Array(buffer);
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function fromBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

async function postJson(path, body) {
  const response = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), credentials: 'same-origin' });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.message || `${path} answered ${response.status}`);
  return answer;
}

function inCall(active) {
  ui.hangup.disabled = !active;
  ui.call.disabled = active;
  document.body.dataset.call = active ? 'live' : 'idle';
}

// ------------------------------------------------------------------ lines and registration

async function loadLines() {
  const response = await fetch('lines', { credentials: 'same-origin' });
  const { lines, default_route: fallback } = await response.json();
  ui.line.replaceChildren();
  for (const line of lines) {
    const option = document.createElement('option');
    option.value = line.number;
    option.textContent = `${line.number}: ${line.bot}${line.mode === 'ivr' ? ' (keypad)' : ''}, ${line.language}${line.topic ? `, ${line.topic}` : ''}`;
    ui.line.append(option);
  }
  if (lines.length === 0) {
    const option = document.createElement('option');
    option.value = '';
    option.textContent = fallback ? `No lines listed: dial any number (${fallback.bot} answers)` : 'No lines: set INBOUND_ROUTES';
    ui.line.append(option);
  }
}

function register() {
  phoneEvents?.close();
  const number = ui.myNumber.value.trim();
  localStorage.setItem('simulator.number', number);
  phoneEvents = new EventSource(`/webhooks/browser/phone?number=${encodeURIComponent(number)}`, { withCredentials: true });
  phoneEvents.addEventListener('registered', () => {
    ui.registration.textContent = `Online as ${number}: calls to it ring here.`;
    document.body.dataset.registered = number;
  });
  phoneEvents.addEventListener('ring', (event) => onRing(JSON.parse(event.data)));
  phoneEvents.addEventListener('ring-ended', (event) => onRingEnded(JSON.parse(event.data)));
  phoneEvents.onerror = () => {
    ui.registration.textContent = 'Offline: reconnecting…';
    delete document.body.dataset.registered;
  };
}

// ------------------------------------------------------------------ incoming calls

function onRing({ callSid, ringMs }) {
  if (call || ringing) {
    postJson('/webhooks/browser/decline', { callSid, reason: 'busy' }).catch(() => {});
    return;
  }
  ringing = { callSid, timer: setTimeout(() => decline('no-answer'), ringMs) };
  ui.incomingDetail.textContent = `A call for ${ui.myNumber.value}. It rings for ${Math.round(ringMs / 1000)} s.`;
  ui.incoming.hidden = false;
  setStatus('Ringing…');
  ui.answer.focus();
}

function onRingEnded({ callSid, reason }) {
  if (ringing?.callSid !== callSid) return;
  stopRinging();
  setStatus(reason === 'answered' ? 'Answered on another tab.' : 'Missed call.');
}

function stopRinging() {
  clearTimeout(ringing?.timer);
  ringing = undefined;
  ui.incoming.hidden = true;
}

async function answer() {
  if (!ringing) return;
  const { callSid } = ringing;
  stopRinging();
  try {
    const { callId } = await postJson('/webhooks/browser/answer', { callSid });
    await connect({ callSid, customParameters: { callId } });
  } catch (err) {
    setStatus(`Could not answer: ${err.message}`);
  }
}

async function decline(reason = 'busy') {
  if (!ringing) return;
  const { callSid } = ringing;
  stopRinging();
  setStatus(reason === 'busy' ? 'Declined.' : 'Missed call.');
  await postJson('/webhooks/browser/decline', { callSid, reason }).catch((err) => setStatus(`Could not decline: ${err.message}`));
}

// ------------------------------------------------------------------ audio

async function startAudio() {
  if (audio) return audio;
  const stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true } });
  // At the wire rate the browser resamples for us (Chrome); Firefox refuses a microphone at a
  // rate other than the device's, so there the worklets convert.
  let context = new AudioContext({ sampleRate: WIRE_RATE, latencyHint: 'interactive' });
  let mic;
  try {
    mic = context.createMediaStreamSource(stream);
  } catch {
    await context.close();
    context = new AudioContext({ latencyHint: 'interactive' });
    mic = context.createMediaStreamSource(stream);
  }
  await Promise.all([context.audioWorklet.addModule('mic-worklet.js'), context.audioWorklet.addModule('player-worklet.js')]);
  const micNode = new AudioWorkletNode(context, 'mic-frames', { numberOfOutputs: 0, processorOptions: { sampleRate: WIRE_RATE } });
  const player = new AudioWorkletNode(context, 'player', { numberOfInputs: 0, outputChannelCount: [1], processorOptions: { sampleRate: WIRE_RATE } });
  mic.connect(micNode);
  player.connect(context.destination);
  micNode.port.onmessage = ({ data }) => {
    if (data instanceof ArrayBuffer) return sendFrame(data);
    if (data.level !== undefined) ui.level.value = data.level;
  };
  player.port.onmessage = ({ data }) => {
    if (data.mark === undefined || call?.ws.readyState !== WebSocket.OPEN) return;
    call.ws.send(JSON.stringify({ event: 'mark', streamSid: call.streamSid, mark: { name: data.mark } }));
    document.body.dataset.marks = String(Number(document.body.dataset.marks || 0) + 1); // audio played, for tests
  };
  await context.resume();
  audio = { context, stream, player };
  return audio;
}

let chunk = 0;
function sendFrame(buffer) {
  if (!call?.live || call.ws.readyState !== WebSocket.OPEN) return;
  call.ws.send(JSON.stringify({ event: 'media', streamSid: call.streamSid, media: { chunk: ++chunk, timestamp: chunk * 20, payload: toBase64(buffer) } }));
}

// ------------------------------------------------------------------ the call

async function connect(start) {
  await startAudio();
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(`${scheme}//${location.host}/media/browser`);
  const streamSid = 'MS' + hex(16);
  call = { ws, streamSid, callSid: start.callSid, live: false };
  document.body.dataset.callSid = start.callSid; // for tests and for finding the call (inbound-browser-<CallSid>)
  inCall(true);
  setStatus('Connecting…');
  ws.onopen = () => {
    ws.send(JSON.stringify({ event: 'connected' }));
    ws.send(JSON.stringify({
      event: 'start', streamSid,
      start: { streamSid, callSid: start.callSid, customParameters: start.customParameters || {}, from: start.from, to: start.to, mediaFormat: { encoding: 'audio/l16', sampleRate: WIRE_RATE, channels: 1 } },
    }));
    call.live = true;
    setStatus('In call. Speak, or use the keypad.');
    note(`Call ${start.callSid} connected.`);
  };
  ws.onmessage = ({ data }) => onServerFrame(JSON.parse(data));
  ws.onclose = (event) => {
    if (call?.ws !== ws) return;
    call = undefined;
    audio?.player.port.postMessage({ clear: true });
    inCall(false);
    setStatus(event.code === 1000 ? 'Call ended.' : `Call ended (${event.code}${event.reason ? `: ${event.reason}` : ''}).`);
    note('Call ended.');
    document.body.dataset.ended = String(Number(document.body.dataset.ended || 0) + 1);
  };
}

function onServerFrame(frame) {
  switch (frame.event) {
    case 'media': return audio.player.port.postMessage({ pcm: fromBase64(frame.media.payload) });
    case 'mark': return audio.player.port.postMessage({ mark: frame.mark.name });
    case 'clear':
      document.body.dataset.cleared = String(Number(document.body.dataset.cleared || 0) + 1); // barge-ins, for tests
      return audio.player.port.postMessage({ clear: true });
    case 'transcript': return addLine(frame.transcript.speaker, frame.transcript.speaker === 'bot' ? 'Bot' : 'You', frame.transcript.text);
  }
}

function dial(to) {
  const from = ui.myNumber.value.trim();
  note(`Calling ${to}…`);
  return connect({ callSid: newCallSid(), from, to }).catch((err) => {
    setStatus(`Could not call: ${err.message}`);
    inCall(false);
  });
}

function hangUp() {
  if (!call) return;
  const { ws, streamSid } = call;
  if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ event: 'stop', streamSid, stop: { reason: 'hangup' } }));
  ws.close(1000, 'caller hung up');
}

function press(key) {
  const button = ui.keypad.querySelector(`[data-key="${CSS.escape(key)}"]`);
  button?.classList.add('pressed');
  setTimeout(() => button?.classList.remove('pressed'), 150);
  if (!call?.live) return setStatus('The keypad works during a call.');
  call.ws.send(JSON.stringify({ event: 'dtmf', streamSid: call.streamSid, dtmf: { digit: key } }));
}

// ------------------------------------------------------------------ wiring

ui.myNumber.value = localStorage.getItem('simulator.number') || ui.myNumber.value;
ui.numberForm.addEventListener('submit', (event) => {
  event.preventDefault();
  register();
});
ui.dialForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const to = ui.otherNumber.value.trim() || ui.line.value;
  if (!to) return setStatus('Choose a line or type a number.');
  dial(to);
});
ui.answer.addEventListener('click', answer);
ui.decline.addEventListener('click', () => decline('busy'));
ui.hangup.addEventListener('click', hangUp);
ui.keypad.addEventListener('click', (event) => {
  const key = event.target.closest('button[data-key]')?.dataset.key;
  if (key) press(key);
});
document.addEventListener('keydown', (event) => {
  if (event.target.closest('input, select, textarea') || event.ctrlKey || event.metaKey || event.altKey) return;
  if (/^[0-9*#]$/.test(event.key) && call?.live) press(event.key);
});

loadLines().catch((err) => setStatus(`Could not load lines: ${err.message}`));
register();
inCall(false);
