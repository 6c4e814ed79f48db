/** The markdown view of a results file. */

// biome-ignore lint/suspicious/noExplicitAny: the results object is plain JSON built by run.ts
type Json = any;

const f = (x: number | null | undefined, d = 1) =>
  x === null || x === undefined || Number.isNaN(x) ? "–" : x.toFixed(d);
const int = (x: number | null | undefined) =>
  x === null || x === undefined || Number.isNaN(x) ? "–" : Math.round(x).toLocaleString("en");
const dbName = (db: string) => (db === "postgres" ? "PostgreSQL" : "embedded (PGlite)");
const size = (n: number) => (n >= 1e6 ? `${n / 1e6} M` : n >= 1e3 ? `${n / 1e3} k` : String(n));

function answers(a: Record<string, number>): string {
  return Object.entries(a)
    .sort((x, y) => y[1] - x[1])
    .map(([k, v]) => `${k.replace(/^(\w+) Fulfill/, "$1 ")} ${v}`)
    .join(", ");
}

export function renderMarkdown(r: Json): string {
  const out: string[] = [];
  out.push(
    `### Bench ${r.label}: ${r.date.slice(0, 16).replace("T", " ")} UTC (${r.mode}, ${r.wall_seconds} s)`,
  );
  out.push("");
  out.push(
    `Machine: ${r.machine.cores} cores (${r.machine.cpu}), ${r.machine.memory_gb} GB, Node ${r.machine.node}${r.machine.postgres ? `, ${r.machine.postgres.split(" on ")[0]}` : ""}; load average at start ${r.machine.loadavg_at_start.join(" / ")}. ` +
      `Rate limit raised to ${r.config.rate_limit.FULFILL_RATE_LIMIT.toLocaleString("en")}/s by configuration (FULFILL_RATE_LIMIT) for the run. ` +
      `${r.config.duration_s} s per measurement after a ${r.config.warmup_s} s warm-up.`,
  );
  out.push("");
  if (r.headline) {
    out.push(
      `**Headline (${dbName(r.headline.db)}, ${size(r.headline.n)} vouchers):** typed-code lookup ${f(r.ratios.lookup_code, 2)} L ` +
        `(c=${r.headline.reference_concurrency.lookup_code}: D ${int(r.D.lookup_code)}, H ${int(r.H.lookup_code)}, L ${int(r.L.lookup_code)} rps); ` +
        `redeem ${f(r.ratios.redeem, 2)} L (c=${r.headline.reference_concurrency.redeem}: D ${int(r.D.redeem)}, H ${int(r.H.redeem)}, L ${int(r.L.redeem)} rps). ` +
        `Embedded: lookup ${f(r.ratios.pglite_lookup_code, 2)} L, redeem ${f(r.ratios.pglite_redeem, 2)} L. ` +
        `Lookup p99 at half of peak / H's at the same rate: ${f(r.latency.lookup_p99_ratio_to_h_at_half_peak, 2)}.`,
    );
    out.push("");
  }
  out.push("| database | N | operation | conc. | D tps | H rps | L rps | ours rps | ours / L |");
  out.push("|---|---:|---|---:|---:|---:|---:|---:|---:|");
  for (const run of r.runs) {
    for (const op of ["lookup_code", "redeem"]) {
      for (const row of run.limits[op]) {
        out.push(
          `| ${dbName(run.db)} | ${size(run.n)} | ${op} | ${row.concurrency} | ${int(row.D.tps)} | ${int(row.H.result.throughput_rps)} | ${int(row.L)} | ${int(row.ours_rps)} | **${f(row.ratio, 2)}** |`,
        );
      }
    }
  }
  out.push("");
  out.push(
    "| database | N | scenario | conc. | rps | ok/s | p50 ms | p90 ms | p99 ms | server CPU % | server RSS MB | PG CPU % | answers |",
  );
  out.push("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
  for (const run of r.runs) {
    for (const [scenario, list] of Object.entries(run.scenarios) as [string, Json[]][]) {
      for (const s of list) {
        out.push(
          `| ${dbName(run.db)} | ${size(run.n)} | ${scenario}${s.wrapped ? " (range used up)" : ""} | ${s.connections} | ${int(s.throughput_rps)} | ${int(s.ok_rps)} | ${f(s.latency_ms.p50)} | ${f(s.latency_ms.p90)} | ${f(s.latency_ms.p99)} | ${f(s.resources.server_cpu_pct, 0)} | ${int(s.resources.server_rss_mb_max)} | ${f(s.resources.db_cpu_pct, 0)} | ${answers(s.answers)} |`,
        );
      }
    }
    // Paced runs (an even open-loop arrival rate, latency from when each request was due).
    const paced: { label: string; bold: boolean; s: Json }[] = [];
    const p = run.lookup_p99_at_half_peak;
    if (p) {
      paced.push({ label: `50 % of peak (${int(p.offered_rate)}/s offered)`, bold: true, s: p.result });
      paced.push({
        label: `the same rate, H alone (bare Fastify, canned; ${int(p.h_same_rate.offered_rate)}/s)`,
        bold: false,
        s: p.h_same_rate.result,
      });
    }
    for (const c of run.lookup_curve ?? [])
      paced.push({
        label: `${Math.round(c.fraction * 100)} % of peak (${int(c.offered_rate)}/s)`,
        bold: false,
        s: c.result,
      });
    for (const { label, bold, s } of paced) {
      const p99 = bold ? `**${f(s.latency_ms.p99)}**` : f(s.latency_ms.p99);
      out.push(
        `| ${dbName(run.db)} | ${size(run.n)} | lookup_code paced at ${label} | ≤ ${s.connections} | ${int(s.throughput_rps)} | ${int(s.ok_rps)} | ${f(s.latency_ms.p50)} | ${f(s.latency_ms.p90)} | ${p99} | ${f(s.resources.server_cpu_pct, 0)} | ${int(s.resources.server_rss_mb_max)} | ${f(s.resources.db_cpu_pct, 0)} | ${answers(s.answers)} |`,
      );
    }
  }
  out.push("");
  out.push(
    "Limits measured in the same run (D: pgbench/PGlite on bench/limit/*.sql; H: bare Fastify, canned answer of the same size):",
  );
  out.push("");
  out.push("| database | N | operation | conc. | D p50 / p99 ms | H p50 / p99 ms | D transactions |");
  out.push("|---|---:|---|---:|---|---|---:|");
  for (const run of r.runs) {
    for (const op of ["lookup_code", "redeem"]) {
      for (const row of run.limits[op]) {
        out.push(
          `| ${dbName(run.db)} | ${size(run.n)} | ${op} | ${row.concurrency} | ${f(row.D.latency_ms.p50, 2)} / ${f(row.D.latency_ms.p99, 2)} | ${f(row.H.result.latency_ms.p50, 2)} / ${f(row.H.result.latency_ms.p99, 2)} | ${int(row.D.transactions)}${row.D_wrapped ? " (wrapped)" : ""} |`,
        );
      }
    }
  }
  out.push("");
  if (
    r.runs.some((run: Json) => [...run.limits.lookup_code, ...run.limits.redeem].some((x: Json) => x.cost))
  ) {
    out.push(
      "Cost per operation (CPU ms; ours counted until the outbox backlog is 0 and the request log flushed; PostgreSQL = every process of the private cluster):",
    );
    out.push("");
    out.push(
      "| database | N | operation | conc. | PG ms/op ours | PG ms/op D | ours / D | server ms/op ours | H ms/req | ours / H | statements ms/op ours / D | drained (backlog, log queue, ms) | other CPU % ours / D |",
    );
    out.push("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|");
    for (const run of r.runs) {
      for (const op of ["lookup_code", "redeem"]) {
        for (const row of run.limits[op]) {
          const c = row.cost;
          if (!c) continue;
          const d = c.ours.drained;
          out.push(
            `| ${dbName(run.db)} | ${size(run.n)} | ${op} | ${row.concurrency} | ${f(c.ours.pg_cpu_ms_per_op, 3)} | ${f(c.D?.pg_cpu_ms_per_op, 3)} | **${f(c.pg_cpu_ms_ratio_to_d, 2)}** | ${f(c.ours.server_cpu_ms_per_op, 3)} | ${f(c.H?.server_cpu_ms_per_op, 3)} | **${f(c.server_cpu_ms_ratio_to_h, 2)}** | ${f(c.ours.statements?.ms_per_op, 3)} / ${f(c.D?.statements?.ms_per_op, 3)} | ${d ? `${d.outbox_backlog}, ${d.request_log_pending}, ${d.drain_ms}` : "–"} | ${f(c.ours.other_cpu_pct, 0)} / ${f(c.D?.other_cpu_pct, 0)} |`,
          );
        }
      }
    }
    out.push("");
    for (const run of r.runs) {
      for (const op of ["lookup_code", "redeem"]) {
        for (const row of run.limits[op]) {
          for (const [who, cost] of [
            ["ours", row.cost?.ours],
            ["D", row.cost?.D],
          ] as const) {
            const st = cost?.statements;
            if (!st) continue;
            out.push(
              `pg_stat_statements, ${dbName(run.db)} ${size(run.n)} ${op} c=${row.concurrency}, **${who}** (${int(cost.ops)} ops; ${f(st.calls_per_op, 2)} statements and ${f(st.ms_per_op, 3)} ms per op):`,
            );
            out.push("");
            out.push(
              "| calls | calls/op | total ms | mean ms | ms/op | share % | rows | WAL bytes/call | statement |",
            );
            out.push("|---:|---:|---:|---:|---:|---:|---:|---:|---|");
            for (const x of st.top.slice(0, 12)) {
              out.push(
                `| ${int(x.calls)} | ${f(x.calls_per_op, 2)} | ${f(x.total_ms, 1)} | ${f(x.mean_ms, 3)} | ${f(x.ms_per_op, 4)} | ${f(x.share_pct, 1)} | ${int(x.rows)} | ${int(x.calls ? x.wal_bytes / x.calls : 0)} | \`${x.query.slice(0, 140).replace(/\|/g, "\\|")}\` |`,
              );
            }
            out.push("");
          }
        }
      }
    }
  }
  out.push("");
  for (const run of r.runs) {
    const c = run.contested_check;
    if (c) {
      out.push(
        `- Contested check, ${dbName(run.db)} ${size(run.n)}: **${c.passed ? "passed" : "FAILED"}**: ${c.harness_successes} success answers; database: ${c.db_counts.redemptions} redemptions, ${c.db_counts.finished} FINISH vouchers, ${c.db_counts.events} events; codes redeemed twice: ${c.harness_codes_redeemed_twice.length} (answers), ${c.db_codes_redeemed_twice.length} (database).`,
      );
    }
  }
  for (const run of r.runs) {
    if (run.failure) out.push(`- **FAILED**, ${dbName(run.db)} ${size(run.n)}: ${run.failure}`);
  }
  out.push("");
  out.push("Criteria:");
  out.push("");
  for (const c of r.criteria) {
    out.push(
      `- ${c.met === null ? "n/a" : c.met ? "met" : "**not met**"}: ${c.name}${c.value !== null ? ` (${c.value})` : ""}`,
    );
  }
  const many = r.runs.filter((run: Json) => run.redeem_100);
  if (many.length) {
    out.push("");
    out.push(
      "Redeems of 100 codes of one order against redeems of one code, same concurrency (CPU = server + PostgreSQL):",
    );
    out.push("");
    for (const run of many) {
      const m = run.redeem_100;
      out.push(
        `- ${dbName(run.db)} ${size(run.n)}, c=${m.concurrency}: ${f(m.redeems_per_s)} redeems/s (${int(m.codes_per_s)} codes/s${m.wrapped ? ", orders used up" : ""}) against ${f(m.one_code_redeems_per_s)} 1-code redeems/s; ${f(m.cpu_ms_per_code, 3)} ms per code against ${f(m.cpu_ms_per_1_code_redeem, 3)} ms per 1-code redeem: **ratio ${f(m.cost_per_code_ratio_to_1, 3)}**`,
      );
    }
  }
  const reference = r.runs.filter((run: Json) => run.lookup_p99_at_half_peak);
  if (reference.length) {
    out.push("");
    out.push("Lookup p99 paced at half of our peak, beside the HTTP stack alone (H) paced at the same rate:");
    out.push("");
    for (const run of reference) {
      const p = run.lookup_p99_at_half_peak;
      out.push(
        `- ${dbName(run.db)} ${size(run.n)}: ${int(p.offered_rate)}/s offered; ours p99 ${f(p.result.latency_ms.p99)} ms, H p99 ${f(p.h_same_rate.result.latency_ms.p99)} ms, **ratio ${f(p.p99_ratio_to_h)}**`,
      );
    }
  }
  out.push("");
  return out.join("\n");
}
