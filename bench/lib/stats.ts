/** Percentiles of latency samples (ms). */
export interface Latency {
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly mean: number;
  readonly max: number;
}

export function percentiles(samplesMs: number[]): Latency {
  if (samplesMs.length === 0)
    return { p50: Number.NaN, p90: Number.NaN, p99: Number.NaN, mean: Number.NaN, max: Number.NaN };
  const s = Float64Array.from(samplesMs).sort();
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] as number;
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  let sum = 0;
  for (const x of s) sum += x;
  return {
    p50: r3(at(0.5)),
    p90: r3(at(0.9)),
    p99: r3(at(0.99)),
    mean: r3(sum / s.length),
    max: r3(s[s.length - 1] as number),
  };
}

export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
