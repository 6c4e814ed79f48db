/** Lookups in the generated copy of the server's error catalogue. */
import { CATALOGUE, type CatalogueEndpoint, type CatalogueRow } from "./catalogue.generated.js";
import type { Endpoint } from "./paths.js";

export { CATALOGUE, type CatalogueRow, type Handling } from "./catalogue.generated.js";

/** cancel_redeem and query_redeem_record answer redeem's gateway rows besides their own. */
const ROWS_OF: Record<Endpoint, readonly CatalogueEndpoint[]> = {
  token: [],
  query: ["query"],
  redeem: ["redeem"],
  cancel: ["cancel", "redeem"],
  records: ["records", "redeem"],
};

/**
 * The row an answer came from. Several rows share one code (e.g. -9990202), so the match is by
 * endpoint and code, then by message, then by description (two rows share code and message).
 */
export function findRow(
  endpoint: Endpoint,
  code: string,
  message?: string,
  description?: string,
): CatalogueRow | undefined {
  const endpoints = ROWS_OF[endpoint];
  const byCode = CATALOGUE.filter((r) => r.code === code && endpoints.includes(r.endpoint));
  if (byCode.length <= 1) return byCode[0];
  const byMessage = byCode.filter((r) => r.message === message);
  if (byMessage.length <= 1) return byMessage[0];
  return byMessage.find((r) => r.description === description) ?? byMessage[0];
}
