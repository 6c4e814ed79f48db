/**
 * The error catalogue of CONTRACT.md section 6, as data. Everything that answers an error
 * (the envelope, the OpenAPI document, the SDK's handling classes, the conformance tests)
 * reads this table; no error code or message is written anywhere else.
 */

export type Handling = "retry" | "recheck" | "rescan" | "refresh_qr" | "none";

export interface CatalogueRow {
  readonly row: string;
  readonly endpoint: "query" | "redeem" | "cancel" | "records";
  readonly code: string;
  readonly message: string;
  readonly description: string;
  readonly handling: Handling;
  readonly httpStatus: number;
  /** The sandbox fault point that produces this row on demand, when it is a dependency failure. */
  readonly fault?: string;
}

type RowSpec = [code: string, message: string, description: string, handling: Handling, fault?: string];

const query = {
  G1: [
    "-9990001",
    "FulfillParamInvalid",
    "The request is malformed: a field is missing or of the wrong type, both or neither of code_list and qr_info were sent, code_list is empty or longer than 100, or qr_info lacks the TT- prefix.",
    "none",
  ],
  G2: [
    "-3000000",
    "FulfillVerifierNoShopPermission",
    "third_shop_id is not a shop of this merchant, or lies outside the shops the grant allows.",
    "none",
  ],
  G3: [
    "-9990001",
    "FulfillInputCodeNotInteger",
    "A typed code contains a character that is not a digit.",
    "none",
  ],
  G4: [
    "-3000000",
    "FulfillVerifierNoScanPermission",
    "The token lacks the localservice.fulfill.query scope, or merchant_id is not the token's merchant.",
    "none",
  ],
  G5: ["-3000111", "FulfillCertificateNotFound", "No voucher exists for the typed codes.", "none"],
  G6: [
    "-3000103",
    "FulfillNoCodeUsableAtShop",
    "The codes exist, but none of them can be used at this shop.",
    "none",
  ],
  G7: [
    "-9990202",
    "FulfillGetScanPermissionFailed",
    "Reading the grant's scopes failed.",
    "retry",
    "query.scan_permission",
  ],
  G8: [
    "-9990202",
    "FulfillGetShopPermissionFailed",
    "Reading the shop permission failed.",
    "retry",
    "query.shop_permission",
  ],
  G9: [
    "-9990202",
    "FulfillGetMainAccountFailed",
    "Reading the merchant main account failed.",
    "retry",
    "query.main_account",
  ],
  G10: [
    "-3000110",
    "FulfillQRCodeBase64DecodeFailed",
    "The scanned QR string is not valid base64url.",
    "rescan",
  ],
  G11: [
    "-3000110",
    "FulfillQRCodeDecryptFailed",
    "The scanned QR string could not be decrypted or authenticated.",
    "rescan",
  ],
  G12: [
    "-9995000",
    "FulfillQRCodeDeserializeFailed",
    "The QR decrypted, but its content is not a QR payload.",
    "rescan",
  ],
  G13: [
    "-9990202",
    "FulfillGetCertificateFailed",
    "Reading the vouchers failed.",
    "retry",
    "query.certificate",
  ],
  G14: [
    "-9990202",
    "FulfillGetOrderFailed",
    "Reading the order or its after-sale orders failed.",
    "retry",
    "query.order",
  ],
  G15: [
    "-9990202",
    "FulfillGetSubOrderFailed",
    "Reading the sub-fulfillment or execution orders failed.",
    "retry",
    "query.sub_order",
  ],
  G16: [
    "-9990202",
    "FulfillRequeryMasterFailed",
    "Re-reading the typed codes from the primary database failed.",
    "retry",
    "query.master_requery",
  ],
  G17: ["-3000111", "FulfillVoucherNotFound", "The QR's shop order has no vouchers.", "none"],
  G18: ["-9990202", "FulfillGetProductFailed", "Reading the product failed.", "retry", "query.product"],
  G19: [
    "-3000109",
    "FulfillQRCodeScreenshotExpired",
    "The QR is past its lifetime (a screenshot); ask the customer to refresh it.",
    "refresh_qr",
  ],
  G20: [
    "-9990202",
    "FulfillGetProductImageFailed",
    "Resolving the product image URL failed.",
    "retry",
    "query.product_image",
  ],
  G21: [
    "-9990202",
    "FulfillGetHolidayFailed",
    "Reading holiday information failed.",
    "retry",
    "query.holiday",
  ],
  G22: [
    "-3000109",
    "FulfillRedeemQRCodeExpired",
    "The QR was already spent by a redemption; data lists the order's redeemed and after-sale codes. Ask the customer to refresh the QR.",
    "refresh_qr",
  ],
} satisfies Record<string, RowSpec>;

