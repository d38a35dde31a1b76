// Warm handoff of the keypad IVR calls (vendor order confirmation, rider assignment). Over
// Twilio the vendor presses the person key the menu offers: the <Gather> action is answered with
// the hand-over line and the same <Dial> (whisper URL, agent-leg callbacks) as a transfer of a
// voice bot; the agent answers, the disposition closes the call and Jupiter hears once. Three
// wrong keys hand off by the misunderstanding rule, nobody answers and (HANDOFF_NO_AGENT=bot) the
// <Dial action> is answered with the menu's <Gather> again: the rider accepts (a vendor who presses
// 9 again there is promised a call back instead: ESCALATED, nobody dialled twice). An operator's
// handoff moves the call by REST. Over Exotel's IVR flow an operator hands a call off: the next
// Passthru answers 302 with the hand-over line, the flow takes the "to agent" branch to the Connect
// applet, nobody answers, the Passthru after it answers 200 and the flow's Greeting plays the menu
// again: the vendor accepts. A vendor who presses 9 on the reason menu reaches an agent the same way
// and the rejection stands. The agent desk gets the context (the order, the keys pressed) once.
// A vendor who hangs up while the agent rings is owed a call back (ESCALATED), not sent to the menu.
// The keypad questionnaire on an inbound IVR line offers the person key too, comes back to its
// question the same way over Twilio, and reaches the agent through Exotel's flow; a vendor call over a Twilio media stream (mode voicebot) handed off by the
// key gets a new <Connect><Stream> when nobody answers, and the menu again on it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { twilioSignature } from '../providers/twilio/signature';
import { inboundCallId } from '../workflows/messages';
import { ExotelHandoffFlow } from './fakes/exotel-handoff-flow';
import { StreamCaller } from './fakes/stream-caller';
import { eventually, startVendorCall, vendorOrder, WEBHOOK_SECRET } from './harness';
import { useHandoffHarness } from './support/handoff-harness';

const AGENT = '+919800000555';
const DESK_SECRET = 'test-agent-desk-secret-ivr';
const VOICEMAIL = 'Sorry, our team is busy. We will call you back.';
const OFFER = 'Or press 9 to speak to a person.';
const HANDOVER = 'Please hold, I am connecting you to a colleague.';
/** Our keypad questionnaire lines: on Twilio, and an ExoPhone (its flow's requests write it in the local form). */
const IVR_LINE = '+14155550177';
const EXOPHONE = '08047112255';
const env: Record<string, string> = {
  INBOUND_ROUTES: JSON.stringify({ [IVR_LINE]: { bot: 'questionnaire', language: 'en', mode: 'ivr' }, '+918047112255': { bot: 'questionnaire', language: 'en', mode: 'ivr' } }),
  HANDOFF_AGENT: AGENT,
  HANDOFF_RING_SECONDS: '25',
  // Nobody answers: the caller goes back to the menu they left.
  HANDOFF_NO_AGENT: 'bot',
  HANDOFF_VOICEMAIL_TEXT: VOICEMAIL,
  HANDOFF_WRAP_UP_SECONDS: '60',
};
const { h, db, desk } = useHandoffHarness(env, DESK_SECRET);

const callState = async (callId: string) => (await h.api('GET', `/api/nerve/calls/${callId}`)).body;

const riderJob = (orderId: string) => ({
  order_id: orderId, rider_id: `RD-${orderId}`, rider_phone: `+9199${orderId.replace(/\D/g, '').padStart(8, '0')}`, rider_name: 'Ravi',
  restaurant_name: 'Sharma Dhaba', restaurant_address: 'MG Road', pickup_time_minutes: 15, language: 'en',
});

async function startOverTwilio(route: 'vendor-order-confirmation' | 'rider-assignment', body: Record<string, unknown>) {
  const started = await h.api('POST', `/api/nerve/${route}`, { ...body, provider: 'twilio' });
  assert.equal(started.status, 202, JSON.stringify(started.body));
  const callId = started.body.call_id as string;
  const { callSid } = await h.twilio.waitForCall(callId);
  return { callId, callSid };
}

