/**
 * The fuzz run: N generated inputs split across
 *   (a) the QR codec directly: altered, forged, random and foreign-key QRs (none may open; each
 *       answers its contract row), and sealed plaintexts that are not the QR JSON (G12);
 *   (b) get_code_item_list and (c) redeem_code bodies through the real Fastify app
 *       (`app.inject()`, in-process, embedded database, a world loaded, a valid token, rate limit
 *       and enumeration miss budget raised by configuration): malformed bodies, and bodies
 *       carrying forged QRs of a real shop order.
 * Every endpoint answer must be a documented envelope: the endpoint's catalogue code/message
 * pair with its HTTP status and handling, a log id in the header and the body, never a 2xx,
 * never a stack trace. Genuine controls (a real QR opens; a real QR body answers 200) prove a
 * forged opening would be seen.
 *
 *   npm run fuzz -- --inputs 1000000 --seed 42   (writes test/fuzz/results/<UTC date-time>.json)
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { CATALOGUE, type CatalogueRow } from "../../src/domain/catalogue.js";
import { LOG_ID_PATTERN } from "../../src/gateway/log-id.js";
import { QrCodec, type QrPayload } from "../../src/gateway/qr-codec.js";
import {
  bodies,
  type Endpoint,
  type FuzzRequest,
  forgedQrRow,
  nonQrPlaintexts,
  qrMutations,
  qrPayloads,
  randomQrStrings,
  validBody,
} from "../support/fuzz-inputs.js";
import { buildInProcessApp, type InProcessApp } from "../support/in-process-app.js";
import { QUERY, REDEEM } from "../support/server.js";
import { baseWorld, order, product, SHOP_1 } from "../support/world.js";

export type Target = "qr" | "query" | "redeem";

export interface FuzzOptions {
  readonly inputs: number;
  readonly seed: number;
  /** Shares of the inputs per target (normalized). */
  readonly shares?: Readonly<Record<Target, number>>;
  readonly concurrency?: number;
  readonly chunk?: number;
  readonly log?: (line: string) => void;
}

export interface Violation {
  readonly target: Target;
  readonly kind: string;
  readonly problem: string;
  readonly input: string;
  readonly answer: string;
}

export interface FuzzResult {
  inputs_total: number;
  inputs_by_target: Record<Target, number>;
  answers_by_row: Record<Target, Record<string, number>>;
  inputs_by_kind: Record<string, number>;
  controls: { run: number; failed: number };
  violations: { count: number; examples: Violation[] };
  forged_qr_opened: number;
  seconds: number;
  seed: number;
  node: string;
  started_at: string;
}

export const DEFAULT_SHARES: Record<Target, number> = { qr: 0.5, query: 0.25, redeem: 0.25 };

/** Rows a query can only answer once its QR opened (decrypted): a forged QR must never reach them. */
const BEFORE_QR_OPENS = new Set(["G1", "G2", "G3", "G4", "G10", "G11"]);

interface QrInput {
  readonly kind: string;
  readonly qr: string;
  /** The contract's row, or null for a genuine control (must open). */
  readonly expected: "G1" | "G10" | "G11" | "G12" | null;
  /** Not sealed with the server's key (or altered): opening it is a forgery. */
  readonly forged: boolean;
}

interface EndpointInput {
  readonly kind: string;
  readonly request: FuzzRequest;
  /** For bodies whose only defect is a forged qr_info: the exact row, and the QR itself. */
  readonly forgedQr?: { readonly qr: string; readonly expected: string };
}

function qrInputs(codec: QrCodec, genuine: readonly string[]): fc.Arbitrary<QrInput> {
  return fc.oneof(
    {
      arbitrary: qrMutations(genuine).map(
        ({ kind, qr }): QrInput => ({ kind: `altered.${kind}`, qr, expected: forgedQrRow(qr), forged: true }),
      ),
      weight: 12,
    },
    {
      arbitrary: randomQrStrings.map(
        (qr): QrInput => ({ kind: "random", qr, expected: forgedQrRow(qr), forged: true }),
      ),
      weight: 4,
    },
    {
      arbitrary: fc.tuple(qrPayloads, fc.uint8Array({ minLength: 32, maxLength: 32 })).map(
        ([p, key]): QrInput => ({
          kind: "foreign_key",
          qr: new QrCodec(Buffer.from(key)).seal(p as QrPayload),
          expected: "G11",
          forged: true,
        }),
      ),
      weight: 2,
    },
    {
      arbitrary: nonQrPlaintexts.map(
        (b): QrInput => ({
          kind: "sealed_not_qr_json",
          qr: codec.sealBytes(b),
          expected: "G12",
          forged: false,
        }),
      ),
      weight: 2,
    },
  );
}

