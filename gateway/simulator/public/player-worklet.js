// AudioWorklet: plays the bot's audio (16-bit PCM at the wire rate) in order, and reports each
// mark when the audio queued before it has played, so the gateway knows what was heard. On
// `clear` (the caller talked over the bot) everything queued is dropped and its marks are
// reported at once, as a carrier does.
class Player extends AudioWorkletProcessor {
  constructor(options) {
    super();
    this.step = options.processorOptions.sampleRate / sampleRate; // wire samples per output sample
    this.queue = []; // {samples: Float32Array} | {mark: string}
    this.pos = 0; // read position in queue[0]'s samples
    this.port.onmessage = ({ data }) => {
      if (data.clear) return this.clear();
      if (data.mark !== undefined) return void this.queue.push({ mark: data.mark });
      const pcm = new Int16Array(data.pcm);
      const samples = new Float32Array(pcm.length);
      for (let i = 0; i < pcm.length; i++) samples[i] = pcm[i] / 0x8000;
      this.queue.push({ samples });
    };
  }

  clear() {
    for (const item of this.queue) if (item.mark !== undefined) this.port.postMessage({ mark: item.mark });
    this.queue = [];
    this.pos = 0;
  }

  process(_inputs, outputs) {
    const out = outputs[0][0];
    for (let i = 0; i < out.length; i++) {
      let sample = 0;
      while (this.queue.length > 0) {
        const head = this.queue[0];
        if (head.mark !== undefined) {
          this.port.postMessage({ mark: head.mark });
          this.queue.shift();
          continue;
        }
        const at = Math.floor(this.pos);
        if (at >= head.samples.length) {
          this.queue.shift();
          this.pos -= head.samples.length;
          continue;
        }
        // Linear interpolation when the context runs faster than the wire (step < 1).
        const next = at + 1 < head.samples.length ? head.samples[at + 1] : head.samples[at];
        sample = head.samples[at] + (next - head.samples[at]) * (this.pos - at);
        this.pos += this.step;
        break;
      }
      out[i] = sample;
    }
    for (let c = 1; c < outputs[0].length; c++) outputs[0][c].set(out);
    return true;
  }
}
registerProcessor('player', Player);
