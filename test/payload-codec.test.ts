// Personal data in Temporal is encrypted: what the server stores (and the Web UI shows without
// the codec) holds no phone number or name; the client and the codec endpoint decrypt it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { useHarness, vendorOrder } from './harness';
import { ENCODING, KEY_ID_METADATA } from '../lib/payload-codec';

const CODEC_TOKEN = 'test-codec-token-0123456789';
const UI_ORIGIN = 'http://localhost:8233';
const { h } = useHarness({ env: { CODEC_AUTH_TOKEN: CODEC_TOKEN, CODEC_CORS_ORIGINS: `${UI_ORIGIN},http://127.0.0.1:8233` } });

const PHONE = '+919812345678';
const VENDOR = 'Kamala Tiffin Centre';
const LOCAL_ACTIVITY_MARKER_FIELDS = new Set(['seq', 'attempt', 'activity_id', 'activity_type', 'complete_time', 'backoff', 'original_schedule_time']);
const text = (bytes?: Uint8Array | null) => Buffer.from(bytes ?? []).toString('utf8');

/** Every payload in a raw (undecoded) history, with where it sits; search attributes excluded (the server indexes those). */
function payloadsIn(value: unknown, path = '', found: { path: string; payload: Payload }[] = []) {
  if (!value || typeof value !== 'object' || value instanceof Uint8Array) return found;
  const object = value as Record<string, unknown>;
  if (object.data instanceof Uint8Array && object.metadata && typeof object.metadata === 'object') {
    found.push({ path, payload: object as Payload });
    return found;
  }
  for (const [key, child] of Object.entries(object)) {
    if (key === 'searchAttributes') continue;
    payloadsIn(child, `${path}.${key}`, found);
  }
  return found;
}

async function codec(route: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${h.gatewayUrl}/codec${route}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Namespace': 'default', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json().catch(() => null)) as any };
}
const asJson = (payload: Payload) => ({
  metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(payload.data ?? []).toString('base64'),
});

