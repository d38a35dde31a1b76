// A Prometheus histogram for the per-frame media path. prom-client's observe() hashes the label
// set and allocates on every call (about a microsecond each); at 50 frames a second per call
// direction that is a real share of a gateway. Here a series is fetched once (per stream) and an
// observation is a bucket search and three additions into a typed array. It registers with
// prom-client's registry and reads out exactly as a prom-client histogram with one label.
import type client from 'prom-client';

export class HotSeries {
  /** Per bucket (the last one is +Inf), not cumulative. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    let i = 0;
    while (i < this.bounds.length && value > this.bounds[i]) i++;
    this.counts[i]++;
    this.sum += value;
    this.count++;
  }
}

interface Sample {
  labels: Record<string, string>;
  value: number;
  metricName: string;
}

export class HotHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, HotSeries>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelName: string,
    private readonly bounds: readonly number[],
    registry: client.Registry,
  ) {
    registry.registerMetric(this as unknown as client.Metric);
  }

  /** The series for one label value; keep it, and observe into it on the hot path. */
  labels(value: string): HotSeries {
    let found = this.series.get(value);
    if (!found) this.series.set(value, (found = new HotSeries(this.bounds)));
    return found;
  }

  /** What the registry reads at a scrape: cumulative buckets, +Inf, sum and count per series. */
  async get(): Promise<{ name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: Sample[] }> {
    const values: Sample[] = [];
    for (const [value, series] of this.series) {
      const labels = { [this.labelName]: value };
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += series.counts[i];
        values.push({ labels: { le: String(bound), ...labels }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { le: '+Inf', ...labels }, value: series.count, metricName: `${this.name}_bucket` });
      values.push({ labels, value: series.sum, metricName: `${this.name}_sum` });
      values.push({ labels, value: series.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    for (const series of this.series.values()) {
      series.counts.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }
}
