// Whether a call of ours can be handed to a person, and how: from the HANDOFF_* settings, copied
// into the call's input when it starts (so a replay sees the same values). A provider that can move
// a live call (Twilio) moves it; a provider whose flow dials the agent once the bot closes its
// stream (Exotel) gets the flow handoff, for the bots that can close their stream with a line:
// the prompted bots, and the receptionist (its model session is told to hand over).
import type { Config } from '../lib/config';
import { providerModule } from '../providers/registry';
import type { TransferSettings } from '../workflows/lifecycle-types';
import type { CallMode, TelephonyProvider } from '../workflows/types';

/**
 * `promptedBot`: the call's script speaks prompts (questionnaire, lead, the keypad calls), so it can
 * close its stream with a hand-over line. `bridgedAgent`: a speech-to-speech session (the
 * receptionist), which the `hand-over` directive closes the same way. `keypad`: a call whose menus
 * offer HANDOFF_KEY (vendor, rider, the keypad questionnaire); with HANDOFF_NO_AGENT=bot a caller
 * nobody answered goes back to the menu they left.
 */
export function withTransfer(
  config: Config,
  provider: TelephonyProvider,
  { promptedBot = false, bridgedAgent = false, keypad }: { promptedBot?: boolean; bridgedAgent?: boolean; keypad?: CallMode } = {},
): { handoff?: TransferSettings } {
  const module = providerModule(provider);
  const via = module?.client().transferToAgent ? 'call-update' : (promptedBot || bridgedAgent) && module?.handoffByFlow ? 'flow' : undefined;
  if (!config.HANDOFF_AGENT || !via) return {};
  return {
    handoff: {
      agent: config.HANDOFF_AGENT,
      ringSeconds: config.HANDOFF_RING_SECONDS,
      noAgent: config.HANDOFF_NO_AGENT,
      voicemailText: config.HANDOFF_VOICEMAIL_TEXT,
      wrapUpSeconds: config.HANDOFF_WRAP_UP_SECONDS,
      misunderstandingLimit: config.HANDOFF_MISUNDERSTANDING_LIMIT,
      agentDesk: { webhookUrl: config.AGENT_DESK_URL },
      // Absent for a call update, so the receptionist's input keeps the shape its histories recorded.
      ...(via === 'flow' && { via }),
      ...(keypad && config.HANDOFF_KEY && { handoffKey: config.HANDOFF_KEY }),
    },
  };
}
