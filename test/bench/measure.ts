// What the gateway benchmarks share: a table row, percentiles, IPC with their load process, and
// the measured window (the gateway process's CPU and event-loop lag while the load runs).
import type { ChildProcess } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const LOOP_RESOLUTION_MS = 10;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : NaN);

/** Formats one row under `headers`: the first column left-aligned, the rest right-aligned to their header. */
export const tableRow = (headers: string[]) => (values: (string | number)[]) =>
  values.map((v, i) => (i === 0 ? String(v).padEnd(headers[i].length) : String(v).padStart(headers[i].length))).join('  ');

/** The next IPC message of `type` from the load process. */
export const nextMessage = (child: ChildProcess, type: string) =>
  new Promise<any>((resolve, reject) => {
    const onMessage = (m: any) => m?.type === type && (child.off('message', onMessage), resolve(m));
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`load process exited (${code}) before '${type}'`)));
  });

export interface Window {
  wallMs: number;
  cpuMs: number;
  /** Event-loop delay p99 beyond the timer's resolution, or 'stalled' when the loop never ran. */
  loopLagP99: string;
}

/** Tells the load process to start measuring, waits `seconds`, and reads this process's CPU and loop lag over that window. */
export async function measureWindow(child: ChildProcess, seconds: number): Promise<Window> {
  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  loop.enable();
  child.send('measure');
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - t0;
  loop.disable();
  return {
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    loopLagP99: loop.count ? Math.max(0, loop.percentile(99) / 1e6 - LOOP_RESOLUTION_MS).toFixed(1) : 'stalled',
  };
}