describe('keypad calls over Twilio (<Gather>)', () => {
  test('the vendor presses 9: the hand-over line and <Dial> answer the <Gather>, the agent hears the summary, takes the call; one ESCALATED report', async () => {
    const order = vendorOrder('IH1001');
    const { callId, callSid } = await startOverTwilio('vendor-order-confirmation', order);
    const greeting = await h.twilio.answerIvr(callSid);
    assert.ok(greeting.gather, greeting.twiml);
    assert.ok((await callState(callId)).prompt.text.endsWith(`Press 1 to accept, or 0 to reject. ${OFFER}`), 'the menu offers the person key');

    const wrong = await h.twilio.press(callSid, '7');
    assert.ok(wrong.gather, 'a wrong key is asked again, as before');
    assert.ok((await callState(callId)).prompt.text.endsWith(OFFER), 'the retry offers it too');
    const pressed = await h.twilio.press(callSid, '9');
    assert.equal(pressed.status, 200, pressed.twiml);
    assert.equal(pressed.gather, undefined);
    assert.equal(pressed.hungUp, false);
    assert.equal(pressed.heard.length, 1, pressed.twiml);
    const dial = pressed.dial!;
    assert.ok(dial, pressed.twiml);
    assert.deepEqual([dial.target.noun, dial.target.value, dial.attrs.timeout], ['Number', AGENT, '25']);
    const whisperUrl = new URL(dial.target.attrs.url);
    assert.deepEqual([whisperUrl.pathname, whisperUrl.searchParams.get('callId')], ['/webhooks/twilio/agent-whisper', callId]);
    assert.equal(new URL(dial.attrs.action).pathname, '/webhooks/twilio/agent-dial');
    assert.equal(new URL(dial.target.attrs.statusCallback).pathname, '/webhooks/twilio/agent-status');
    assert.equal(dial.target.attrs.statusCallbackEvent, 'answered completed');
    assert.equal(h.twilio.updates.filter((u) => u.callSid === callSid).length, 0, 'the <Gather> answer moved the call, no REST update');
    assert.equal((await callState(callId)).prompt.text, HANDOVER);

    // The desk has the order and what was pressed before the agent picks up.
    const [delivery] = await eventually(() => (desk.deliveriesFor(callId).length ? desk.deliveriesFor(callId) : undefined), 15_000, 'the desk webhook');
    assert.equal(delivery.validSignature, true);
    assert.deepEqual([delivery.body.call_type, delivery.body.reason, delivery.body.requested_by], ['vendor-order-confirmation', 'caller_asked_for_person', 'caller']);
    assert.deepEqual(
      [delivery.body.entities.order_id, delivery.body.entities.vendor, delivery.body.entities.keys_pressed],
      [order.order_id, order.vendor_name, 'summary 7, summary 9'],
    );
    assert.match(delivery.body.summary, /order_id = IH1001/);

    const whisper = await h.twilio.agentAnswers(callSid);
    assert.deepEqual(whisper.map((v) => [v.verb, (v as { value?: string }).value]), [['Say', delivery.body.summary]]);
    await eventually(async () => (await callState(callId)).lifecycle.handoff?.agent?.status === 'answered', 10_000, 'the agent leg answered');
    const after = await h.twilio.dialEnds(callSid, 'completed');
    assert.equal(after.status, 200, after.twiml);
    assert.equal(after.hungUp, true);

    const disposition = await h.api('POST', `/api/nerve/calls/${callId}/disposition`, { outcome: 'accepted_45_minutes', notes: 'vendor confirmed by phone', agent_id: 'priya' });
    assert.equal(disposition.status, 200, JSON.stringify(disposition.body));
    const result = await h.result(callId);
    assert.equal(result.outcome, 'ESCALATED');
    const reports = h.jupiter.reportsFor(order.order_id);
    assert.equal(reports.length, 1, 'Jupiter heard once');
    const report = reports[0].body;
    assert.deepEqual([report.status, report.order_id, report.vendor_id, report.prep_time_minutes, report.rejection_reason], ['ESCALATED', order.order_id, order.vendor_id, null, null]);
    assert.deepEqual(report.digits, [], 'no menu answer was taken');
    assert.deepEqual(
      { ...report.handoff, at: undefined },
      { reason: 'caller_asked_for_person', requested_by: 'caller', at: undefined, agent_status: 'completed', disposition: { outcome: 'accepted_45_minutes', notes: 'vendor confirmed by phone', agentId: 'priya' } },
    );
    assert.equal(h.jupiter.orderUpdates.filter((u) => u.orderId === order.order_id).length, 0, 'the order is left to what the agent agreed');
    assert.equal(desk.deliveriesFor(callId).length, 1, 'the context reached the desk once');
    const { lifecycle } = await callState(callId);
    assert.deepEqual(lifecycle.history.map((t: any) => [t.to, t.actor]), [['ACTIVE', 'orchestrator'], ['HANDED_OFF', 'caller'], ['ENDED', 'agent:priya']]);
    const semantic = (await db.pg.query('SELECT type, data FROM call_semantic_events WHERE call_id = $1 ORDER BY seq', [callId])).rows;
    assert.deepEqual(semantic, [{ type: 'misunderstanding', data: { question: 'summary', digits: '7' } }]);
  });

  test('a rider keeps pressing a wrong key: the misunderstanding rule hands off; nobody answers: the menu again, the rider accepts', async () => {
    const job = riderJob('IH1002');
    const { callId, callSid } = await startOverTwilio('rider-assignment', job);
    await h.twilio.answerIvr(callSid);
    // Three tries a question (CALL_MAX_REPROMPTS 2) and HANDOFF_MISUNDERSTANDING_LIMIT 3: only three wrong keys hand off.
    assert.ok((await h.twilio.press(callSid, '5')).gather);
    assert.ok((await h.twilio.press(callSid, '6')).gather);
    const third = await h.twilio.press(callSid, '8');
    assert.ok(third.dial, `the third wrong key in a row hands off: ${third.twiml}`);
    const missed = await h.twilio.dialEnds(callSid, 'no-answer');
    assert.equal(missed.status, 200, missed.twiml);
    assert.ok(missed.gather, `the <Dial action> is answered with the menu's <Gather>: ${missed.twiml}`);
    assert.equal(missed.hungUp, false);
    const again = (await callState(callId)).prompt;
    assert.equal(again.id, 'summary', 'the question the handoff interrupted is asked again');
    assert.equal(new URL(missed.gather!.attrs.action).searchParams.get('seq'), String(again.seq), 'its <Gather> answers the prompt asked again');
    assert.ok(!missed.heard.some((s) => s.value === VOICEMAIL), 'no voicemail message');
    await eventually(async () => (await callState(callId)).awaitingInput, 10_000, 'the menu waiting for keys');

    const accepted = await h.twilio.press(callSid, '1');
    assert.equal(accepted.hungUp, true, accepted.twiml);
    const result = await h.result(callId);
    assert.equal(result.outcome, 'ACCEPTED');
    const reports = h.jupiter.reportsFor(job.order_id, 'rider-assignment');
    assert.equal(reports.length, 1, 'Jupiter heard once');
    const report = reports[0].body;
    assert.deepEqual([report.status, report.digits], ['ACCEPTED', ['1']]);
    assert.deepEqual([report.handoff.reason, report.handoff.requested_by, report.handoff.agent_status, report.handoff.disposition], ['repeated_misunderstanding', 'rules', 'no-answer', null]);
    assert.deepEqual(h.jupiter.orderUpdates.filter((u) => u.orderId === job.order_id).map((u) => u.body.status), ['RIDER_ASSIGNED']);
    const { lifecycle } = await callState(callId);
    assert.deepEqual(lifecycle.history.map((t: any) => t.to), ['ACTIVE', 'HANDED_OFF', 'ENDED']);
    assert.equal((await eventually(() => desk.deliveriesFor(callId), 15_000, 'the desk webhook')).length, 1);
  });

  test('back at the menu after nobody answered, the vendor presses 9 again: the call back is promised, ESCALATED; one dial, one report', async () => {
    const order = vendorOrder('IH1004');
    const { callId, callSid } = await startOverTwilio('vendor-order-confirmation', order);
    await h.twilio.answerIvr(callSid);
    assert.ok((await h.twilio.press(callSid, '9')).dial);
    const back = await h.twilio.dialEnds(callSid, 'no-answer');
    assert.ok(back.gather, back.twiml);
    const again = await h.twilio.press(callSid, '9');
    assert.equal(again.dial, undefined, 'a handoff happens once: nobody is dialled again');
    const closing = (await callState(callId)).prompt;
    assert.deepEqual([closing.id, closing.text], ['no_agent', VOICEMAIL], 'the voicemail words promise the call back');
    assert.deepEqual(again.heard.map((s) => s.value), [closing.audioUrl ?? closing.text]);
    assert.equal(again.hungUp, true, again.twiml);

    const result = await h.result(callId);
    assert.equal(result.outcome, 'ESCALATED');
    const reports = h.jupiter.reportsFor(order.order_id);
    assert.equal(reports.length, 1, 'Jupiter heard once');
    assert.deepEqual([reports[0].body.handoff.reason, reports[0].body.handoff.agent_status], ['caller_asked_for_person', 'no-answer']);
    assert.equal(h.jupiter.orderUpdates.filter((u) => u.orderId === order.order_id).length, 0);
    assert.equal((await eventually(() => desk.deliveriesFor(callId), 15_000, 'the desk webhook')).length, 1);
  });

  test('an operator hands a rider off while the <Gather> waits: the REST update moves the call to the hand-over line and the same <Dial>', async () => {
    const job = riderJob('IH1003');
    const { callId, callSid } = await startOverTwilio('rider-assignment', job);
    assert.ok((await h.twilio.answerIvr(callSid)).gather);
    const handoff = await h.api('POST', `/api/nerve/calls/${callId}/handoff/request`, { reason: 'rider called support', requested_by: 'operator:meera' });
    assert.equal(handoff.status, 200, JSON.stringify(handoff.body));
    const update = await h.twilio.waitForUpdate(callSid, (u) => u.verbs.some((v) => v.verb === 'Dial'), 20_000);
    assert.deepEqual(update.verbs.map((v) => v.verb), ['Play', 'Dial'], 'the hand-over line, then the agent');
    const dial = h.twilio.dialOf(callSid);
    assert.deepEqual([dial.target.value, new URL(dial.target.attrs.url).pathname, new URL(dial.target.attrs.url).searchParams.get('callId')], [AGENT, '/webhooks/twilio/agent-whisper', callId]);

    const [delivery] = await eventually(() => (desk.deliveriesFor(callId).length ? desk.deliveriesFor(callId) : undefined), 15_000, 'the desk webhook');
    assert.deepEqual([delivery.body.entities.order_id, delivery.body.entities.rider, delivery.body.requested_by], [job.order_id, job.rider_name, 'operator:meera']);
    await h.twilio.agentAnswers(callSid);
    assert.equal((await h.twilio.dialEnds(callSid, 'completed')).hungUp, true);
    assert.equal((await h.api('POST', `/api/nerve/calls/${callId}/disposition`, { outcome: 'rider_reassigned' })).status, 200);
    assert.equal((await h.result(callId)).outcome, 'ESCALATED');
    const reports = h.jupiter.reportsFor(job.order_id, 'rider-assignment');
    assert.equal(reports.length, 1);
    assert.deepEqual([reports[0].body.rider_id, reports[0].body.handoff.requested_by, reports[0].body.handoff.agent_status], [job.rider_id, 'operator:meera', 'completed']);
    assert.equal(desk.deliveriesFor(callId).length, 1);
  });
});

