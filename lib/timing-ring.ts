/** The most recent timings in fixed memory, so hot paths can be measured without growing. */
export class TimingRing {
  private readonly values: Float64Array;
  /** How many values were ever recorded. */
  count = 0;

  constructor(capacity = 4096) {
    this.values = new Float64Array(capacity);
  }

  push(value: number): void {
    this.values[this.count++ % this.values.length] = value;
  }

  /** The values recorded since `count` was `from` (at most the last `capacity`). */
  since(from: number): number[] {
    const out: number[] = [];
    for (let i = Math.max(from, this.count - this.values.length); i < this.count; i++) out.push(this.values[i % this.values.length]);
    return out;
  }
}
