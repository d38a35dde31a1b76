// Which media streams a handoff took the caller off. A transfer ends the stream the caller was on
// (Twilio's call update stops it), and the media session reports that end as it reports a hang-up.
// The report can arrive late: after nobody answered and the call is back with the bot, even after
// the caller's new stream began. Its stream id says whose end it is: a stream that started before
// the handoff ended because of it, so its end is not the caller leaving.
import type { ProviderStatusEvent } from '../messages';

export class HandedOffStreams {
  /** Streams that started while the call had not been handed off yet. */
  private readonly beforeHandoff = new Set<string>();

  /**
   * Sees every status report first. True when the report is a stream's end caused by the handoff
   * (the call has been handed off, and the stream began before that, or the caller is with a
   * person now); a provider that says the call itself ended is always heard.
   */
  endedByHandoff(event: ProviderStatusEvent, handedOff: boolean, withHuman: boolean): boolean {
    if (event.event === 'answered') {
      if (event.streamSid && !handedOff) this.beforeHandoff.add(event.streamSid);
      return false;
    }
    if (event.source !== 'media-stream' || event.callEnded) return false;
    return withHuman || (handedOff && !!event.streamSid && this.beforeHandoff.has(event.streamSid));
  }
}
