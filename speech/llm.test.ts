// The LLM turn client against a loopback fake GPU host.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { resetConfig } from '../lib/config';
import { FakeSpeechHost } from '../test/fakes/speech-host';
import { withEnv } from '../test/support/env';

// Settings the client reads; the URL is filled in once the fake host has a port.
process.env.LLM_MODEL = 'test-llm';
process.env.LLM_API_KEY = 'sk-test';
process.env.LLM_TIMEOUT_SECONDS = '5';

const host = new FakeSpeechHost();
let llm: typeof import('./llm');

before(async () => {
  process.env.LLM_URL = await host.start();
  resetConfig();
  llm = await import('./llm');
});
after(() => host.stop());

describe('chatTurn', () => {
  const input = {
    system: 'You confirm restaurant orders.',
    history: [
      { role: 'assistant' as const, content: 'Can you prepare order 42?' },
      { role: 'user' as const, content: 'haan, 20 minute lagenge' },
    ],
    fields: ['accepted', 'prep_time_minutes'],
  };

  function failure(type: string, nonRetryable: boolean) {
    return (err: unknown) => err instanceof ApplicationFailure && err.type === type && err.nonRetryable === nonRetryable;
  }

  test('parses a good reply and sends the expected request', async () => {
    host.enqueueReply({ say: 'Thank you!', collected: { accepted: 'yes', prep_time_minutes: 20, extra: 'x', reason: null }, should_end: true, escalate: false });
    const reply = await llm.chatTurn(input);
    assert.deepEqual(reply, { say: 'Thank you!', collected: { accepted: 'yes', prep_time_minutes: '20' }, should_end: true, escalate: false });

    const { body, authorization } = host.chats.at(-1)!;
    assert.equal(authorization, 'Bearer sk-test');
    assert.equal(body.model, 'test-llm');
    assert.equal(body.temperature, 0.2);
    assert.deepEqual(body.response_format, { type: 'json_object' });
    assert.equal(body.messages.length, 3);
    assert.equal(body.messages[0].role, 'system');
    assert.match(body.messages[0].content, /^You confirm restaurant orders\./);
    assert.match(body.messages[0].content, /JSON.*"prep_time_minutes"/s);
    assert.deepEqual(body.messages.slice(1), input.history);
  });

  test('repairs once after an invalid reply', async () => {
    host.enqueueReply('Sure! Here you go: {say: oops');
    host.enqueueReply({ say: 'Okay.', collected: {}, should_end: false, escalate: false });
    const before = host.chats.length;
    const reply = await llm.chatTurn(input);
    assert.equal(reply.say, 'Okay.');
    assert.equal(host.chats.length, before + 2);
    const repair = host.chats.at(-1)!.body.messages;
    assert.deepEqual(repair.at(-2), { role: 'assistant', content: 'Sure! Here you go: {say: oops' });
    assert.equal(repair.at(-1).role, 'user');
    assert.match(repair.at(-1).content, /JSON/);
  });

  test('fails non-retryably with LlmBadReply after two bad replies', async () => {
    host.enqueueReply({ say: 'hi', should_end: 'no', escalate: false }); // wrong type
    host.enqueueReply('still not json');
    await assert.rejects(llm.chatTurn(input), failure('LlmBadReply', true));
  });

  test('maps HTTP failures and missing configuration', async () => {
    host.failNext(500);
    await assert.rejects(llm.chatTurn(input), failure('LlmUnavailable', false));
    host.failNext(429);
    await assert.rejects(llm.chatTurn(input), failure('LlmUnavailable', false));
    host.failNext(400);
    await assert.rejects(llm.chatTurn(input), failure('LlmRejected', true));
    await withEnv({ LLM_URL: 'http://127.0.0.1:1' }, () => assert.rejects(llm.chatTurn(input), failure('LlmUnavailable', false)));
    await withEnv({ LLM_URL: undefined }, () => assert.rejects(llm.chatTurn(input), failure('LlmNotConfigured', true)));
  });

  test('no API key: no Authorization header', async () => {
    await withEnv({ LLM_API_KEY: undefined }, async () => {
      host.enqueueReply({ say: 'Hello', collected: {}, should_end: false, escalate: false });
      await llm.chatTurn(input);
      assert.equal(host.chats.at(-1)!.authorization, undefined);
    });
  });
});