function endpointInputs(
  endpoint: Endpoint,
  codec: QrCodec,
  genuine: readonly string[],
): fc.Arbitrary<EndpointInput> {
  const forged = qrInputs(codec, genuine).filter((q) => q.forged);
  const template = validBody(endpoint);
  const forgedBodies = forged.map((q): EndpointInput => {
    const body: Record<string, unknown> = { ...template, qr_info: q.qr };
    if (endpoint === "query") {
      delete body.code_list;
      return {
        kind: `forged_qr.${q.kind}`,
        request: { contentType: "application/json", body: JSON.stringify(body) },
        forgedQr: { qr: q.qr, expected: q.expected as string },
      };
    }
    // redeem_code has no qr_info: the field is extra, and the body is still checked as a whole.
    return {
      kind: `forged_qr.${q.kind}`,
      request: { contentType: "application/json", body: JSON.stringify(body) },
    };
  });
  return fc.oneof(
    {
      arbitrary: bodies(endpoint).map((request): EndpointInput => ({ kind: "malformed", request })),
      weight: 7,
    },
    { arbitrary: forgedBodies, weight: 3 },
  );
}

function split(total: number, shares: Readonly<Record<Target, number>>): Record<Target, number> {
  const sum = shares.qr + shares.query + shares.redeem;
  const query = Math.round((total * shares.query) / sum);
  const redeem = Math.round((total * shares.redeem) / sum);
  return { qr: total - query - redeem, query, redeem };
}

const inc = (m: Record<string, number>, k: string, by = 1) => {
  m[k] = (m[k] ?? 0) + by;
};

