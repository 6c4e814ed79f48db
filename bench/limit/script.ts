/**
 * A small interpreter of the pgbench scripts of this folder, for the embedded database, which
 * pgbench cannot reach (PGlite lives inside one process). It runs the same files: `\set` with
 * integer arithmetic (+ - * / %, parentheses, random(a, b)), SQL ending in `;` or `\gset`, and
 * `:variable` substitution as parameters of a prepared statement (as pgbench's prepared mode does).
 */
import { readFileSync } from "node:fs";

export type Vars = Map<string, string>;

export type Command =
  | { readonly kind: "set"; readonly name: string; readonly expr: string }
  | {
      readonly kind: "sql";
      readonly text: string;
      readonly params: readonly string[];
      readonly gset: boolean;
    };

export function parseScript(path: string): Command[] {
  const lines = readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => !l.trim().startsWith("--"));
  const commands: Command[] = [];
  let sql: string[] = [];
  const flush = (gset: boolean) => {
    const raw = sql.join("\n").trim();
    sql = [];
    if (!raw) return;
    // As pgbench: every occurrence of a variable is a parameter of its own (so each gets its own type).
    const params: string[] = [];
    const text = raw.replace(/(?<!:):([A-Za-z_][A-Za-z0-9_]*)/g, (_m, name: string) => {
      params.push(name);
      return `$${params.length}`;
    });
    commands.push({ kind: "sql", text, params, gset });
  };
  for (const line of lines) {
    const t = line.trim();
    if (!t) continue;
    const set = /^\\set\s+(\w+)\s+(.+)$/.exec(t);
    if (set) {
      commands.push({ kind: "set", name: set[1] as string, expr: set[2] as string });
      continue;
    }
    if (t.endsWith("\\gset")) {
      sql.push(line.replace(/\\gset\s*$/, ""));
      flush(true);
    } else if (t.endsWith(";")) {
      sql.push(line.replace(/;\s*$/, ""));
      flush(false);
    } else {
      sql.push(line);
    }
  }
  flush(false);
  return commands;
}

/** Evaluates a pgbench integer expression (64-bit, as BigInt). */
export function evaluate(expr: string, vars: Vars): bigint {
  const tokens = expr.match(/:[A-Za-z_]\w*|\d+|[A-Za-z_]\w*|[-+*/%(),]/g) ?? [];
  let pos = 0;
  const peek = () => tokens[pos];
  const take = () => tokens[pos++];
  const value = (name: string): bigint => {
    const v = vars.get(name);
    if (v === undefined) throw new Error(`undefined variable ${name}`);
    return BigInt(v);
  };
  const factor = (): bigint => {
    const t = take();
    if (t === undefined) throw new Error(`unexpected end of ${expr}`);
    if (t === "(") {
      const v = sum();
      take();
      return v;
    }
    if (t === "-") return -factor();
    if (t.startsWith(":")) return value(t.slice(1));
    if (/^\d+$/.test(t)) return BigInt(t);
    if (t === "random") {
      take(); // (
      const lo = sum();
      take(); // ,
      const hi = sum();
      take(); // )
      return lo + BigInt(Math.floor(Math.random() * Number(hi - lo + 1n)));
    }
    throw new Error(`unknown token ${t} in ${expr}`);
  };
  const product = (): bigint => {
    let v = factor();
    for (;;) {
      const op = peek();
      if (op !== "*" && op !== "/" && op !== "%") return v;
      take();
      const r = factor();
      v = op === "*" ? v * r : op === "/" ? v / r : v % r;
    }
  };
  const sum = (): bigint => {
    let v = product();
    for (;;) {
      const op = peek();
      if (op !== "+" && op !== "-") return v;
      take();
      const r = product();
      v = op === "+" ? v + r : v - r;
    }
  };
  return sum();
}

export interface Executor {
  query(text: string, params: string[]): Promise<{ rows: Record<string, unknown>[] }>;
}

/** Runs one pass of the script (one transaction) for one client. */
export async function runScript(commands: readonly Command[], vars: Vars, db: Executor): Promise<void> {
  for (const c of commands) {
    if (c.kind === "set") {
      vars.set(c.name, evaluate(c.expr, vars).toString());
      continue;
    }
    const params = c.params.map((p) => {
      const v = vars.get(p);
      if (v === undefined) throw new Error(`undefined variable ${p}`);
      return v;
    });
    const result = await db.query(c.text, params);
    if (c.gset) {
      const row = result.rows[0];
      if (!row || result.rows.length !== 1)
        throw new Error(`\\gset expected one row, got ${result.rows.length}`);
      for (const [k, v] of Object.entries(row)) vars.set(k, String(v));
    }
  }
}
