// Whether a call of ours can be handed to a person, and how: from the HANDOFF_* settings, copied
// into the call's input when it starts (so a replay sees the same values). Only a provider that
// can move a live call mid-way gets them (Twilio); Exotel's calls need the flow described in the README.
import type { Config } from '../lib/config';
import { providerModule } from '../providers/registry';
import type { TransferSettings } from '../workflows/lifecycle-types';
import type { TelephonyProvider } from '../workflows/types';

export function withTransfer(config: Config, provider: TelephonyProvider): { handoff?: TransferSettings } {
  if (!config.HANDOFF_AGENT || !providerModule(provider)?.client().transferToAgent) return {};
  return {
    handoff: {
      agent: config.HANDOFF_AGENT,
      ringSeconds: config.HANDOFF_RING_SECONDS,
      noAgent: config.HANDOFF_NO_AGENT,
      voicemailText: config.HANDOFF_VOICEMAIL_TEXT,
      wrapUpSeconds: config.HANDOFF_WRAP_UP_SECONDS,
      misunderstandingLimit: config.HANDOFF_MISUNDERSTANDING_LIMIT,
      agentDesk: { webhookUrl: config.AGENT_DESK_URL },
    },
  };
}
