/**
 * Conformance: every row of the error catalogue (CONTRACT.md section 6) driven through HTTP against
 * a real running server, on every test database, each by its real cause: the request's shape,
 * data states loaded through POST /sandbox/world, the business clock (POST /sandbox/clock) and
 * the sandbox fault points (POST /sandbox/faults). Every answer is checked against the contract's
 * own table (hard-coded in conformance/support.ts, so a catalogue typo fails too) and against the
 * catalogue, and every log id is checked: present, equal to the X-Tt-Logid header, unique across
 * the whole suite. The generic answers (401, 429, 404) and the (ext) idempotency rows are covered
 * as well.
 *
 * One test file on purpose: the suite-wide checks (every row reached on every database, no log id
 * twice) see the answers of every subject, so the subjects (conformance/*.ts) register their
 * tests here, against one server per database, in this order.
 */
import { describe } from "vitest";
import { testDatabases } from "../support/databases.js";
import { genericAnswers } from "./conformance/generic.js";
import { idempotencyRows } from "./conformance/idempotency.js";
import { queryFaultRows } from "./conformance/query-faults.js";
import { queryQrRows } from "./conformance/query-qr.js";
import { queryTypedRows } from "./conformance/query-typed.js";
import { rateLimit } from "./conformance/rate-limit.js";
import { redeemCoreRows } from "./conformance/redeem-core.js";
import { redeemGatewayRows } from "./conformance/redeem-gateway.js";
import { suiteWide } from "./conformance/suite-wide.js";
import { conformanceServer } from "./conformance/support.js";

for (const database of testDatabases()) {
  describe(`conformance over HTTP on ${database.name}`, () => {
    const c = conformanceServer(database);
    genericAnswers(c);
    queryTypedRows(c);
    queryFaultRows(c);
    queryQrRows(c);
    redeemGatewayRows(c);
    redeemCoreRows(c);
    idempotencyRows(c);
    rateLimit(c);
  });
}

suiteWide();
