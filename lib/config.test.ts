// Unit tests for the configuration guard: secrets with a development default are refused
// outside local development, and the error names the setting.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from './config';
import { redactSecrets } from './redact';

const REAL_SECRETS = {
  NERVE_API_TOKEN: 'a-real-api-token',
  EXOTEL_WEBHOOK_SECRET: 'a-real-webhook-secret',
  EXOTEL_STREAM_PASSWORD: 'a-real-stream-password',
  PAYLOAD_KEYS: `k2026:${Buffer.alloc(32, 7).toString('base64')}`,
  CODEC_AUTH_TOKEN: 'a-real-codec-token',
  OPS_PASSWORD: 'a-real-dashboard-password',
};

describe('loadConfig: development secrets', () => {
  test('production is the default environment and refuses every default secret by name', () => {
    assert.throws(() => loadConfig({}), (err: Error) => {
      for (const name of ['NERVE_API_TOKEN', 'EXOTEL_WEBHOOK_SECRET', 'EXOTEL_STREAM_PASSWORD']) assert.match(err.message, new RegExp(name));
      assert.match(err.message, /NERVE_ENV/);
      return true;
    });
  });

  test('a secret set to its development default value is refused too', () => {
    assert.throws(() => loadConfig({ NERVE_ENV: 'production', ...REAL_SECRETS, EXOTEL_STREAM_PASSWORD: 'dev-exotel-stream-secret' }), /EXOTEL_STREAM_PASSWORD/);
    assert.throws(() => loadConfig({ NERVE_ENV: 'production', ...REAL_SECRETS, NERVE_API_TOKEN: 'dev-token' }), /NERVE_API_TOKEN/);
  });

  test('production starts once every secret is set', () => {
    const config = loadConfig({ NERVE_ENV: 'production', ...REAL_SECRETS });
    assert.equal(config.NERVE_ENV, 'production');
    assert.equal(config.EXOTEL_WEBHOOK_SECRET, 'a-real-webhook-secret');
  });

  test('development and test keep the working defaults', () => {
    for (const NERVE_ENV of ['development', 'test']) {
      const config = loadConfig({ NERVE_ENV });
      assert.equal(config.NERVE_API_TOKEN, 'dev-token');
      assert.equal(config.EXOTEL_WEBHOOK_SECRET, 'dev-exotel-webhook-secret');
    }
  });

  test('the dashboard password is refused at its default outside development', () => {
    const { OPS_PASSWORD: _, ...others } = REAL_SECRETS;
    assert.throws(() => loadConfig({ NERVE_ENV: 'production', ...others }), /OPS_PASSWORD/);
    assert.throws(() => loadConfig({ NERVE_ENV: 'production', ...others, OPS_PASSWORD: 'dev-ops-password' }), /OPS_PASSWORD/);
    assert.throws(() => loadConfig({ NERVE_ENV: 'test', DASHBOARD_TIME_ZONE: 'Mars/Olympus' }), /DASHBOARD_TIME_ZONE/);
  });

  test('an unknown environment name is a configuration error', () => {
    assert.throws(() => loadConfig({ NERVE_ENV: 'staging', ...REAL_SECRETS }), /NERVE_ENV/);
  });
});

describe('loadConfig: speech to speech (OpenAI Realtime)', () => {
  test('defaults to the GA endpoint, gpt-realtime and marin; no key unless set', () => {
    const config = loadConfig({ NERVE_ENV: 'test' });
    assert.equal(config.REALTIME_URL, 'wss://api.openai.com/v1/realtime');
    assert.equal(config.REALTIME_MODEL, 'gpt-realtime');
    assert.equal(config.REALTIME_VOICE, 'marin');
    assert.equal(config.OPENAI_API_KEY, undefined);
    assert.equal(loadConfig({ NERVE_ENV: 'test', OPENAI_API_KEY: '' }).OPENAI_API_KEY, undefined);
  });

  test('OPENAI_API_KEY is a secret: once loaded it is cut out of any logged text', () => {
    const key = 'sk-test-realtime-key-0123456789';
    loadConfig({ NERVE_ENV: 'test', OPENAI_API_KEY: key });
    assert.equal(redactSecrets(`connecting with Bearer ${key}`), 'connecting with Bearer [redacted]');
  });

  test('a REALTIME_URL that is not a URL is a configuration error', () => {
    assert.throws(() => loadConfig({ NERVE_ENV: 'test', REALTIME_URL: 'api.openai.com' }), /REALTIME_URL/);
  });
});

describe('loadConfig: HANDOFF_KEY', () => {
  test('a key no menu answers with (default 9), star, or none; never a menu answer such as 0 (reject)', () => {
    assert.equal(loadConfig({ NERVE_ENV: 'test' }).HANDOFF_KEY, '9');
    assert.equal(loadConfig({ NERVE_ENV: 'test', HANDOFF_KEY: '*' }).HANDOFF_KEY, '*');
    assert.equal(loadConfig({ NERVE_ENV: 'test', HANDOFF_KEY: '' }).HANDOFF_KEY, '');
    for (const key of ['0', '1', '4', '99', '#']) assert.throws(() => loadConfig({ NERVE_ENV: 'test', HANDOFF_KEY: key }), /HANDOFF_KEY/, key);
  });
});