describe("keypad calls over Exotel's IVR flow", () => {
  test('an operator hands a vendor call off: the next Passthru answers 302 with the hand-over line, the flow reaches the Connect applet, nobody answers, back to the menu', async () => {
    const { order, callId, callSid, connect } = await startVendorCall(h, 'IH2001');
    assert.ok((await h.exotel.answer(callSid)).length > 0);
    assert.ok((await callState(callId)).prompt.text.endsWith(OFFER));
    const handoff = await h.api('POST', `/api/nerve/calls/${callId}/handoff/request`, { reason: 'vendor disputes the order', requested_by: 'operator:ravi' });
    assert.equal(handoff.status, 200, JSON.stringify(handoff.body));
    assert.equal(handoff.body.state, 'HANDED_OFF');
    await eventually(() => desk.deliveriesFor(callId).length > 0, 15_000, 'the desk webhook');

    // The Gather was waiting: it times out (or takes a key) and the Passthru asks what next.
    const passthru = await h.exotel.press(callSid, '');
    assert.equal(passthru.status, 302, 'the closing branch, on to the "to agent" Passthru');
    assert.deepEqual([passthru.body.prompt, passthru.body.hangup], ['handover', true]);
    assert.ok(passthru.prompt, 'the closing Greeting has the hand-over line to play');
    const flow = new ExotelHandoffFlow(`${h.gatewayUrl}/webhooks/exotel/${WEBHOOK_SECRET}`);
    const parties = { callSid, from: connect.form.From, to: connect.form.CallerId };
    const trace = await flow.afterClosingGreeting(parties, 'no-answer');
    assert.deepEqual([trace.toAgent, trace.connect?.status], [200, 200], JSON.stringify(trace.connect?.body));
    assert.ok(trace.connect!.answer, `a Connect answer Exotel can read: ${JSON.stringify(trace.connect!.body)}`);
    assert.deepEqual(trace.dialled, [AGENT]);
    assert.equal(trace.connect!.answer!.max_ringing_duration, 25);
    assert.equal(trace.connect!.answer!.start_call_playback?.value, desk.deliveriesFor(callId)[0].body.summary.slice(0, 400));
    assert.deepEqual([trace.agentDial!.status, trace.agentDial!.body.next, trace.end], [200, 'bot', 'greeting'], 'back to the IVR flow, not the voicemail Greeting');
    assert.equal(trace.voicemail, undefined);

    // The flow's first Greeting plays the menu the handoff interrupted, and its Gather takes keys again.
    const menu = await h.exotel.fetchPrompt(callSid);
    const again = (await callState(callId)).prompt;
    assert.equal(again.id, 'summary', 'the question the handoff interrupted is asked again');
    assert.equal(menu, again.audioUrl ?? again.text, 'the Greeting reads it');
    const accepted = await h.exotel.press(callSid, '1');
    assert.deepEqual([accepted.status, accepted.body.prompt], [200, 'prep_time']);
    const prep = await h.exotel.press(callSid, '2');
    assert.deepEqual([prep.status, prep.body.prompt], [302, 'accepted']);
    const closing = await flow.afterClosingGreeting(parties, 'no-answer');
    assert.equal(closing.toAgent, 302, 'after the goodbye the "to agent" Passthru hangs up: nobody is dialled twice');
    await h.exotel.hangUp(callSid);

    const result = await h.result(callId);
    assert.deepEqual([result.outcome, result.prepTimeMinutes], ['ACCEPTED', 30]);
    const reports = h.jupiter.reportsFor(order.order_id);
    assert.equal(reports.length, 1);
    assert.deepEqual(
      [reports[0].body.status, reports[0].body.handoff.reason, reports[0].body.handoff.requested_by, reports[0].body.handoff.agent_status, reports[0].body.handoff.disposition],
      ['ACCEPTED', 'vendor disputes the order', 'operator:ravi', 'no-answer', null],
    );
    assert.deepEqual(h.jupiter.orderUpdates.filter((u) => u.orderId === order.order_id).map((u) => u.body.status), ['VENDOR_ACCEPTED']);
    const [delivery, ...more] = desk.deliveriesFor(callId);
    assert.equal(more.length, 0, 'the context reached the desk once');
    assert.deepEqual([delivery.body.entities.order_id, delivery.body.requested_by], [order.order_id, 'operator:ravi']);
    const events = (await db.pg.query("SELECT data FROM call_events WHERE call_id = $1 AND kind = 'input_while_handed_off'", [callId])).rows;
    assert.deepEqual(events.map((e) => e.data.digits), [''], 'the Passthru after the handoff is kept, not taken as an answer');
  });

  test('a vendor presses 9 on the reject reason menu: the decision stands, the Passthru answers 302 with the hand-over line, the agent takes the call', async () => {
    const { order, callId, callSid, connect } = await startVendorCall(h, 'IH2002');
    await h.exotel.answer(callSid);
    assert.equal((await h.exotel.press(callSid, '0')).status, 200, 'rejected: the reason menu follows');
    assert.ok((await callState(callId)).prompt.text.endsWith(OFFER), 'the reason menu offers the key');
    const pressed = await h.exotel.press(callSid, '9');
    assert.equal(pressed.status, 302);
    assert.deepEqual([pressed.body.prompt, pressed.body.hangup], ['handover', true]);
    const flow = new ExotelHandoffFlow(`${h.gatewayUrl}/webhooks/exotel/${WEBHOOK_SECRET}`);
    const trace = await flow.afterClosingGreeting({ callSid, from: connect.form.From, to: connect.form.CallerId }, 'answers');
    assert.deepEqual([trace.toAgent, trace.connect?.status, trace.agentDial?.status], [200, 200, 302]);
    const [delivery] = await eventually(() => (desk.deliveriesFor(callId).length ? desk.deliveriesFor(callId) : undefined), 15_000, 'the desk webhook');
    assert.equal(trace.agentHeard, delivery.body.summary);
    assert.equal(delivery.body.entities.keys_pressed, 'summary 0, reason 9');
    assert.equal(trace.voicemail, 'Thank you for calling. Goodbye.');
    assert.equal((await h.api('POST', `/api/nerve/calls/${callId}/disposition`, { outcome: 'shop_closing_early' })).status, 200);
    const result = await h.result(callId);
    assert.deepEqual([result.outcome, result.rejectionReason], ['REJECTED', 'UNSPECIFIED']);
    const [report] = h.jupiter.reportsFor(order.order_id);
    assert.deepEqual([report.body.status, report.body.handoff.agent_status, report.body.handoff.disposition.outcome], ['REJECTED', 'completed', 'shop_closing_early']);
    assert.deepEqual(h.jupiter.orderUpdates.filter((u) => u.orderId === order.order_id).map((u) => u.body.status), ['VENDOR_REJECTED']);
    assert.equal(desk.deliveriesFor(callId).length, 1);
  });
});

