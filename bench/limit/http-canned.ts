/**
 * H: the HTTP stack alone. A bare Fastify (the server's version) answering, on the two SaaS
 * paths, a canned response of the same bytes as the real one (captured from the server under
 * test), after parsing the same JSON request body. No auth, no database, no logging.
 *   node --import tsx bench/limit/http-canned.ts --port P --bodies FILE
 * FILE: JSON {"<path>": "<response body>"}.
 */
import { readFileSync } from "node:fs";
import Fastify from "fastify";

function flag(name: string): string {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  if (v === undefined) throw new Error(`missing ${name}`);
  return v;
}

const bodies = JSON.parse(readFileSync(flag("--bodies"), "utf8")) as Record<string, string>;
const app = Fastify({ logger: false });
for (const [path, body] of Object.entries(bodies)) {
  app.post(path, async (_request, reply) => reply.type("application/json; charset=utf-8").send(body));
}
app.get("/healthz", async () => ({ status: "ok" }));
await app.listen({ port: Number(flag("--port")), host: "127.0.0.1" });
const stop = async () => {
  await app.close();
  process.exit(0);
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
