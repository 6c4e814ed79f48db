/** Conformance, get_code_item_list: the dependency rows, each by its sandbox fault point (G7–G21). */
import { expect, it } from "vitest";
import { catalogueRow, type RowId } from "../../../src/domain/catalogue.js";
import type { Conformance } from "./support.js";

export function queryFaultRows(c: Conformance): void {
  const { query, operator, arm, issueQr, typed, scanned, expectRow, expectOk, o } = c;
  const queryFaults: [row: string, point: string, paths: ("typed" | "qr")[]][] = [
    ["G7", "query.scan_permission", ["typed", "qr"]],
    ["G8", "query.shop_permission", ["typed", "qr"]],
    ["G9", "query.main_account", ["typed", "qr"]],
    ["G13", "query.certificate", ["typed", "qr"]],
    ["G14", "query.order", ["typed", "qr"]],
    ["G15", "query.sub_order", ["typed", "qr"]],
    ["G16", "query.master_requery", ["typed"]],
    ["G18", "query.product", ["typed", "qr"]],
    ["G20", "query.product_image", ["typed", "qr"]],
    ["G21", "query.holiday", ["typed", "qr"]],
  ];
  for (const [row, point, paths] of queryFaults) {
    it(`${row}: fault ${point} on ${paths.join(" and ")}`, async () => {
      expect(catalogueRow(row as RowId).fault).toBe(point);
      for (const path of paths) {
        await arm(point);
        const body = path === "typed" ? typed(o("q").codes) : scanned(await issueQr(o("q").shopOrderId));
        expectRow(await query(body), row, `fault ${point}, ${path === "typed" ? "typed codes" : "QR"}`);
        // the fault was consumed by the failing read, and the same request now succeeds
        expectOk(await query(body), `${row} after the fault`);
      }
    });
  }

  it("G16's fault point is not read by the QR path", async () => {
    await arm("query.master_requery");
    expectOk(await query(scanned(await issueQr(o("q").shopOrderId))), "QR with query.master_requery armed");
    expect((await operator("GET", "/sandbox/faults")).json.data.armed).toHaveLength(1);
  });
}
