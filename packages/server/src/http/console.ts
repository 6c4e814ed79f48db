/** The operator's console in the HTTP app: its built files at /console/ (it calls the platform API). */
import type { FastifyInstance } from "fastify";
import { consoleDistDir, installConsoleStatic } from "./console-static.js";

export async function installConsole(app: FastifyInstance): Promise<void> {
  const { built } = await installConsoleStatic(app, consoleDistDir());
  if (!built)
    app.log.warn("the console is not built: /console/ answers 503 (run `npm run build -w @fulfill/console`)");
}
