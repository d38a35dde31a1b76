// The harness for tests whose calls are handed to a person: a fake agent desk started first, and
// its URL and signing secret added to the call settings the test gives.
import { after, before } from 'node:test';
import { FakeAgentDesk } from '../fakes/agent-desk';
import { useHarness } from '../harness';

export function useHandoffHarness(env: Record<string, string>, deskSecret: string) {
  const desk = new FakeAgentDesk(deskSecret);
  const settings: Record<string, string> = { ...env, AGENT_DESK_SECRET: deskSecret };
  before(async () => {
    settings.AGENT_DESK_URL = await desk.start(); // read by the harness when it starts, just after
  });
  after(() => desk.stop());
  return { ...useHarness({ env: settings }), desk };
}