describe('payload encryption', () => {
  let callId = '';
  let started: Payload | undefined;

  test('the stored history holds no phone number or name; the client still reads it', async () => {
    const order = vendorOrder('E5001', { vendor_phone: PHONE, vendor_name: VENDOR });
    const response = await h.api('POST', '/api/nerve/vendor-order-confirmation', order);
    assert.equal(response.status, 202, JSON.stringify(response.body));
    callId = response.body.call_id;
    const { callSid } = await h.exotel.waitForConnect(PHONE);
    await h.exotel.answer(callSid);
    await h.exotel.press(callSid, '1');
    await h.exotel.press(callSid, '2');
    await h.exotel.hangUp(callSid);
    const result = await h.result(callId); // decoded through the client's codec
    assert.equal(result.outcome, 'ACCEPTED');

    // The raw history, as the server stores it and as a UI without the codec would show it.
    const raw = await h.client.workflowService.getWorkflowExecutionHistory({ namespace: 'default', execution: { workflowId: callId } });
    assert.ok(!raw.nextPageToken?.length, 'a DTMF call fits in one page of history');
    const bytes = Buffer.from(temporal.api.history.v1.History.encode(raw.history!).finish());
    for (const secret of [PHONE, PHONE.slice(1), PHONE.slice(3), VENDOR, 'Kamala', 'Paneer Tikka', 'Asha']) {
      assert.equal(bytes.indexOf(secret), -1, `history bytes contain ${secret}`);
    }

    const startedEvent = raw.history!.events![0].workflowExecutionStartedEventAttributes!;
    started = startedEvent.input!.payloads![0] as Payload;

    const payloads = payloadsIn(raw.history);
    // The one exception: a local activity marker's `data`, which the SDK core writes itself
    // (sequence, attempt, activity type, times), never user data. Its result is encrypted.
    const coreBookkeeping = ({ path, payload }: { path: string; payload: Payload }) =>
      /markerRecordedEventAttributes\.details\.data\./.test(path) &&
      Object.keys(JSON.parse(text(payload.data))).every((k) => LOCAL_ACTIVITY_MARKER_FIELDS.has(k));
    const userPayloads = payloads.filter((p) => !coreBookkeeping(p));
    assert.ok(userPayloads.length >= 5, `found ${userPayloads.length} payloads`);
    const plain = userPayloads.filter(({ payload }) => text(payload.metadata?.encoding) !== ENCODING).map((p) => p.path);
    assert.deepEqual(plain, [], 'every payload is encrypted');
    for (const { payload } of userPayloads) assert.equal(text(payload.metadata?.[KEY_ID_METADATA]), 'dev');

    // The first event's input decodes, through the client's own codec, to the order with its phone.
    const { payloadCodecs } = h.client.options.loadedDataConverter;
    const [decoded] = await payloadCodecs[0].decode([started]);
    const input = defaultPayloadConverter.fromPayload<{ calleePhone?: string }>(decoded);
    assert.ok(JSON.stringify(input).includes(PHONE), 'the decrypted input carries the phone');
  });

  test('search attributes name the call, never the phone', async () => {
    assert.ok(callId, 'needs the call from the first test');
    const description = await h.client.workflow.getHandle(callId).describe();
    const attributes = JSON.stringify({ typed: description.typedSearchAttributes, raw: description.raw.workflowExecutionInfo?.searchAttributes });
    assert.ok(attributes.includes('E5001'), attributes);
    for (const secret of [PHONE.slice(1), PHONE.slice(3), VENDOR]) assert.ok(!attributes.includes(secret), `search attributes hold ${secret}`);
  });

  test('the codec endpoint refuses a missing or wrong token with a JSON 401', async () => {
    assert.ok(started);
    const body = { payloads: [asJson(started)] };
    const attempts: Record<string, string>[] = [{}, { Authorization: 'Bearer wrong-token-wrong-token' }, { Authorization: `Basic ${Buffer.from(`ops:${CODEC_TOKEN}`).toString('base64')}` }];
    for (const headers of attempts) {
      const refused = await codec('/decode', body, headers);
      assert.equal(refused.status, 401);
      assert.equal(refused.body.error, 'unauthorized');
      assert.ok(!JSON.stringify(refused.body).includes(PHONE.slice(3)));
    }
    const forged = await codec('/decode', body, { Cookie: `nerve_codec=${Math.floor(Date.now() / 1000) + 3600}.forged` });
    assert.equal(forged.status, 401);
  });

  test('CORS: the UI origin may call, another origin gets no allow-origin', async () => {
    const preflight = (origin: string) =>
      fetch(`${h.gatewayUrl}/codec/decode`, {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,x-namespace,authorization' },
      });
    const allowed = await preflight(UI_ORIGIN);
    assert.equal(allowed.status, 204);
    assert.equal(allowed.headers.get('access-control-allow-origin'), UI_ORIGIN);
    assert.equal(allowed.headers.get('access-control-allow-credentials'), 'true');
    assert.match(allowed.headers.get('access-control-allow-headers') ?? '', /authorization/);
    assert.match(allowed.headers.get('access-control-allow-headers') ?? '', /x-namespace/);
    const other = await preflight('https://evil.example');
    assert.equal(other.headers.get('access-control-allow-origin'), null);
    assert.equal(other.headers.get('access-control-allow-headers'), null);
    // A refusal still carries CORS for the UI, so it can show why.
    const refused = await codec('/decode', { payloads: [] }, { Origin: UI_ORIGIN });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers.get('access-control-allow-origin'), UI_ORIGIN);
  });

  test('with the token, the codec endpoint decrypts a payload from the history and encrypts new ones', async () => {
    assert.ok(started);
    const auth = { Authorization: `Bearer ${CODEC_TOKEN}`, Origin: UI_ORIGIN };
    const plainPayload = asJson(defaultPayloadConverter.toPayload({ note: 'not encrypted' }));
    const decoded = await codec('/decode', { payloads: [asJson(started), plainPayload] }, auth);
    assert.equal(decoded.status, 200, JSON.stringify(decoded.body));
    assert.equal(decoded.headers.get('access-control-allow-origin'), UI_ORIGIN);
    assert.equal(decoded.body.payloads.length, 2);
    const [input, passedThrough] = decoded.body.payloads;
    assert.equal(Buffer.from(input.metadata.encoding, 'base64').toString(), 'json/plain');
    const order = JSON.parse(Buffer.from(input.data, 'base64').toString('utf8'));
    assert.ok(JSON.stringify(order).includes(PHONE), 'the decoded input carries the phone');
    assert.ok(JSON.stringify(order).includes(VENDOR));
    assert.deepEqual(passedThrough, plainPayload);

    // The protocol only looks at the last path segment: /codec/{namespace}/decode works too.
    const namespaced = await codec('/default/decode', { payloads: [asJson(started)] }, auth);
    assert.deepEqual(namespaced.body, { payloads: [input] });

    const encoded = await codec('/encode', { payloads: [plainPayload] }, auth);
    assert.equal(encoded.status, 200);
    assert.equal(Buffer.from(encoded.body.payloads[0].metadata.encoding, 'base64').toString(), ENCODING);
    const roundTrip = await codec('/decode', encoded.body, auth);
    assert.deepEqual(roundTrip.body.payloads[0], plainPayload);
  });

  test('the login route sets a session cookie the codec then accepts', async () => {
    assert.ok(started);
    const challenge = await fetch(`${h.gatewayUrl}/codec/login`);
    assert.equal(challenge.status, 401);
    assert.match(challenge.headers.get('www-authenticate') ?? '', /^Basic /);
    const login = await fetch(`${h.gatewayUrl}/codec/login`, { headers: { Authorization: `Basic ${Buffer.from(`ops:${CODEC_TOKEN}`).toString('base64')}` } });
    assert.equal(login.status, 200);
    const setCookie = login.headers.get('set-cookie') ?? '';
    assert.match(setCookie, /HttpOnly/i);
    assert.ok(!setCookie.includes(CODEC_TOKEN), 'the cookie is not the token');
    const decoded = await codec('/decode', { payloads: [asJson(started)] }, { Cookie: setCookie.split(';')[0] });
    assert.equal(decoded.status, 200);
  });

  test('bad bodies and undecodable payloads are JSON 400s', async () => {
    const auth = { Authorization: `Bearer ${CODEC_TOKEN}` };
    const notJson = await codec('/decode', '{"payloads": [', auth);
    assert.equal(notJson.status, 400);
    assert.equal(notJson.body.error, 'invalid_json');
    const wrongShape = await codec('/decode', { payloads: [{ data: 'not base64!' }] }, auth);
    assert.equal(wrongShape.status, 400);
    assert.equal(wrongShape.body.error, 'invalid_request');
    const unknownKey = await codec('/decode', {
      payloads: [{ metadata: { encoding: Buffer.from(ENCODING).toString('base64'), [KEY_ID_METADATA]: Buffer.from('gone').toString('base64') }, data: Buffer.alloc(40).toString('base64') }],
    }, auth);
    assert.equal(unknownKey.status, 400);
    assert.equal(unknownKey.body.error, 'undecodable_payload');
    assert.match(unknownKey.body.message, /unknown key id "gone"/);
  });
});
