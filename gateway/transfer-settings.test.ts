// Which calls carry a way to a person, and how: keypad calls get the person key and, like the voice
// bots, HANDOFF_NO_AGENT for when nobody answers; the voice bots' settings keep their shape.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../lib/config';
import { withTransfer } from './transfer-settings';

const config = loadConfig({ NERVE_ENV: 'test', HANDOFF_AGENT: '+919800000555', HANDOFF_NO_AGENT: 'bot' });

test('no HANDOFF_AGENT: no handoff path for any call', () => {
  const none = loadConfig({ NERVE_ENV: 'test' });
  assert.deepEqual(withTransfer(none, 'twilio', { promptedBot: true, keypad: 'ivr' }), {});
});

test('a keypad call over an IVR flow: the person key, back to the menu when nobody answers (HANDOFF_NO_AGENT=bot), the flow on Exotel', () => {
  const twilio = withTransfer(config, 'twilio', { promptedBot: true, keypad: 'ivr' }).handoff!;
  assert.deepEqual([twilio.handoffKey, twilio.noAgent, twilio.via], ['9', 'bot', undefined]);
  const exotel = withTransfer(config, 'exotel', { promptedBot: true, keypad: 'ivr' }).handoff!;
  assert.deepEqual([exotel.handoffKey, exotel.noAgent, exotel.via], ['9', 'bot', 'flow']);
  const voicemail = withTransfer(loadConfig({ NERVE_ENV: 'test', HANDOFF_AGENT: '+919800000555', HANDOFF_NO_AGENT: 'voicemail' }), 'twilio', { keypad: 'ivr' }).handoff!;
  assert.equal(voicemail.noAgent, 'voicemail');
  const stream = withTransfer(config, 'twilio', { promptedBot: true, keypad: 'voicebot' }).handoff!;
  assert.equal(stream.noAgent, 'bot', 'over a media stream the caller can come back to the bot');
  assert.equal(withTransfer(loadConfig({ NERVE_ENV: 'test', HANDOFF_AGENT: '+919800000555', HANDOFF_KEY: '' }), 'twilio', { keypad: 'ivr' }).handoff!.handoffKey, undefined);
});

test('the voice bots carry no person key (their inputs keep the shape their histories recorded)', () => {
  const bot = withTransfer(config, 'twilio', { promptedBot: true }).handoff!;
  assert.equal('handoffKey' in bot, false);
  assert.equal(bot.noAgent, 'bot');
});
