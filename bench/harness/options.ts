/** The command line of `npm run bench` (the usage text of --help is printed here). */
export type Db = "postgres" | "pglite";
export type Scenario = "lookup_code" | "lookup_qr" | "redeem" | "contested" | "redeem_100";
export const ALL_SCENARIOS: Scenario[] = ["lookup_code", "lookup_qr", "redeem", "contested", "redeem_100"];

export interface Options {
  readonly mode: "quick" | "full";
  readonly label: string;
  readonly dbs: Db[];
  readonly sizes: Record<Db, number[]>;
  readonly levels: number[];
  readonly durationS: number;
  readonly warmupS: number;
  readonly scenarios: Scenario[];
  readonly limits: boolean;
  readonly profile: boolean;
  readonly adminUrl: string;
  readonly contestedCodes: number;
  /** Extra paced lookup runs at these fractions of the peak (the latency curve); 0.5 always runs. */
  readonly curve: number[];
  readonly keep: boolean;
  /**
   * PostgreSQL runs on a private cluster the bench starts (initdb + pg_stat_statements, lib/cluster.ts);
   * `--shared-cluster` runs on the admin URL's cluster instead (no per-statement figures there).
   */
  readonly privateCluster: boolean;
  /** The private cluster's settings (set by run.ts when it started one). */
  readonly clusterSettings?: Record<string, string>;
}

function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(s.trim());
  if (!m) throw new Error(`bad size ${s}`);
  const mult = { "": 1, k: 1e3, K: 1e3, m: 1e6, M: 1e6 }[m[2] as string] ?? 1;
  return Math.round(Number(m[1]) * mult);
}

export function parseOptions(argv: string[]): Options {
  const has = (f: string) => argv.includes(f);
  const value = (f: string) => {
    const i = argv.indexOf(f);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  if (has("--help") || has("-h")) {
    process.stdout.write(`npm run bench -- [--quick] [--huge] [--db postgres|pglite|both] [--sizes 10k,1m]
  [--pglite-sizes 10k] [--concurrency 16,32,64] [--duration S] [--warmup S] [--label NAME]
  [--scenarios lookup_code,lookup_qr,redeem,contested,redeem_100] [--no-limits] [--profile]
  [--database-url postgres://postgres@127.0.0.1:5432/postgres] [--contested-codes 4] [--keep]
  [--shared-cluster]\n`);
    process.exit(0);
  }
  const quick = has("--quick");
  const list = (s: string | undefined) =>
    s
      ?.split(",")
      .map((x) => x.trim())
      .filter(Boolean);
  const dbFlag = value("--db") ?? "both";
  const dbs: Db[] = dbFlag === "both" ? ["postgres", "pglite"] : [dbFlag as Db];
  for (const d of dbs) if (d !== "postgres" && d !== "pglite") throw new Error(`--db ${dbFlag}?`);
  const pgSizes = list(value("--sizes"))?.map(parseSize) ?? (quick ? [10_000] : [10_000, 1_000_000]);
  if (has("--huge")) pgSizes.push(10_000_000);
  const liteSizes =
    list(value("--pglite-sizes"))?.map(parseSize) ??
    (quick ? [10_000] : pgSizes.filter((n) => n <= 1_000_000));
  return {
    mode: quick ? "quick" : "full",
    label: value("--label") ?? (quick ? "quick" : has("--profile") ? "profile" : "full"),
    dbs,
    sizes: { postgres: pgSizes, pglite: liteSizes },
    levels: list(value("--concurrency"))?.map(Number) ?? (quick ? [32] : [16, 32, 64]),
    durationS: Number(value("--duration") ?? (quick ? 5 : 10)),
    warmupS: Number(value("--warmup") ?? (quick ? 2 : 3)),
    scenarios: (list(value("--scenarios")) as Scenario[] | undefined) ?? ALL_SCENARIOS,
    limits: !has("--no-limits"),
    profile: has("--profile"),
    adminUrl:
      value("--database-url") ??
      process.env.BENCH_DATABASE_URL ??
      "postgres://postgres@127.0.0.1:5432/postgres",
    contestedCodes: Number(value("--contested-codes") ?? 4),
    curve: list(value("--curve"))?.map(Number) ?? [],
    keep: has("--keep"),
    privateCluster: !has("--shared-cluster"),
  };
}
