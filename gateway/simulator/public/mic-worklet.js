// AudioWorklet: the microphone as 20 ms frames of 16-bit PCM at the wire rate (16 kHz), posted
// to the page, which sends each as one `media` frame. The context usually runs at the wire rate
// already; otherwise samples are taken by linear interpolation (good enough
// for speech recognition, and cheap).
class MicFrames extends AudioWorkletProcessor {
  constructor(options) {
    super();
    this.outRate = options.processorOptions.sampleRate;
    this.frameSamples = Math.round(this.outRate / 50);
    this.step = sampleRate / this.outRate; // input samples per output sample
    this.frame = new Int16Array(this.frameSamples);
    this.fill = 0;
    this.pos = 0; // position of the next output sample in the current input block
    this.level = 0;
  }

  process(inputs) {
    const input = inputs[0] && inputs[0][0];
    if (!input) return true;
    let peak = 0;
    for (; this.pos < input.length; this.pos += this.step) {
      const i = Math.floor(this.pos);
      const frac = this.pos - i;
      const a = input[i];
      const b = i + 1 < input.length ? input[i + 1] : input[i];
      const s = Math.max(-1, Math.min(1, a + (b - a) * frac));
      peak = Math.max(peak, Math.abs(s));
      this.frame[this.fill++] = s < 0 ? s * 0x8000 : s * 0x7fff;
      if (this.fill === this.frameSamples) {
        this.port.postMessage(this.frame.buffer, [this.frame.buffer]);
        this.frame = new Int16Array(this.frameSamples);
        this.fill = 0;
      }
    }
    this.pos -= input.length;
    this.level = Math.max(peak, this.level * 0.9);
    if (currentFrame % 4096 < 128) this.port.postMessage({ level: this.level });
    return true;
  }
}
registerProcessor('mic-frames', MicFrames);