describe("a keypad caller who hangs up while the agent rings (Exotel's IVR flow)", () => {
  test('the Passthru after the Connect says client-hangup: 302, not back to the menu; ESCALATED for a call back, reported once', async () => {
    const { order, callId, callSid, connect } = await startVendorCall(h, 'IH2003');
    await h.exotel.answer(callSid);
    const pressed = await h.exotel.press(callSid, '9');
    assert.deepEqual([pressed.status, pressed.body.prompt], [302, 'handover']);
    const flow = new ExotelHandoffFlow(`${h.gatewayUrl}/webhooks/exotel/${WEBHOOK_SECRET}`);
    const trace = await flow.afterClosingGreeting({ callSid, from: connect.form.From, to: connect.form.CallerId }, 'caller-hangs-up');
    assert.deepEqual([trace.toAgent, trace.agentDial?.status, trace.agentDial?.body.next], [200, 302, 'hangup']);
    await h.exotel.hangUp(callSid); // Exotel's own terminal callback follows: a duplicate

    const result = await h.result(callId);
    assert.equal(result.outcome, 'ESCALATED', 'the caller asked for a person and never got one');
    const reports = h.jupiter.reportsFor(order.order_id);
    assert.equal(reports.length, 1, 'Jupiter heard once');
    assert.deepEqual([reports[0].body.handoff.reason, reports[0].body.handoff.agent_status], ['caller_asked_for_person', 'no-answer']);
    assert.equal(h.jupiter.orderUpdates.filter((u) => u.orderId === order.order_id).length, 0);
  });
});