const redeem = {
  R1: [
    "-9990001",
    "FulfillParamInvalid",
    // R1 also answers cancel_redeem/ and query_redeem_record/: it names no field (error.detail does).
    "The request is malformed: a field is missing, of the wrong type or out of its range, or a list is empty or longer than 100 (error.detail names the field).",
    "none",
  ],
  R2: [
    "-3000000",
    "FulfillVerifierNoShopPermission",
    "third_shop_id is not a shop of this merchant, or lies outside the shops the grant allows.",
    "none",
  ],
  R2b: [
    "-3000000",
    "FulfillVerifierNoRedeemPermission",
    "The token lacks the localservice.fulfill.redeem scope, or merchant_id is not the token's merchant.",
    "none",
  ],
  R3: ["-9990001", "FulfillParamCheckFailed", "code_list contains duplicates.", "none"],
  R4: [
    "-9990202",
    "FulfillGetVerifierNameFailed",
    "Reading the verifier (app) name failed.",
    "recheck",
    "redeem.verifier_name",
  ],
  R5: [
    "-9990202",
    "FulfillGetShopPermissionFailed",
    "Reading the shop permission failed.",
    "recheck",
    "redeem.shop_permission",
  ],
  R6: [
    "-9990202",
    "FulfillGetRedeemPermissionFailed",
    "Reading the redeem permission failed.",
    "recheck",
    "redeem.redeem_permission",
  ],
  R7: [
    "-9990202",
    "FulfillGetMainAccountFailed",
    "Reading the merchant main account failed.",
    "recheck",
    "redeem.main_account",
  ],
  R9: [
    "-3000105",
    "FulfillCoreRedeemTimeout",
    "The fulfillment core did not answer within its deadline.",
    "recheck",
    "redeem.core_timeout",
  ],
  R10: ["-9990001", "FulfillCoreParamInvalid", "shop_order_id is not a decimal id.", "none"],
  R11: [
    "-9990101",
    "FulfillGenRedeemIdFailed",
    "Generating the redemption id failed.",
    "recheck",
    "redeem.redeem_id",
  ],
  R12: ["-9990001", "FulfillParseCodeFailed", "A code is not exactly 12 digits.", "none"],
  R13: [
    "-9990400",
    "FulfillVoucherReadFailed",
    "Reading the vouchers failed.",
    "recheck",
    "redeem.voucher_read",
  ],
  R14: [
    "-9990402",
    "FulfillVoucherCountMismatch",
    "Fewer vouchers were found than codes were sent: a code is unknown or not of this shop order.",
    "recheck",
  ],
  R15: ["-3000108", "FulfillVoucherRefunded", "The voucher was refunded.", "none"],
  R16: [
    "-3000100",
    "FulfillVoucherNotInUsableTime",
    "The voucher is not usable now: before its start, or on an unusable weekday, hour or holiday.",
    "none",
  ],
  R17: ["-3000101", "FulfillVoucherExpired", "The voucher is past its end time.", "none"],
  R18: ["-3000102", "FulfillVoucherAlreadyUsed", "The voucher was already redeemed.", "recheck"],
  R19: [
    "-3000203",
    "FulfillVoucherStateInvalid",
    "The voucher is in a state that cannot be redeemed.",
    "none",
  ],
  R20: [
    "-9990400",
    "FulfillExecOrderReadFailed",
    "Reading the execution orders failed.",
    "recheck",
    "redeem.exec_order_read",
  ],
  R21: ["-3000108", "FulfillExecOrderRefunded", "The execution order was refunded.", "none"],
  R22: [
    "-3000100",
    "FulfillExecOrderNotInUsableTime",
    "Now is outside the execution order's own window (a booked slot).",
    "none",
  ],
  R23: ["-3000101", "FulfillExecOrderExpired", "The execution order is past its end.", "none"],
  R24: ["-3000102", "FulfillExecOrderAlreadyUsed", "The execution order was already fulfilled.", "recheck"],
  R25: [
    "-3000203",
    "FulfillExecOrderStateInvalid",
    "The execution order is in a state that cannot be fulfilled.",
    "none",
  ],
  R26: [
    "-9990400",
    "FulfillSubOrderReadFailed",
    "Reading the sub-fulfillment orders failed.",
    "recheck",
    "redeem.sub_order_read",
  ],
  R27: [
    "-9990202",
    "FulfillShopSnapshotReadFailed",
    "Reading the applicable-shop snapshot failed.",
    "recheck",
    "redeem.shop_snapshot_read",
  ],
  R28: [
    "-3000200",
    "FulfillNoApplicableShop",
    "The product's applicable-shop snapshot lists no shop.",
    "none",
  ],
  R29: ["-3000108", "FulfillSubOrderRefunded", "The sub-fulfillment order was refunded.", "none"],
  R30: ["-3000104", "FulfillSubOrderRefundInProgress", "A refund of this item is in progress.", "none"],
  R31: ["-3000103", "FulfillShopNotApplicable", "The code cannot be used at this shop.", "none"],
  R32: [
    "-3000203",
    "FulfillSubOrderStateInvalid",
    "The sub-fulfillment order is in a state that cannot be fulfilled.",
    "none",
  ],
  R33: [
    "-9990103",
    "FulfillGenEventIdFailed",
    "Generating the domain event id failed.",
    "recheck",
    "redeem.event_id",
  ],
  R34: [
    "-9990452",
    "FulfillRedeemUpdateConflict",
    "The update lost to a concurrent writer (optimistic lock).",
    "recheck",
    "redeem.update_conflict",
  ],
} satisfies Record<string, RowSpec>;

