// Keeps a bridged call on a media stream while its gateways come and go. The gateway vouches for
// the stream in Redis; a watch (an activity) returns when the stream closes or nobody vouches for
// it any more. A stream lost with its gateway is re-pointed at a new one (Twilio: REST call update
// to a new <Connect><Stream>; the provider held the caller in a <Pause> meanwhile), and the new
// session seeds the model with the conversation the workflow kept. A stream we closed on purpose
// (the goodbye) is followed by hanging up, since the provider's hold would keep the line open.
import { CancellationScope, isCancellation, proxyActivities } from '@temporalio/workflow';
import type * as streams from '../../activities/streams';
import type * as telephony from '../../activities/telephony';
import type { TelephonyProvider } from '../types';
import type { PhoneCall } from './phone-call';
import { errorMessage } from './spec';

const watcher = proxyActivities<typeof streams>({
  // As long as the longest call; a dead worker is noticed by the heartbeat and the watch moves on.
  startToCloseTimeout: '3h',
  heartbeatTimeout: '10s',
  retry: { initialInterval: '1s', maximumInterval: '10s' },
});
const provider = proxyActivities<typeof telephony>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumAttempts: 5, nonRetryableErrorTypes: ['ProviderConfig'] },
});

/** The first stream opens right after the call starts; a re-attached one as soon as the provider reconnects. */
const FIRST_STREAM_WITHIN_SECONDS = 30;
const NEXT_STREAM_WITHIN_SECONDS = 20;
/** Re-attachments in a row whose stream never came before the call is hung up. */
const MAX_REATTACHES = 3;

export class StreamGuard {
  private scope?: CancellationScope;
  private running?: Promise<void>;

  constructor(
    private readonly call: PhoneCall,
    private readonly provider: TelephonyProvider,
  ) {}

  /**
   * Starts guarding in the background; stop() ends it when the conversation is over (or handed to
   * a person). `newStream`: the call had a stream already (back from a person), whose mark tells of
   * that stream's end, not of the one to come.
   */
  start({ newStream = false } = {}): void {
    const scope = (this.scope = new CancellationScope());
    this.running = scope.run(() => this.guard(newStream)).catch((err) => {
      if (!isCancellation(err)) this.call.event('stream_guard_failed', { error: errorMessage(err) });
    });
  }

  async stop(): Promise<void> {
    this.scope?.cancel();
    await this.running;
    this.scope = this.running = undefined;
  }

  private async guard(newStream: boolean): Promise<void> {
    let unanswered = 0; // re-attachments in a row whose stream never came
    for (let first = true; ; first = false) {
      // After a re-attach the lost stream's mark ('handed-over' at a shutdown) must not count for the new one.
      const seen = await watcher.watchStream({ callId: this.call.callId, connectWithinSeconds: first ? FIRST_STREAM_WITHIN_SECONDS : NEXT_STREAM_WITHIN_SECONDS, newStream: newStream || !first });
      const callSid = this.call.state.currentCallSid;
      if (seen === 'closed' || !callSid || this.call.hungUp()) return; // the caller hung up
      if (seen === 'closed-by-us') {
        await provider.hangUpCall(this.provider, callSid);
        return;
      }
      unanswered = seen === 'never-connected' ? unanswered + 1 : 0; // a stream that came back and was lost again starts over
      if (unanswered >= MAX_REATTACHES) {
        this.call.event('stream_not_recovered', { callSid });
        await provider.hangUpCall(this.provider, callSid);
        return;
      }
      this.call.event('stream_lost', { callSid, seen });
      const changed = await provider.reattachStream(this.provider, { callSid, callId: this.call.callId });
      if (changed === 'call_over') return; // the caller hung up meanwhile: the status callback ends the call
      // 'unsupported' (Exotel): the provider's flow brings the caller back to the stream applet, or not.
    }
  }
}
