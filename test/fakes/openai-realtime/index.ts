// The fake OpenAI Realtime API for tests: see server.ts (the socket side) and script.ts (the turns).
export { FakeRealtimeServer, type ReceivedEvent, type UpgradeAttempt } from './server';
export type { SayResponse, ScriptedResponse, ScriptTurn, ToolCallResponse } from './script';
export { syntheticVoice } from './audio';
