// AudioWorklet: the microphone as 20 ms frames of 16-bit PCM at the wire rate (16 kHz), posted
// to the page, which sends each as one `media` frame. The context runs at the wire rate where
// the browser allows it (Chrome); otherwise (Firefox runs at the device's rate) each output
// sample is the mean of the input samples it spans: a box filter against aliasing, cheap and
// good enough for speech recognition.
class MicFrames extends AudioWorkletProcessor {
  constructor(options) {
    super();
    this.frameSamples = Math.round(options.processorOptions.sampleRate / 50);
    this.step = sampleRate / options.processorOptions.sampleRate; // input samples per output sample
    this.frame = new Int16Array(this.frameSamples);
    this.fill = 0;
    this.sum = 0;
    this.count = 0;
    this.phase = 0;
    this.level = 0;
  }

  process(inputs) {
    const input = inputs[0] && inputs[0][0];
    if (!input) return true;
    let peak = 0;
    for (let i = 0; i < input.length; i++) {
      this.sum += input[i];
      this.count++;
      this.phase += 1;
      if (this.phase < this.step) continue;
      const mean = Math.max(-1, Math.min(1, this.sum / this.count));
      this.sum = 0;
      this.count = 0;
      for (; this.phase >= this.step; this.phase -= this.step) this.emit(mean);
      peak = Math.max(peak, Math.abs(mean));
    }
    this.level = Math.max(peak, this.level * 0.9);
    if (currentFrame % 4096 < 128) this.port.postMessage({ level: this.level });
    return true;
  }

  emit(sample) {
    this.frame[this.fill++] = sample < 0 ? sample * 0x8000 : sample * 0x7fff;
    if (this.fill < this.frameSamples) return;
    this.port.postMessage(this.frame.buffer, [this.frame.buffer]);
    this.frame = new Int16Array(this.frameSamples);
    this.fill = 0;
  }
}
registerProcessor('mic-frames', MicFrames);
