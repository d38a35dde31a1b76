// The one data converter every Temporal client and worker in the project uses: payloads are
// encrypted on the way out and decrypted on the way in (lib/payload-codec.ts). A process
// without it would write plaintext into histories or fail to read encrypted ones.
import type { DataConverter } from '@temporalio/common';
import { loadConfig } from './config';
import { AesGcmPayloadCodec } from './payload-codec';

export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

let codec: AesGcmPayloadCodec | undefined;
let builtFrom: string | undefined;

/** The codec for the current PAYLOAD_KEYS / PAYLOAD_KEY_ID (rebuilt if the settings change, as in tests). */
export function payloadCodec(): AesGcmPayloadCodec {
  const { PAYLOAD_KEYS, PAYLOAD_KEY_ID } = loadConfig();
  const settings = `${PAYLOAD_KEY_ID ?? ''}|${PAYLOAD_KEYS}`;
  if (!codec || builtFrom !== settings) {
    codec = AesGcmPayloadCodec.fromSettings(PAYLOAD_KEYS, PAYLOAD_KEY_ID);
    builtFrom = settings;
  }
  return codec;
}

export function dataConverter(): DataConverter {
  return {
    payloadCodecs: [payloadCodec()],
    // Failure messages and stack traces go into an encrypted payload too (see the module).
    // A prebuilt workflow bundle must be built with the same path (test/harness.ts).
    failureConverterPath: FAILURE_CONVERTER_PATH,
  };
}
