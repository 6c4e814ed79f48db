/**
 * Event delivery in the HTTP app: the operator's routes, and the relay's life bound to the
 * app's (started once it listens, stopped when it closes, woken by every request that may
 * have committed a change; other processes' changes are found by polling).
 */
import type { FastifyInstance } from "fastify";
import type { HttpContext } from "./context.js";
import { eventRoutes } from "./event-routes.js";
import { webhookReportRoutes } from "./webhook-report-routes.js";

export async function installEventDelivery(
  app: FastifyInstance,
  ctx: HttpContext,
): Promise<{ stop(): Promise<void> }> {
  const events = ctx.events;
  eventRoutes(app, ctx);
  webhookReportRoutes(app, ctx);
  app.addHook("onResponse", async (request) => {
    if (request.method !== "GET" && request.method !== "HEAD" && request.method !== "OPTIONS") events.nudge();
  });
  app.addHook("onClose", async () => events.stop());
  // The loop starts once the server listens (a server that fails to start leaves nothing running).
  app.addHook("onListen", async () => events.start(app.log.child({ component: "events" })));
  return { stop: () => events.stop() };
}