describe('the keypad questionnaire on an inbound IVR line', () => {
  test('over Twilio: the caller presses 9 on question 2; nobody answers; question 2 again, answered to the end: ELIGIBLE with the handoff', async () => {
    const callSid = h.twilio.incomingCall({ from: '+919812347101', to: IVR_LINE, voiceUrl: `${h.gatewayUrl}/webhooks/twilio/voice`, statusCallback: `${h.gatewayUrl}/webhooks/twilio/status` });
    const callId = inboundCallId('twilio', callSid);
    const first = await h.twilio.ring(callSid);
    assert.ok(first.gather, first.twiml);
    assert.ok((await callState(callId)).prompt.text.endsWith(`Press 1 for yes, or 2 for no. ${OFFER}`), 'the question offers the person key');
    assert.ok((await h.twilio.press(callSid, '1')).gather);
    const pressed = await h.twilio.press(callSid, '9');
    assert.ok(pressed.dial, `the <Gather> is answered with the hand-over line and the <Dial>: ${pressed.twiml}`);
    assert.deepEqual([pressed.dial!.target.value, new URL(pressed.dial!.attrs.action).searchParams.get('callId')], [AGENT, callId]);
    const [delivery] = await eventually(() => (desk.deliveriesFor(callId).length ? desk.deliveriesFor(callId) : undefined), 15_000, 'the desk webhook');
    assert.deepEqual([delivery.body.call_type, delivery.body.reason, delivery.body.entities.keys_pressed], ['questionnaire', 'caller_asked_for_person', 'q1 1, q2 9']);

    const back = await h.twilio.dialEnds(callSid, 'no-answer');
    assert.ok(back.gather, `nobody answered: question 2's <Gather> again: ${back.twiml}`);
    assert.equal((await callState(callId)).prompt.id, 'q2');
    assert.ok((await h.twilio.press(callSid, '1')).gather);
    const done = await h.twilio.press(callSid, '1');
    assert.equal(done.hungUp, true, done.twiml);

    const result = await h.result(callId);
    assert.equal(result.outcome, 'ELIGIBLE');
    const reports = h.jupiter.reportsFor(callId);
    assert.equal(reports.length, 1, 'Jupiter heard once');
    assert.deepEqual(reports[0].body.answers.map((a: any) => [a.answer, a.via]), [['yes', 'keys'], ['yes', 'keys'], ['yes', 'keys']]);
    assert.deepEqual([reports[0].body.handoff.reason, reports[0].body.handoff.agent_status], ['caller_asked_for_person', 'no-answer']);
    assert.equal(desk.deliveriesFor(callId).length, 1);
  });

  test("over Exotel's IVR flow: the caller presses 9 on question 1, the flow takes the call to the agent, who takes it: ESCALATED, no answers", async () => {
    const caller = '09812347102';
    const callSid = h.exotel.incomingCall(caller, EXOPHONE);
    const callId = inboundCallId('exotel', callSid);
    await h.exotel.fetchPrompt(callSid); // the flow's first Greeting starts the call
    assert.ok((await callState(callId)).prompt.text.endsWith(OFFER), 'the question offers the person key');
    const pressed = await h.exotel.press(callSid, '9');
    assert.deepEqual([pressed.status, pressed.body.prompt, pressed.body.hangup], [302, 'handover', true]);
    const flow = new ExotelHandoffFlow(`${h.gatewayUrl}/webhooks/exotel/${WEBHOOK_SECRET}`);
    const trace = await flow.afterClosingGreeting({ callSid, from: caller, to: EXOPHONE }, 'answers');
    assert.deepEqual([trace.toAgent, trace.connect?.status, trace.agentDial?.status], [200, 200, 302], JSON.stringify(trace.connect?.body));
    assert.deepEqual(trace.dialled, [AGENT]);
    const [delivery] = await eventually(() => (desk.deliveriesFor(callId).length ? desk.deliveriesFor(callId) : undefined), 15_000, 'the desk webhook');
    assert.equal(trace.agentHeard, delivery.body.summary);
    assert.deepEqual([delivery.body.call_type, delivery.body.entities.keys_pressed], ['questionnaire', 'q1 9']);
    assert.equal(trace.voicemail, 'Thank you for calling. Goodbye.');

    assert.equal((await h.api('POST', `/api/nerve/calls/${callId}/disposition`, { outcome: 'answered_by_phone' })).status, 200);
    const result = await h.result(callId);
    assert.equal(result.outcome, 'ESCALATED');
    const reports = h.jupiter.reportsFor(callId);
    assert.equal(reports.length, 1, 'Jupiter heard once');
    assert.deepEqual([reports[0].body.caller_phone, reports[0].body.answers], ['+919812347102', []]);
    assert.deepEqual([reports[0].body.handoff.agent_status, reports[0].body.handoff.disposition.outcome], ['completed', 'answered_by_phone']);
    assert.equal(desk.deliveriesFor(callId).length, 1);
  });
});

