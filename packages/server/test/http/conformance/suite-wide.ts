/** Conformance: the contract's table against the catalogue, and the suite-wide checks (every row reached, every log id its own). */
import { afterAll, describe, expect, it } from "vitest";
import { CATALOGUE, catalogueRow, type RowId } from "../../../src/domain/catalogue.js";
import { testDatabases } from "../../support/databases.js";
import { CONTRACT, CONTRACT_FAULTS, coverage, generic, logIds, REQUIRED } from "./support.js";

export function suiteWide(): void {
  describe("the contract's table", () => {
    it("the catalogue matches the contract for every row, and names the contract's fault points", () => {
      for (const row of Object.keys(CONTRACT)) {
        const [code, message, handling] = CONTRACT[row] as (typeof CONTRACT)[string];
        const cat = catalogueRow(row as RowId);
        expect([cat.code, cat.message, cat.handling, cat.httpStatus], row).toEqual([
          code,
          message,
          handling,
          500,
        ]);
        expect(cat.fault, row).toBe(CONTRACT_FAULTS[row]);
      }
      // no query/redeem row of the catalogue is left out of this suite (R8 is the core's pass-through, not a row)
      const seed = CATALOGUE.filter((r) => r.endpoint === "query" || r.endpoint === "redeem").map(
        (r) => r.row,
      );
      expect(new Set(seed)).toEqual(new Set(Object.keys(CONTRACT)));
    });
  });

  describe("suite-wide", () => {
    afterAll(() => {
      const dbs = [...coverage.keys()];
      const lines = [
        `| row | code | message | ${dbs.join(" | ")} |`,
        `|---|---|---|${dbs.map(() => "---").join("|")}|`,
      ];
      for (const row of REQUIRED) {
        const [code, message] = CONTRACT[row] as (typeof CONTRACT)[string];
        lines.push(
          `| ${row} | ${code} | ${message} | ${dbs.map((d) => coverage.get(d)?.get(row)?.length ?? 0).join(" | ")} |`,
        );
      }
      for (const key of new Set([...generic.values()].flatMap((m) => [...m.keys()]))) {
        lines.push(
          `| (generic) | ${key} | | ${dbs.map((d) => generic.get(d)?.get(key)?.length ?? 0).join(" | ")} |`,
        );
      }
      lines.push(`answers with a log id: ${logIds.length}, distinct: ${new Set(logIds).size}`);
      console.log(`conformance coverage (answers per row and database)\n${lines.join("\n")}`);
    });

    it("every required row was reached on every database", () => {
      expect(coverage.size).toBe(testDatabases().length);
      for (const [db, rows] of coverage) {
        const missing = REQUIRED.filter((r) => !rows.has(r));
        expect(missing, `rows not reached on ${db}`).toEqual([]);
      }
    });

    it("every answer of the suite had a log id of its own", () => {
      expect(logIds.length).toBeGreaterThan(100);
      const seen = new Map<string, number>();
      for (const id of logIds) seen.set(id, (seen.get(id) ?? 0) + 1);
      expect([...seen].filter(([, n]) => n > 1)).toEqual([]);
    });
  });
}
