import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agentLegOf } from './handoff-webhooks';

test("the Passthru after the Connect applet tells the agent leg by its CallType (and DialCallStatus when Exotel sends one)", () => {
  const leg = (fields: Record<string, string>) => agentLegOf({ CallSid: 'sid', ...fields });
  assert.equal(leg({ CallType: 'completed' }), 'completed', 'a conversation happened');
  assert.equal(leg({ CallType: 'incomplete' }), 'no-answer', 'no agent picked up');
  assert.equal(leg({ CallType: 'client-hangup' }), 'no-answer', 'the caller left while it rang: nobody took the call');
  assert.equal(leg({ CallType: 'incomplete', DialCallStatus: 'busy' }), 'busy');
  assert.equal(leg({ CallType: 'incomplete', DialCallStatus: 'failed' }), 'failed');
  assert.equal(leg({}), 'no-answer', 'nothing said: nobody is assumed to have answered');
});