describe('a keypad call over a media stream (mode voicebot)', () => {
  const openStream = async (callSid: string, url: string, parameters: Record<string, string>) => {
    const caller = await StreamCaller.open(url, 'twilio', { 'X-Twilio-Signature': twilioSignature('test-twilio-token', url) });
    caller.start(callSid, parameters);
    return caller;
  };

  test('a vendor over the Twilio stream presses 9: the call is moved to the agent; nobody answers: a new stream plays the menu again; the vendor accepts', async () => {
    const order = vendorOrder('IH3001');
    const started = await h.api('POST', '/api/nerve/vendor-order-confirmation', { ...order, provider: 'twilio', mode: 'voicebot' });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const callId = started.body.call_id as string;
    const { callSid } = await h.twilio.waitForCall(callId);
    const twiml = await h.twilio.fetchTwiml(callSid);
    const streamUrl = /<Stream url="([^"]+)"/.exec(twiml)?.[1];
    assert.ok(streamUrl, twiml);
    await h.twilio.sendStatus(callSid, 'in-progress');
    const caller = await openStream(callSid, streamUrl!, { callId });
    await caller.heardPrompt();
    assert.ok((await callState(callId)).prompt.text.endsWith(OFFER), 'the menu offers the person key on the stream too');
    caller.dtmf('9');

    // The stream cannot answer with a <Dial>: the live call is moved by REST, which ends the stream.
    const update = await h.twilio.waitForUpdate(callSid, (u) => u.verbs.some((v) => v.verb === 'Dial'), 20_000);
    assert.deepEqual(update.verbs.map((v) => v.verb), ['Dial']);
    caller.stop();
    assert.equal(h.twilio.dialOf(callSid).target.value, AGENT);
    const [delivery] = await eventually(() => (desk.deliveriesFor(callId).length ? desk.deliveriesFor(callId) : undefined), 15_000, 'the desk webhook');
    assert.deepEqual([delivery.body.reason, delivery.body.requested_by, delivery.body.entities.keys_pressed], ['caller_asked_for_person', 'caller', 'summary 9']);

    const back = await h.twilio.dialEnds(callSid, 'no-answer');
    assert.ok(back.stream, `nobody answered: a stream back to the bot: ${back.twiml}`);
    assert.equal(back.stream!.parameters.callId, callId);
    const again = await openStream(callSid, back.stream!.url, back.stream!.parameters);
    await again.heardPrompt();
    assert.equal((await callState(callId)).prompt.id, 'summary', 'the menu the key left, asked again');
    again.dtmf('1');
    await again.heardPrompt();
    again.dtmf('2');
    await again.waitFor(() => again.closed !== undefined, 30_000, 'the goodbye and close');

    const result = await h.result(callId);
    assert.deepEqual([result.outcome, result.prepTimeMinutes], ['ACCEPTED', 30]);
    const reports = h.jupiter.reportsFor(order.order_id);
    assert.equal(reports.length, 1, 'Jupiter heard once');
    assert.deepEqual([reports[0].body.status, reports[0].body.handoff.reason, reports[0].body.handoff.agent_status], ['ACCEPTED', 'caller_asked_for_person', 'no-answer']);
    assert.deepEqual(h.jupiter.orderUpdates.filter((u) => u.orderId === order.order_id).map((u) => u.body.status), ['VENDOR_ACCEPTED']);
    assert.equal(h.twilio.updates.filter((u) => u.callSid === callSid).length, 1, 'one transfer');
    assert.equal(desk.deliveriesFor(callId).length, 1);
  });
});
