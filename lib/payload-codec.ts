// Encrypts every Temporal payload (workflow inputs, results, signals, updates, activity
// arguments, failures' details) with AES-256-GCM before it leaves the process, so workflow
// histories hold no phone numbers, names or transcripts in the clear. Each payload names the
// key that sealed it, so keys rotate: encrypt with the newest, keep older ones to decode.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

export const ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const IV_BYTES = 12; // GCM's standard nonce size; random per payload
const TAG_BYTES = 16;
const KEY_BYTES = 32; // AES-256
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The key that `npm start` and the tests use when PAYLOAD_KEYS is unset. It is derived from a
 * published string, so it protects nothing: outside local development set PAYLOAD_KEYS.
 */
export const DEV_PAYLOAD_KEY_ID = 'dev';
export const DEV_PAYLOAD_KEYS = `${DEV_PAYLOAD_KEY_ID}:${createHash('sha256').update('nerve local development payload key (not secret)').digest('base64')}`;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Parses `id:base64key,id2:base64key2` into keys by id; errors name the entry, never the key. */
export function parsePayloadKeys(spec: string): Map<string, Buffer> {
  const keys = new Map<string, Buffer>();
  const entries = spec.split(',').map((e) => e.trim()).filter(Boolean);
  if (entries.length === 0) throw new Error('PAYLOAD_KEYS holds no key');
  entries.forEach((entry, index) => {
    const colon = entry.indexOf(':');
    const id = colon < 0 ? '' : entry.slice(0, colon);
    const encoded = colon < 0 ? '' : entry.slice(colon + 1);
    if (!KEY_ID.test(id)) throw new Error(`PAYLOAD_KEYS entry ${index + 1}: expected id:base64key with an id of letters, digits, . _ -`);
    if (keys.has(id)) throw new Error(`PAYLOAD_KEYS: key id ${id} appears twice`);
    const key = Buffer.from(encoded, 'base64');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || key.length !== KEY_BYTES) {
      throw new Error(`PAYLOAD_KEYS: key ${id} must be ${KEY_BYTES} bytes in base64 (e.g. \`openssl rand -base64 32\`)`);
    }
    keys.set(id, key);
  });
  return keys;
}

export interface AesGcmCodecOptions {
  keys: Map<string, Buffer>;
  /** The key new payloads are sealed with; the first key when omitted. */
  currentKeyId?: string;
}

export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly keys: Map<string, Buffer>;
  readonly currentKeyId: string;

  constructor(options: AesGcmCodecOptions) {
    this.keys = new Map(options.keys);
    const current = options.currentKeyId || this.keys.keys().next().value;
    if (!current || !this.keys.has(current)) throw new Error(`payload key ${current ?? '(none)'} is not among the configured keys`);
    this.currentKeyId = current;
  }

  /** Builds the codec from the PAYLOAD_KEYS / PAYLOAD_KEY_ID settings. */
  static fromSettings(keys: string, currentKeyId?: string): AesGcmPayloadCodec {
    return new AesGcmPayloadCodec({ keys: parsePayloadKeys(keys), currentKeyId });
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.seal(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => (isEncrypted(payload) ? this.open(payload) : payload));
  }

  private seal(payload: Payload): Payload {
    const id = this.currentKeyId;
    // The whole payload (its metadata too) is sealed, so even the original encoding is hidden.
    const plain = temporal.api.common.v1.Payload.encode(payload).finish();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(id)!, iv);
    cipher.setAAD(encoder.encode(id)); // binds the key id: relabelling a payload fails authentication
    const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return { metadata: { encoding: encoder.encode(ENCODING), [KEY_ID_METADATA]: encoder.encode(id) }, data: sealed };
  }

  private open(payload: Payload): Payload {
    const idBytes = payload.metadata?.[KEY_ID_METADATA];
    if (!idBytes) throw new Error(`encrypted payload carries no ${KEY_ID_METADATA}`);
    const id = decoder.decode(idBytes);
    const key = this.keys.get(id);
    if (!key) throw new Error(`encrypted payload names unknown key id ${JSON.stringify(id.slice(0, 64))}`);
    const data = payload.data ?? new Uint8Array();
    if (data.length < IV_BYTES + TAG_BYTES) throw new Error('encrypted payload is too short');
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
    decipher.setAAD(encoder.encode(id));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new Error(`encrypted payload failed authentication (key ${id}): tampered or sealed with another key`);
    }
    return temporal.api.common.v1.Payload.decode(plain);
  }
}

export function isEncrypted(payload: Payload): boolean {
  const encoding = payload.metadata?.encoding;
  return !!encoding && decoder.decode(encoding) === ENCODING;
}
