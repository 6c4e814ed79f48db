/**
 * Graceful shutdown of one server process (SIGTERM / SIGINT, main.ts):
 * 1. readiness goes false (`/readyz` 503 "draining") and every answer from now on carries
 *    `Connection: close`;
 * 2. the listener stops accepting connections, but open connections stay open: Node's own
 *    `server.close()` would also drop idle keep-alive connections at once, and a client sending
 *    on one at that moment gets a reset. A busy connection closes itself after its next (complete)
 *    answer; connections still idle after IDLE_GRACE_MS are closed then;
 * 3. in-flight requests finish, up to the grace period (FULFILL_SHUTDOWN_GRACE_MS);
 * 4. `close()` (the caller's): the app's onClose hooks flush the request-log batch and stop the
 *    relay (in-flight deliveries aborted, their claims given back), then the pool closes.
 * Past the grace period whatever is still open is cut, and the result says so.
 */
import { Server as NetServer } from "node:net";
import type { FastifyInstance } from "fastify";
import { drainState } from "./probes.js";

/** How long an idle keep-alive connection is left to its client once draining has begun. */
const IDLE_GRACE_MS = 1000;

export interface DrainOutcome {
  /** Connections still open when the grace period ran out (cut). */
  readonly cut: number;
  readonly elapsedMs: number;
}

const openConnections = (app: FastifyInstance) =>
  new Promise<number>((resolve) => app.server.getConnections((err, n) => resolve(err ? 0 : n)));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Steps 1–3; then `close` (step 4), which must resolve within what is left of the grace period. */
export async function drainAndClose(
  app: FastifyInstance,
  graceMs: number,
  close: () => Promise<void>,
): Promise<DrainOutcome> {
  const started = Date.now();
  const deadline = started + graceMs;
  drainState(app).draining = true;
  // Stop listening only (net's close, not http's, which would also drop idle connections).
  if (app.server.listening) NetServer.prototype.close.call(app.server);
  let idleClosed = false;
  let open = await openConnections(app);
  while (open > 0 && Date.now() < deadline) {
    if (!idleClosed && Date.now() - started >= Math.min(IDLE_GRACE_MS, graceMs)) {
      app.server.closeIdleConnections();
      idleClosed = true;
    }
    await sleep(20);
    open = await openConnections(app);
  }
  if (open > 0) app.server.closeAllConnections();
  const cut = open;
  const left = Math.max(0, deadline - Date.now());
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    close(),
    new Promise<void>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`shutdown: closing took over ${graceMs} ms`)), left + 1000);
    }),
  ]).finally(() => clearTimeout(timer));
  return { cut, elapsedMs: Date.now() - started };
}
