// An operator hands an Exotel call to a person from Temporal's side rather than through our API: the
// `handoff` signal (handoffSignal in workflows/messages.ts) with a JSON input, sent here with the
// Temporal CLI the way the Web UI's "Send a Signal" sends it (signal name and plain JSON, no SDK
// types). A signal has no answer, so one the lifecycle refuses (no reason, a second handoff) is
// kept in the journal and changes nothing. The handed-off questionnaire says its hand-over line,
// closes the Voicebot stream, and the flow takes the call to the agent.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { findTemporalBinary } from '../scripts/temporal';
import { inboundCallId } from '../workflows/messages';
import { ExotelHandoffFlow } from './fakes/exotel-handoff-flow';
import { StreamCaller } from './fakes/stream-caller';
import { eventually, STREAM_PASSWORD, WEBHOOK_SECRET } from './harness';
import { useHandoffHarness } from './support/handoff-harness';
import { speak } from './speech';

const LINE = '+918047112333';
const AGENT = '+919800000333';
const DESK_SECRET = 'test-agent-desk-secret-signal';
const env: Record<string, string> = {
  INBOUND_ROUTES: JSON.stringify({ [LINE]: { bot: 'questionnaire', language: 'en' } }),
  HANDOFF_AGENT: AGENT,
  HANDOFF_WRAP_UP_SECONDS: '60',
};
const { h, db, desk } = useHandoffHarness(env, DESK_SECRET);

const exotelAuth = { Authorization: 'Basic ' + Buffer.from(`exotel:${STREAM_PASSWORD}`).toString('base64') };

/** The `handoff` signal with a JSON input, as the Web UI (or the CLI) sends it. */
async function signalHandoff(callId: string, input: Record<string, unknown>): Promise<void> {
  const binary = findTemporalBinary();
  assert.ok(binary, 'the Temporal CLI (TEMPORAL_BINARY)');
  await promisify(execFile)(binary, ['workflow', 'signal', '--address', h.temporal.address, '--namespace', 'default', '--workflow-id', callId, '--name', 'handoff', '--input', JSON.stringify(input)]);
}

async function lifecycleOf(callId: string) {
  return (await h.api('GET', `/api/nerve/calls/${callId}`)).body.lifecycle;
}

async function say(caller: StreamCaller, text: string) {
  h.speechHost.enqueueTranscript(text, { language: 'en' });
  caller.speak(await speak(text, 'en'));
  caller.silence(900);
}

describe('an operator hands off an Exotel call through the Temporal signal', () => {
  test('a signal without a reason changes nothing; the operator\'s signal hands off: hand-over line, the flow to the agent, disposition, ESCALATED, one report', async () => {
    const callSid = randomBytes(16).toString('hex');
    const callId = inboundCallId('exotel', callSid);
    const caller = await StreamCaller.open(`${h.gatewayUrl.replace(/^http/, 'ws')}/media/exotel`, 'exotel', exotelAuth);
    caller.start(callSid, {}, 8000, { from: '+919812349301', to: LINE });
    await caller.heardPrompt();
    await say(caller, 'Yes, I am.');
    await caller.heardPrompt(); // question 2

    await signalHandoff(callId, { actor: 'operator:ui', requestedBy: 'operator:meera' }); // no reason
    await sleep(1500);
    assert.equal((await lifecycleOf(callId)).state, 'ACTIVE', 'a refused signal changes nothing');
    assert.equal(caller.closed, undefined, 'the caller is still with the bot');
    assert.equal(desk.deliveriesFor(callId).length, 0);

    await signalHandoff(callId, { actor: 'operator:ui', reason: 'supervisor takes over', requestedBy: 'operator:meera' });
    await caller.waitFor(() => caller.closed !== undefined, 30_000, 'the hand-over line and the stream closing');
    assert.equal(caller.closed!.code, 1000);
    const [delivery] = await eventually(() => (desk.deliveriesFor(callId).length ? desk.deliveriesFor(callId) : undefined), 15_000, 'the desk webhook');
    assert.equal(delivery.validSignature, true);
    assert.deepEqual([delivery.body.call_type, delivery.body.reason, delivery.body.requested_by], ['questionnaire', 'supervisor takes over', 'operator:meera']);
    await signalHandoff(callId, { actor: 'operator:ui', reason: 'clicked twice', requestedBy: 'operator:meera' }); // already handed off

    const trace = await new ExotelHandoffFlow(`${h.gatewayUrl}/webhooks/exotel/${WEBHOOK_SECRET}`).afterStream({ callSid, from: '09812349301', to: '08047112333' }, 'answers');
    assert.deepEqual([trace.streamEnded, trace.toAgent, trace.connect?.status], [302, 200, 200]);
    assert.deepEqual(trace.dialled, [AGENT]);
    assert.equal(trace.agentHeard, delivery.body.summary, 'the agent hears the summary the desk got');
    assert.equal(trace.agentDial!.status, 302);

    const disposition = await h.api('POST', `/api/nerve/calls/${callId}/disposition`, { outcome: 'resolved_by_agent', agent_id: 'meera' });
    assert.equal(disposition.status, 200, JSON.stringify(disposition.body));
    const result = await h.result(callId);
    assert.equal(result.outcome, 'ESCALATED');
    const reports = h.jupiter.reportsFor(callId);
    assert.equal(reports.length, 1);
    assert.deepEqual(reports[0].body.answers.map((a: any) => a.answer), ['yes'], 'the script stopped asking at the handoff');
    assert.deepEqual([reports[0].body.handoff.reason, reports[0].body.handoff.requested_by, reports[0].body.handoff.agent_status], ['supervisor takes over', 'operator:meera', 'completed']);
    assert.deepEqual(reports[0].body.handoff.disposition, { outcome: 'resolved_by_agent', agentId: 'meera' });
    assert.equal(desk.deliveriesFor(callId).length, 1, 'the context reached the desk once');
    const lifecycle = await lifecycleOf(callId);
    assert.deepEqual(lifecycle.history.map((t: any) => [t.to, t.actor, t.reason ?? null]), [
      ['ACTIVE', 'orchestrator', null],
      ['HANDED_OFF', 'operator:ui', 'supervisor takes over'],
      ['ENDED', 'agent:meera', 'disposition: resolved_by_agent'],
    ]);
    const refused = await db.pg.query("SELECT data FROM call_events WHERE call_id = $1 AND kind = 'handoff_refused' ORDER BY id", [callId]);
    assert.deepEqual(refused.rows.map((r) => r.data.reason ?? null), [null, 'clicked twice'], 'both refused signals are in the audit log');
  });
});
