// Unit tests for inbound routing: the configuration's validation (through loadConfig, as at
// start-up) and matching a dialled number in whatever spelling the provider sends.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from './config';
import { routeFor, routeMode } from './inbound-routes';

const config = (env: Record<string, string>) => loadConfig({ NERVE_ENV: 'test', ...env });
const routes = (table: unknown) => config({ INBOUND_ROUTES: JSON.stringify(table) }).INBOUND_ROUTES;

describe('INBOUND_ROUTES', () => {
  test('numbers are keyed in E.164 and found in any spelling; defaults fill language and mode', () => {
    const table = routes({
      '08047112233': { bot: 'questionnaire', language: 'en', mode: 'ivr' },
      '+14155550100': { bot: 'appointment-agent' },
      '+918047112244': { bot: 'lead-qualification', language: 'en', topic: 'home loans', fields: ['city', 'budget'] },
    });
    assert.deepEqual([...table.keys()], ['+918047112233', '+14155550100', '+918047112244']);
    assert.deepEqual(routeFor(table, undefined, '+918047112233'), { bot: 'questionnaire', language: 'en', mode: 'ivr' });
    assert.equal(routeFor(table, undefined, '918047112244')?.bot, 'lead-qualification');
    assert.equal(routeFor(table, undefined, '08047112244')?.bot, 'lead-qualification');
    const appointment = routeFor(table, undefined, '+1 (415) 555-0100')!;
    assert.deepEqual(appointment, { bot: 'appointment-agent', language: 'hi' });
    assert.equal(routeMode(appointment), 'voicebot');
    assert.equal(routeMode(routeFor(table, undefined, '+918047112233')!), 'ivr');
  });

  test('a number not listed takes the default route, or none', () => {
    const table = routes({ '+918047112233': { bot: 'questionnaire' } });
    assert.equal(routeFor(table, undefined, '+918000000000'), undefined);
    assert.equal(routeFor(table, undefined, 'anonymous'), undefined);
    const fallback = config({ INBOUND_DEFAULT_ROUTE: '{"bot":"questionnaire","language":"en"}' }).INBOUND_DEFAULT_ROUTE;
    assert.deepEqual(routeFor(table, fallback, '+918000000000'), { bot: 'questionnaire', language: 'en', mode: 'voicebot' });
  });

  test('unset or empty settings mean no routes and no default', () => {
    for (const env of [{}, { INBOUND_ROUTES: '', INBOUND_DEFAULT_ROUTE: '' }] as Record<string, string>[]) {
      const c = config(env);
      assert.equal(c.INBOUND_ROUTES.size, 0);
      assert.equal(c.INBOUND_DEFAULT_ROUTE, undefined);
    }
  });

  test('invalid configuration stops start-up and says which setting and entry is wrong', () => {
    const refused = (env: Record<string, string>, message: RegExp) => assert.throws(() => config(env), message);
    refused({ INBOUND_ROUTES: '{"+9180' }, /INBOUND_ROUTES: is not valid JSON/);
    refused({ INBOUND_ROUTES: '{"reception": {"bot": "questionnaire"}}' }, /INBOUND_ROUTES\.reception: is not a phone number/);
    refused({ INBOUND_ROUTES: '{"+918047112233": {"bot": "questionnaire"}, "08047112233": {"bot": "appointment-agent"}}' }, /08047112233: is listed twice \(as \+918047112233\)/);
    refused({ INBOUND_ROUTES: '{"+918047112233": {"bot": "receptionist"}}' }, /INBOUND_ROUTES\.\+918047112233\.bot/);
    refused({ INBOUND_ROUTES: '{"+918047112233": {"bot": "lead-qualification", "language": "en"}}' }, /INBOUND_ROUTES\.\+918047112233\.topic/);
    refused({ INBOUND_ROUTES: '{"+918047112233": {"bot": "appointment-agent", "mode": "ivr"}}' }, /Unrecognized key/);
    refused({ INBOUND_ROUTES: '{"+918047112233": {"bot": "questionnaire", "language": "fr"}}' }, /language/);
    refused({ INBOUND_DEFAULT_ROUTE: '{"bot": "lead-qualification", "topic": "loans", "fields": ["Budget"]}' }, /INBOUND_DEFAULT_ROUTE\.fields\.0: snake_case/);
  });
});