/**
 * (ext) Rows of our own: the idempotency rows of CONTRACT.md section 5 share the seed's codes
 * with their own message; cancel and record rows get codes outside the seed's range.
 */
const extension = {
  X1: [
    "-9990001",
    "FulfillIdempotencyKeyReused",
    "The Idempotency-Key was already used with a different request body.",
    "none",
  ],
  X2: [
    "-9990452",
    "FulfillRedeemUpdateConflict",
    "A request with the same Idempotency-Key is still in flight.",
    "recheck",
  ],
} satisfies Record<string, RowSpec>;

/**
 * (ext) cancel_redeem/ and query_redeem_record/ (CONTRACT.md section 8). Their gateway checks
 * answer the redeem rows (same scope, same checks); their own causes get codes of their own.
 */
const cancel = {
  C1: [
    "-3000300",
    "FulfillRedeemRecordNotFound",
    "No redemption with this redeem_id was made by this merchant at this shop.",
    "none",
  ],
  C2: ["-3000301", "FulfillCancelWindowClosed", "The cancel window of this redemption has passed.", "none"],
  C3: ["-3000302", "FulfillRedeemAlreadyCancelled", "This redemption was already cancelled.", "none"],
  C4: [
    "-3000303",
    "FulfillCancelCodeMovedOn",
    "A code of this redemption moved on (refund in progress or refunded); it cannot be cancelled.",
    "none",
  ],
  C5: [
    "-9990453",
    "FulfillCancelUpdateConflict",
    "The cancel lost to a concurrent writer; query the records, then decide.",
    "recheck",
  ],
  C6: ["-3000304", "FulfillRedeemIdInvalid", "redeem_id is not a decimal id.", "none"],
  C7: ["-9990454", "FulfillCancelReadFailed", "Reading or writing the redemption failed.", "recheck"],
} satisfies Record<string, RowSpec>;

