/**
 * POS devices in the HTTP app: the operator's device routes, the POS's own, the POS itself
 * served at /pos/, and the hourly forgetting of pairing codes a day past expiry.
 */
import type { FastifyInstance } from "fastify";
import type { HttpContext } from "./context.js";
import { deviceRoutes } from "./device-routes.js";
import { posRoutes } from "./pos-routes.js";
import { installPosStatic, posDistDir } from "./pos-static.js";

export async function installDevices(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  deviceRoutes(app, ctx);
  posRoutes(app, ctx);
  const { built } = await installPosStatic(app, posDistDir(ctx.config.posDir));
  if (!built)
    app.log.warn("the POS app is not built: /pos/ answers 503 (run `npm run build -w @fulfill/pos`)");

  const timer = setInterval(() => {
    ctx.devices.purgeExpiredPairingCodes().catch(() => undefined);
  }, 3600 * 1000);
  timer.unref();
  app.addHook("onClose", async () => clearInterval(timer));
}
