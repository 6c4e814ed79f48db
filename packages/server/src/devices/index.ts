/**
 * POS devices: one-time pairing codes for one shop, exchanged for a device token; the POS
 * itself served at /pos/. Installed into the HTTP app by server.ts.
 */
import type { FastifyInstance } from "fastify";
import type { HttpContext } from "../http/context.js";

export async function installDevices(_app: FastifyInstance, _ctx: HttpContext): Promise<void> {}
