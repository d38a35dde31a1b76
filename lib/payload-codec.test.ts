import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { AesGcmPayloadCodec, DEV_PAYLOAD_KEYS, ENCODING, KEY_ID_METADATA, parsePayloadKeys } from './payload-codec';

const k1 = randomBytes(32).toString('base64');
const k2 = randomBytes(32).toString('base64');
const text = (bytes?: Uint8Array | null) => Buffer.from(bytes ?? []).toString('utf8');
const call = { vendor_phone: '+919812345678', vendor_name: 'Sharma Dhaba', transcript: 'haan ji, order theek hai' };

async function seal(codec: AesGcmPayloadCodec, value: unknown): Promise<Payload> {
  const [payload] = await codec.encode([defaultPayloadConverter.toPayload(value)]);
  return payload;
}
async function open(codec: AesGcmPayloadCodec, payload: Payload): Promise<unknown> {
  const [decoded] = await codec.decode([payload]);
  return defaultPayloadConverter.fromPayload(decoded);
}

describe('AES-256-GCM payload codec', () => {
  test('round trip: the sealed payload names its key and hides the data and its encoding', async () => {
    const codec = AesGcmPayloadCodec.fromSettings(`k1:${k1}`);
    const sealed = await seal(codec, call);
    assert.equal(text(sealed.metadata?.encoding), ENCODING);
    assert.equal(text(sealed.metadata?.[KEY_ID_METADATA]), 'k1');
    assert.deepEqual(Object.keys(sealed.metadata ?? {}).sort(), ['encoding', KEY_ID_METADATA].sort());
    for (const secret of ['+919812345678', '919812345678', 'Sharma', 'json/plain']) assert.ok(!text(sealed.data).includes(secret), secret);
    assert.deepEqual(await open(codec, sealed), call);
  });

  test('each payload gets its own IV: the same value seals differently', async () => {
    const codec = AesGcmPayloadCodec.fromSettings(`k1:${k1}`);
    const [a, b] = await codec.encode([defaultPayloadConverter.toPayload(call), defaultPayloadConverter.toPayload(call)]);
    assert.notDeepEqual(Buffer.from(a.data!), Buffer.from(b.data!));
    assert.notDeepEqual(Buffer.from(a.data!).subarray(0, 12), Buffer.from(b.data!).subarray(0, 12));
  });

  test('tampering is detected: a flipped bit fails authentication', async () => {
    const codec = AesGcmPayloadCodec.fromSettings(`k1:${k1}`);
    const sealed = await seal(codec, call);
    const data = Buffer.from(sealed.data!);
    data[20] ^= 0x01;
    await assert.rejects(codec.decode([{ ...sealed, data }]), /failed authentication/);
    const truncated = Buffer.from(sealed.data!).subarray(0, 20);
    await assert.rejects(codec.decode([{ ...sealed, data: truncated }]), /too short|failed authentication/);
  });

  test('relabelling a payload with another configured key id fails too', async () => {
    const codec = AesGcmPayloadCodec.fromSettings(`k1:${k1},k2:${k1}`); // same key bytes, different id
    const sealed = await seal(codec, call);
    const relabelled = { ...sealed, metadata: { ...sealed.metadata, [KEY_ID_METADATA]: Buffer.from('k2') } };
    await assert.rejects(codec.decode([relabelled]), /failed authentication/);
  });

  test('an unknown or missing key id is an error, not garbage', async () => {
    const sealed = await seal(AesGcmPayloadCodec.fromSettings(`old:${k1}`), call);
    const other = AesGcmPayloadCodec.fromSettings(`new:${k2}`);
    await assert.rejects(other.decode([sealed]), /unknown key id "old"/);
    const { [KEY_ID_METADATA]: _dropped, ...noId } = sealed.metadata!;
    await assert.rejects(other.decode([{ ...sealed, metadata: noId }]), /carries no encryption-key-id/);
  });

  test('rotation: new payloads use the current key, old ones still decode', async () => {
    const before = AesGcmPayloadCodec.fromSettings(`k1:${k1}`);
    const old = await seal(before, call);
    const after = AesGcmPayloadCodec.fromSettings(`k1:${k1},k2:${k2}`, 'k2');
    const fresh = await seal(after, { step: 2 });
    assert.equal(text(fresh.metadata?.[KEY_ID_METADATA]), 'k2');
    assert.deepEqual(await open(after, old), call);
    assert.deepEqual(await open(after, fresh), { step: 2 });
    await assert.rejects(before.decode([fresh]), /unknown key id "k2"/);
  });

  test('payloads that are not encrypted pass through unchanged', async () => {
    const codec = AesGcmPayloadCodec.fromSettings(`k1:${k1}`);
    const plain = defaultPayloadConverter.toPayload({ written: 'before encryption was on' });
    const [decoded] = await codec.decode([plain]);
    assert.equal(decoded, plain);
  });

  test('key settings are validated without echoing key material', () => {
    assert.equal(parsePayloadKeys(` a:${k1} , b:${k2} `).size, 2);
    assert.equal(parsePayloadKeys(DEV_PAYLOAD_KEYS).get('dev')?.length, 32);
    assert.throws(() => parsePayloadKeys(''), /no key/);
    assert.throws(() => parsePayloadKeys(`${k1}`), /entry 1/);
    assert.throws(() => parsePayloadKeys(`a:${k1},a:${k2}`), /appears twice/);
    const short = randomBytes(16).toString('base64');
    assert.throws(() => parsePayloadKeys(`a:${short}`), (err: Error) => /32 bytes/.test(err.message) && !err.message.includes(short));
    assert.throws(() => AesGcmPayloadCodec.fromSettings(`a:${k1}`, 'b'), /not among the configured keys/);
  });
});
