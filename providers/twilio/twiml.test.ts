import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agentDialTwiml, whisperTwiml } from './twiml';

const urls = { whisperUrl: 'https://h/webhooks/twilio/agent-whisper?callId=a&b=1', actionUrl: 'https://h/webhooks/twilio/agent-dial?callId=a', statusUrl: 'https://h/webhooks/twilio/agent-status?callId=a' };

test('a warm transfer dials the agent with the whisper on the agent leg and the dial action for how it ended', () => {
  assert.equal(
    agentDialTwiml({ agent: '+919800000999', ringSeconds: 20, ...urls }),
    '<?xml version="1.0" encoding="UTF-8"?><Response><Dial action="https://h/webhooks/twilio/agent-dial?callId=a" method="POST" timeout="20">' +
      '<Number url="https://h/webhooks/twilio/agent-whisper?callId=a&amp;b=1" method="POST" statusCallback="https://h/webhooks/twilio/agent-status?callId=a" ' +
      'statusCallbackEvent="answered completed" statusCallbackMethod="POST">+919800000999</Number></Dial></Response>',
  );
});

test('a SIP agent is dialled with <Sip>; a ring time under Twilio\'s minimum is raised to 5 s', () => {
  const twiml = agentDialTwiml({ agent: 'sip:desk@pbx.example.com', ringSeconds: 1, ...urls });
  assert.match(twiml, /<Sip url="[^"]+" [^>]*>sip:desk@pbx\.example\.com<\/Sip>/);
  assert.match(twiml, /timeout="5"/);
});

test('a keypad caller handed off in the answer to a <Gather> hears the hand-over line, then the same <Dial>', () => {
  const dial = agentDialTwiml({ agent: '+919800000999', ringSeconds: 20, ...urls });
  const answer = agentDialTwiml({ agent: '+919800000999', ringSeconds: 20, ...urls }, { id: 'handover', text: 'Please hold.', audioUrl: 'https://h/tts/abc.wav' });
  assert.equal(answer, dial.replace('<Response>', '<Response><Play>https://h/tts/abc.wav</Play>'));
});

test('the whisper says the summary, escaped', () => {
  assert.equal(whisperTwiml('Caller <Asha> wants a refund & a call'), '<?xml version="1.0" encoding="UTF-8"?><Response><Say language="en-IN">Caller &lt;Asha&gt; wants a refund &amp; a call</Say></Response>');
});
