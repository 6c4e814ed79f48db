/**
 * The hot statements live in `store/sql/*.sql`, checked in so that a review reads each one whole
 * (as Immich checks in its queries). A file holds named parts, each after a `-- name: <part>`
 * line; what comes before the first part documents the file. Comments (`--` to the end of a
 * line; the files have no `--` inside string literals) are not sent. Parameters are `:name`
 * (psql's variable syntax, so a file can be tried in psql); `::type` casts are not parameters.
 *
 * The files are read once, when the store module loads, relative to this module: the server
 * always runs from its sources (tsx, vitest, the CLI), so they sit next to it.
 */
import { readFileSync } from "node:fs";
import { CompiledQuery, type RawBuilder, sql } from "kysely";
import { preparedAs } from "./database.js";

/** The named parts of one file in store/sql/, comments removed. */
export function readSqlFile(file: string): Record<string, string> {
  const text = readFileSync(new URL(`./sql/${file}`, import.meta.url), "utf8");
  const parts: Record<string, string> = {};
  let name: string | null = null;
  let lines: string[] = [];
  const close = () => {
    if (name !== null) parts[name] = lines.join("\n").trim();
  };
  for (const line of text.split("\n")) {
    const header = /^--\s*name:\s*([a-z_]+)\s*$/.exec(line.trim());
    if (header) {
      close();
      name = header[1] as string;
      lines = [];
      continue;
    }
    const code = line.replace(/--.*$/, "").trimEnd();
    if (name !== null && code.trim() !== "") lines.push(code);
  }
  close();
  return parts;
}

const PARAMETER = /(?<![:\w]):([a-z_][a-z0-9_]*)/g;

/**
 * A statement whose parameters are numbered once, at load: `:name` becomes `$n` (each name one
 * number, by first appearance), and the text is marked as a named prepared statement. Binding
 * builds no query per call: the hottest reads are sent as written.
 */
export class PositionalStatement<Row> {
  readonly sql: string;
  readonly names: readonly string[];

  constructor(preparedName: string, text: string) {
    const names: string[] = [];
    const numbered = text.replace(PARAMETER, (_, name: string) => {
      let at = names.indexOf(name);
      if (at < 0) at = names.push(name) - 1;
      return `$${at + 1}`;
    });
    this.sql = `${preparedAs(preparedName)}${numbered}`;
    this.names = names;
  }

  bind(values: Readonly<Record<string, unknown>>): CompiledQuery<Row> {
    return CompiledQuery.raw(
      this.sql,
      this.names.map((name) => {
        if (!(name in values)) throw new Error(`SQL parameter :${name} not bound`);
        return values[name];
      }),
    ) as CompiledQuery<Row>;
  }
}

/**
 * A statement bound through Kysely: each `:name` occurrence becomes a parameter, or, when bound
 * to SQL (a RawBuilder), that SQL in place (a subquery another store module owns). Marked as a
 * named prepared statement: the bound fragments' texts never vary, only their values.
 */
export class TemplateStatement<Row> {
  readonly #fragments: string[];
  readonly #names: string[];

  constructor(preparedName: string, text: string) {
    const pieces = text.split(PARAMETER);
    // split() with a capture group alternates text and parameter names.
    this.#fragments = pieces.filter((_, i) => i % 2 === 0);
    this.#names = pieces.filter((_, i) => i % 2 === 1);
    this.#fragments[0] = `${preparedAs(preparedName)}${this.#fragments[0]}`;
  }

  bind(values: Readonly<Record<string, unknown>>): RawBuilder<Row> {
    const parameters = this.#names.map((name) => {
      if (!(name in values)) throw new Error(`SQL parameter :${name} not bound`);
      return values[name];
    });
    return sql<Row>(this.#fragments as unknown as TemplateStringsArray, ...parameters);
  }
}