export async function runFuzz(opts: FuzzOptions): Promise<FuzzResult> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const perTarget = split(opts.inputs, opts.shares ?? DEFAULT_SHARES);
  const chunk = opts.chunk ?? 5_000;
  const concurrency = opts.concurrency ?? 8;
  const result: FuzzResult = {
    inputs_total: 0,
    inputs_by_target: { qr: 0, query: 0, redeem: 0 },
    answers_by_row: { qr: {}, query: {}, redeem: {} },
    inputs_by_kind: {},
    controls: { run: 0, failed: 0 },
    violations: { count: 0, examples: [] },
    forged_qr_opened: 0,
    seconds: 0,
    seed: opts.seed,
    node: process.version,
    started_at: startedAt,
  };
  const violation = (v: Violation) => {
    result.violations.count++;
    if (result.violations.examples.length < 20)
      result.violations.examples.push({ ...v, input: v.input.slice(0, 400), answer: v.answer.slice(0, 400) });
  };

  const t: InProcessApp = await buildInProcessApp();
  try {
    // The world: the base merchants and shops, and one real shop order with two usable codes.
    const p = product("7200000000000000001", { applicable_third_shop_ids: [SHOP_1] });
    const o = order({
      productId: p.product_id,
      items: [{ status: "WAIT_FULFILL" }, { status: "WAIT_FULFILL" }],
    });
    const loaded = await t.world({ ...baseWorld(), products: [p], orders: [o.order] });
    if (loaded.status !== 200) throw new Error(`world: ${loaded.status} ${loaded.text}`);
    const token = await t.token();
    const codec = t.qr;
    const now = t.system.clock.now();
    // Genuine QRs of the real order, long-lived for the run, of every length mod 3.
    const genuine = Array.from({ length: 24 }, (_, i) =>
      codec.seal({
        v: 1,
        shop_order_id: o.built.shopOrderId,
        qr_id: randomBytes(4 + i).toString("base64url"),
        iat: now,
        exp: now + 30 * 86_400,
      }),
    );

    const documented: Record<Endpoint, Map<string, CatalogueRow>> = {
      query: new Map(
        CATALOGUE.filter((r) => r.endpoint === "query").map((r) => [`${r.code} ${r.message}`, r]),
      ),
      redeem: new Map(
        CATALOGUE.filter((r) => r.endpoint === "redeem").map((r) => [`${r.code} ${r.message}`, r]),
      ),
    };

    // (a) the codec directly.
    const qrArb = qrInputs(codec, genuine);
    for (let done = 0, c = 0; done < perTarget.qr; c++) {
      const n = Math.min(chunk, perTarget.qr - done);
      for (const input of fc.sample(qrArb, { numRuns: n, seed: opts.seed + 1_000_003 * c + 1 })) {
        const r = codec.open(input.qr);
        const row = r.ok ? "OPENED" : r.row;
        inc(result.answers_by_row.qr, row);
        inc(result.inputs_by_kind, `qr.${input.kind}`);
        if (r.ok && input.forged) result.forged_qr_opened++;
        if (row !== input.expected)
          violation({
            target: "qr",
            kind: input.kind,
            problem: `expected ${input.expected}, got ${row}`,
            input: input.qr,
            answer: r.ok ? JSON.stringify(r.value) : `${r.row} ${r.cause}`,
          });
      }
      // Control: a genuine QR opens (else the detector above could not see an opening).
      result.controls.run++;
      const control = codec.open(genuine[c % genuine.length] as string);
      if (!control.ok || control.value.shop_order_id !== o.built.shopOrderId) {
        result.controls.failed++;
        violation({
          target: "qr",
          kind: "control",
          problem: "a genuine QR did not open",
          input: "",
          answer: "",
        });
      }
      done += n;
      result.inputs_by_target.qr = done;
    }
    log(`qr: ${perTarget.qr} inputs in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    // (b) and (c) through the app.
    for (const endpoint of ["query", "redeem"] as const) {
      const target: Target = endpoint;
      const path = endpoint === "query" ? QUERY : REDEEM;
      const arb = endpointInputs(endpoint, codec, genuine);
      const t0 = Date.now();
      for (let done = 0, c = 0; done < perTarget[target]; c++) {
        const n = Math.min(chunk, perTarget[target] - done);
        const samples = fc.sample(arb, {
          numRuns: n,
          seed: opts.seed + 1_000_003 * c + (endpoint === "query" ? 2 : 3),
        });
        let next = 0;
        const worker = async () => {
          while (next < samples.length) {
            const input = samples[next++] as EndpointInput;
            const res = await t.post(path, input.request.contentType, input.request.body, {
              authorization: `Bearer ${token}`,
            });
            inc(result.inputs_by_kind, `${endpoint}.${input.kind}`);
            const code = res.json?.error?.code;
            const message = res.json?.error?.message;
            const row = documented[endpoint].get(`${code} ${message}`);
            const header = res.headers["x-tt-logid"];
            const problems: string[] = [];
            if (res.status >= 200 && res.status < 300) problems.push("2xx for malformed input");
            if (!row) problems.push("undocumented code/message");
            else {
              if (res.status !== row.httpStatus) problems.push(`HTTP ${res.status} for ${row.row}`);
              if (res.json.error.handling !== row.handling) problems.push("wrong handling");
            }
            const data = res.json?.data;
            if (typeof data !== "object" || data === null || Array.isArray(data))
              problems.push("data not an object");
            if (
              typeof header !== "string" ||
              !LOG_ID_PATTERN.test(header) ||
              res.json?.error?.log_id !== header
            )
              problems.push("log id missing or different");
            if (/\bat .+\.(ts|js):\d+/.test(res.text) || /node_modules|\/src\//.test(res.text))
              problems.push("stack trace");
            const name = row?.row ?? `UNDOCUMENTED ${res.status} ${String(code).slice(0, 40)}`;
            inc(result.answers_by_row[target], name);
            if (input.forgedQr) {
              if (!BEFORE_QR_OPENS.has(name)) result.forged_qr_opened++;
              if (name !== input.forgedQr.expected) problems.push(`expected ${input.forgedQr.expected}`);
            }
            for (const problem of problems)
              violation({
                target,
                kind: input.kind,
                problem,
                input: `${input.request.contentType} ${input.request.body}`,
                answer: `${res.status} ${res.text}`,
              });
          }
        };
        await Promise.all(Array.from({ length: concurrency }, worker));
        // Control: the genuine QR of the real order answers its items (an opened forgery would too).
        if (endpoint === "query") {
          result.controls.run++;
          const res = await t.post(
            path,
            "application/json",
            JSON.stringify({
              ...validBody("query"),
              code_list: undefined,
              qr_info: genuine[c % genuine.length],
            }),
            { authorization: `Bearer ${token}` },
          );
          if (res.status !== 200 || res.json?.data?.shop_order_id !== o.built.shopOrderId) {
            result.controls.failed++;
            violation({
              target,
              kind: "control",
              problem: "a genuine QR did not answer 200",
              input: "",
              answer: `${res.status} ${res.text}`,
            });
          }
        }
        done += n;
        result.inputs_by_target[target] = done;
        // The request log is real; keep the in-memory database small over a long run.
        await t.context.requestLog.flush();
        await t.system.gateway.purgeRequestLog(Math.floor(t.system.realClock.nowMs() / 1000) + 10);
        if (c % 10 === 9)
          log(
            `${endpoint}: ${done}/${perTarget[target]} (${((done * 1000) / (Date.now() - t0)).toFixed(0)}/s)`,
          );
      }
      log(`${endpoint}: ${perTarget[target]} inputs in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
  } finally {
    await t.close();
  }
  result.inputs_total =
    result.inputs_by_target.qr + result.inputs_by_target.query + result.inputs_by_target.redeem;
  result.seconds = Math.round((Date.now() - started) / 100) / 10;
  for (const m of Object.values(result.answers_by_row)) sortKeys(m);
  sortKeys(result.inputs_by_kind);
  return result;
}

