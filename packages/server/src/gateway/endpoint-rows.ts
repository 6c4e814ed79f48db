/** Which catalogue row each gateway check answers, per endpoint (CONTRACT.md section 2). */
import type { RowId } from "../domain/catalogue.js";

export type SaasEndpoint = "query" | "redeem";

export interface GatewayRows {
  readonly schema: RowId;
  readonly scopeRead: RowId;
  readonly noScope: RowId;
  readonly mainAccountRead: RowId;
  readonly shopPermissionRead: RowId;
  readonly noShop: RowId;
  readonly scope: string;
  readonly faults: { readonly scope: string; readonly mainAccount: string; readonly shopPermission: string };
}

export const GATEWAY_ROWS: Record<SaasEndpoint, GatewayRows> = {
  query: {
    schema: "G1",
    scopeRead: "G7",
    noScope: "G4",
    mainAccountRead: "G9",
    shopPermissionRead: "G8",
    noShop: "G2",
    scope: "localservice.fulfill.query",
    faults: {
      scope: "query.scan_permission",
      mainAccount: "query.main_account",
      shopPermission: "query.shop_permission",
    },
  },
  redeem: {
    schema: "R1",
    scopeRead: "R6",
    noScope: "R2b",
    mainAccountRead: "R7",
    shopPermissionRead: "R5",
    noShop: "R2",
    scope: "localservice.fulfill.redeem",
    faults: {
      scope: "redeem.redeem_permission",
      mainAccount: "redeem.main_account",
      shopPermission: "redeem.shop_permission",
    },
  },
};
