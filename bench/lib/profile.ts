/** Summarizes a V8 .cpuprofile (node --cpu-prof): self time by function and by file. */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileSummary {
  readonly file: string;
  /** CPU-profile time inside the measurement windows (idle included). */
  readonly total_ms: number;
  readonly top_functions: {
    self_pct: number;
    self_ms: number;
    fn: string;
    where: string;
    callers: string[];
  }[];
  readonly by_file: { self_pct: number; file: string }[];
  readonly by_area: Record<string, number>;
}

function shortUrl(url: string): string {
  return url
    .replace(/^file:\/\//, "")
    .replace(/^.*\/node_modules\//, "npm:")
    .replace(/^.*\/packages\/server\//, "server:");
}

/** Where the time goes, in coarse areas: our code, the database driver, the HTTP stack, the runtime. */
function area(url: string, fn: string): string {
  if (!url)
    return fn === "(garbage collector)"
      ? "gc"
      : fn === "(idle)"
        ? "idle"
        : fn === "(program)"
          ? "program"
          : "native";
  if (url.includes("/packages/server/")) return "server code";
  if (/node_modules\/(pg|pg-protocol|pg-pool|pg-types|postgres-)/.test(url)) return "pg driver";
  if (url.includes("node_modules/@electric-sql/pglite") || url.startsWith("wasm://")) return "pglite";
  if (url.includes("node_modules/kysely")) return "kysely";
  if (
    /node_modules\/(fastify|find-my-way|avvio|light-my-request|@fastify|fast-json-stringify|secure-json-parse|ajv|fast-uri)/.test(
      url,
    )
  )
    return "fastify";
  if (/node_modules\/(pino|sonic-boom|thread-stream)/.test(url)) return "pino";
  if (url.includes("node_modules/typebox")) return "typebox";
  if (url.startsWith("node:")) return "node core";
  if (url.includes("node_modules/")) return "other npm";
  return "other";
}

/**
 * `windows`: spans on the monotonic clock (µs, process.hrtime) to keep, e.g. the measurements;
 * V8 stamps its samples on the same clock, so start-up and loading drop out.
 */
export function summarizeProfile(
  path: string,
  windows: readonly [number, number][] = [],
  top = 25,
): ProfileSummary {
  const p = JSON.parse(readFileSync(path, "utf8")) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inWindow = (t: number) => windows.length === 0 || windows.some(([a, b]) => t >= a && t <= b);
  const self = new Map<number, number>();
  if (p.samples && p.timeDeltas) {
    let t = p.startTime;
    for (let i = 0; i < p.samples.length; i++) {
      t += p.timeDeltas[i] ?? 0;
      if (!inWindow(t)) continue;
      const id = p.samples[i] as number;
      self.set(id, (self.get(id) ?? 0) + ((p.timeDeltas[i + 1] ?? 0) as number));
    }
  }
  const frame = (id: number | undefined): string => {
    const n = id === undefined ? undefined : byId.get(id);
    if (!n) return "";
    const { functionName, url, lineNumber } = n.callFrame;
    return `${functionName || "(anonymous)"}${url ? ` ${shortUrl(url)}:${lineNumber + 1}` : ""}`;
  };
  const callers = new Map<string, Map<string, number>>();
  const total = [...self.values()].reduce((a, b) => a + b, 0) || 1;
  const fns = new Map<string, { ms: number; fn: string; where: string }>();
  const files = new Map<string, number>();
  const areas: Record<string, number> = {};
  for (const [id, us] of self) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const fn = functionName || "(anonymous)";
    const where = url ? `${shortUrl(url)}:${lineNumber + 1}` : "";
    const key = `${fn}@${where}`;
    const e = fns.get(key) ?? { ms: 0, fn, where };
    e.ms += us / 1000;
    fns.set(key, e);
    const chain = [frame(parent.get(id)), frame(parent.get(parent.get(id) ?? -1))]
      .filter(Boolean)
      .join(" < ");
    const cm = callers.get(key) ?? new Map<string, number>();
    cm.set(chain, (cm.get(chain) ?? 0) + us);
    callers.set(key, cm);
    const file = url ? shortUrl(url) : fn;
    files.set(file, (files.get(file) ?? 0) + us);
    const a = area(url, fn);
    areas[a] = (areas[a] ?? 0) + us;
  }
  const pct = (us: number) => Math.round((1000 * us) / total) / 10;
  return {
    file: path,
    total_ms: Math.round(total / 1000),
    top_functions: [...fns.values()]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top)
      .map((e) => ({
        self_pct: pct(e.ms * 1000),
        self_ms: Math.round(e.ms),
        fn: e.fn,
        where: e.where,
        callers: [...(callers.get(`${e.fn}@${e.where}`) ?? new Map<string, number>()).entries()]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 3)
          .map(([c, us]) => `${pct(us)}% ${c}`),
      })),
    by_file: [...files.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([file, us]) => ({ self_pct: pct(us), file })),
    by_area: Object.fromEntries(
      Object.entries(areas)
        .sort((a, b) => b[1] - a[1])
        .map(([k, us]) => [k, pct(us)]),
    ),
  };
}