const records = {
  Q1: [
    "-3000310",
    "FulfillRecordQueryInvalid",
    "end_time is before start_time, or the cursor is not one this endpoint returned.",
    "none",
  ],
  Q2: ["-9990460", "FulfillRecordReadFailed", "Reading the redemption records failed.", "retry"],
} satisfies Record<string, RowSpec>;

export type CatalogueEndpoint = "query" | "redeem" | "cancel" | "records";

function build(endpoint: CatalogueEndpoint, rows: Record<string, RowSpec>): CatalogueRow[] {
  return Object.entries(rows).map(([row, [code, message, description, handling, fault]]) => ({
    row,
    endpoint,
    code,
    message,
    description,
    handling,
    httpStatus: 500,
    ...(fault ? { fault } : {}),
  }));
}

export const CATALOGUE: readonly CatalogueRow[] = [
  ...build("query", query),
  ...build("redeem", redeem),
  ...build("redeem", extension),
  ...build("cancel", cancel),
  ...build("records", records),
];

const byRow = new Map(CATALOGUE.map((r) => [r.row, r]));

export type RowId =
  | keyof typeof query
  | keyof typeof redeem
  | keyof typeof extension
  | keyof typeof cancel
  | keyof typeof records;

export function catalogueRow(row: RowId): CatalogueRow {
  const found = byRow.get(row);
  if (!found) throw new Error(`unknown catalogue row ${row}`);
  return found;
}

/** Fault point name → the rows it can produce (a point may serve several paths). */
export const FAULT_POINTS: readonly string[] = [
  ...new Set(CATALOGUE.flatMap((r) => (r.fault ? [r.fault] : []))),
];

/** Transient = not final: CONTRACT.md section 5 calls final only success or a row with handling `none`. */
export function isTransient(handling: Handling): boolean {
  return handling !== "none";
}

/**
 * Fault points beyond the catalogue's, for our own failure tests: `redeem.commit` makes the
 * redeem transaction's commit fail after its updates ran (nothing may be left partial).
 */
export const EXTRA_FAULT_POINTS: readonly string[] = ["redeem.commit"];

export function findRow(row: string): CatalogueRow | undefined {
  return byRow.get(row);
}

/**
 * The generic errors of the TTLS v2 envelope (string codes): what answers that are not a
 * catalogue row end on (the token, rate limits, the platform and operator APIs).
 */
export const GENERIC = {
  access_token_invalid: { status: 401, message: "The access token is invalid or has expired." },
  rate_limit_exceeded: { status: 429, message: "Too many requests; retry after the Retry-After delay." },
  internal_error: { status: 500, message: "An unexpected error happened; contact support with the log id." },
  service_unavailable: { status: 503, message: "The service cannot reach its database; retry shortly." },
  not_found: { status: 404, message: "No such resource." },
  invalid_params: { status: 400, message: "The request is malformed." },
  scope_not_authorized: { status: 401, message: "The token is not allowed to call this endpoint." },
  // The POS's pairing (POST /pos/api/pair).
  pairing_code_invalid: { status: 400, message: "The pairing code is wrong, already used, or expired." },
  pairing_not_allowed: {
    status: 400,
    message: "The app this device was to act for is no longer granted for this shop.",
  },
} as const;

export type GenericCode = keyof typeof GENERIC;

/** What an answer ends on: a catalogue row, or a generic error of the envelope. */
export type AnswerRow = RowId | GenericCode;