function sortKeys(m: Record<string, number>): void {
  const entries = Object.entries(m).sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true }));
  for (const k of Object.keys(m)) delete m[k];
  for (const [k, v] of entries) m[k] = v;
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  if (i >= 0) return args[i + 1];
  const eq = args.find((a) => a.startsWith(`--${name}=`));
  return eq?.slice(name.length + 3);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const inputs = Number(flag(args, "inputs") ?? 1_000_000);
  const seed = Number(flag(args, "seed") ?? Math.floor(Math.random() * 2 ** 31));
  if (!Number.isSafeInteger(inputs) || inputs < 3) throw new Error("--inputs must be an integer >= 3");
  if (!Number.isSafeInteger(seed)) throw new Error("--seed must be an integer");
  process.stderr.write(`fuzz: ${inputs} inputs, seed ${seed}\n`);
  const result = await runFuzz({ inputs, seed });
  const dir = fileURLToPath(new URL("./results/", import.meta.url));
  mkdirSync(dir, { recursive: true });
  const stamp = new Date(result.started_at).toISOString().slice(0, 19).replace(/[T:]/g, "-");
  const file = `${dir}${stamp}.json`;
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  const summary = [
    `inputs ${result.inputs_total}: qr ${result.inputs_by_target.qr}, query ${result.inputs_by_target.query}, redeem ${result.inputs_by_target.redeem}`,
    `answers by row: qr ${JSON.stringify(result.answers_by_row.qr)}`,
    `                query ${JSON.stringify(result.answers_by_row.query)}`,
    `                redeem ${JSON.stringify(result.answers_by_row.redeem)}`,
    `controls ${result.controls.run} (failed ${result.controls.failed})`,
    `violations ${result.violations.count}, forged QRs opened ${result.forged_qr_opened}`,
    `${result.seconds} s, seed ${result.seed}, node ${result.node}`,
    `results: ${file}`,
  ];
  process.stdout.write(`${summary.join("\n")}\n`);
  for (const v of result.violations.examples) process.stdout.write(`  ${JSON.stringify(v)}\n`);
  process.exitCode = result.violations.count > 0 || result.forged_qr_opened > 0 ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  });
}
