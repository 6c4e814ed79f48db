/**
 * POS devices: one-time pairing codes for one shop, exchanged for a device token; the POS
 * itself served at /pos/. Installed into the HTTP app by server.ts.
 */
import type { FastifyInstance } from "fastify";
import type { HttpContext } from "../http/context.js";
import { DeviceStore } from "../store/device-store.js";
import { installPosStatic, posDistDir } from "./pos-static.js";
import { deviceRoutes } from "./routes.js";

export async function installDevices(app: FastifyInstance, ctx: HttpContext): Promise<void> {
  deviceRoutes(app, ctx);
  const { built } = await installPosStatic(app, posDistDir(ctx.config.posDir));
  if (!built)
    app.log.warn("the POS app is not built: /pos/ answers 503 (run `npm run build -w @fulfill/pos`)");

  // Housekeeping: forget pairing codes a day after they expired.
  const devices = new DeviceStore(ctx.system.database.db);
  const timer = setInterval(() => {
    devices.purgePairingCodes(ctx.system.clock.now() - 86_400).catch(() => undefined);
  }, 3600 * 1000);
  timer.unref();
  app.addHook("onClose", async () => clearInterval(timer));
}
