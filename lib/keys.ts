// Every Redis key the product uses, built in one place so two modules never disagree on a name.

/** Provider CallSid → our call id: lets a webhook without CustomField find its call. */
export const callSidKey = (callSid: string) => `callsid:${callSid}`;

/** A call's type, so a media stream knows at start whether to prompt or bridge to a model. */
export const callTypeKey = (callId: string) => `calltype:${callId}`;

/** A call's live row for /active-calls (written by the persistence activity). */
export const presenceKey = (callId: string) => `presence:call:${callId}`;

/** The set of call ids with a live presence row, so listing them never scans the keyspace. */
export const ACTIVE_CALLS_KEY = 'presence:active';

/** The prompt an IVR flow should play next for a CallSid (Exotel's Greeting fetches it). */
export const promptKey = (callSid: string) => `prompt:${callSid}`;

/** A media session's live state (who is speaking, turns) for dashboards and ops. */
export const sessionKey = (callId: string) => `session:${callId}`;

/** Synthesized prompt audio (8 kHz WAV) by content hash, and the cache's hit counters. */
export const TTS_AUDIO_PREFIX = 'tts:audio:';
export const ttsAudioKey = (hash: string) => `${TTS_AUDIO_PREFIX}${hash}`;
export const ttsStatsKey = (stat: 'hits' | 'misses') => `tts:stats:${stat}`;

/** Inbound calls refused (no route for the number, a bot the provider's flow cannot carry): in total and per reason. */
export const INBOUND_REFUSED_KEY = 'inbound:refused';
export const inboundRefusedKey = (reason: string) => `${INBOUND_REFUSED_KEY}:${reason}`;

/** A refused inbound CallSid: the provider's later requests for it get the same answer and are not counted again. */
export const inboundRefusalKey = (callSid: string) => `inbound:refusal:${callSid}`;

/** The phone simulator (providers/browser): a simulated call's ring and status, by its CallSid. */
export const browserCallKey = (callSid: string) => `browser:call:${callSid}`;
/** The first answer or decline of a ringing simulated call wins; later ones from other tabs are refused. */
export const browserClaimKey = (callSid: string) => `browser:claim:${callSid}`;
/** A simulator tab is open for this number (E.164), refreshed while it is connected. */
export const browserPhoneKey = (phone: string) => `browser:phone:${phone}`;
/** Pub/sub channel carrying rings and ring outcomes between workers and every gateway's tabs. */
export const BROWSER_RING_CHANNEL = 'browser:ring';
