/**
 * `npm start`: one process serving everything. Flags: --sandbox, --demo (load the demo world;
 * only with the sandbox on), --port N, --host H, --database-url URL, --data-dir DIR.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { ConfigError, configFromEnv } from "./config.js";
import { DEMO, demoWorld } from "./demo-world.js";
import { drainAndClose } from "./http/shutdown.js";
import { startServer } from "./server.js";

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const env = { ...process.env };
  if (args.includes("--sandbox")) env.FULFILL_SANDBOX = "1";
  const port = flag(args, "--port");
  if (port) env.PORT = port;
  const host = flag(args, "--host");
  if (host) env.HOST = host;
  const dbUrl = flag(args, "--database-url");
  if (dbUrl) env.DATABASE_URL = dbUrl;
  const dataDir = flag(args, "--data-dir");
  if (dataDir) env.FULFILL_DATA_DIR = dataDir;
  const config = configFromEnv(env);
  // The demo world's credentials are public test data: a server outside the sandbox must not
  // know them, so asking for them there is a mistake worth stopping for, not ignoring.
  if (args.includes("--demo") && !config.sandbox) {
    throw new ConfigError([
      "--demo needs --sandbox (or FULFILL_SANDBOX=1): the demo world is sandbox test data",
    ]);
  }
  // The embedded database's first start runs initdb (several seconds): say so, or it looks hung.
  if (!config.databaseUrl && !existsSync(join(config.dataDir, "pglite")))
    process.stderr.write(
      `initialising the embedded database in ${resolve(config.dataDir, "pglite")} (first start; a few seconds)…\n`,
    );

  const server = await startServer(config);
  const sandbox = server.context.sandbox;
  if (args.includes("--demo") && sandbox) {
    // A reload starts the demo's codes unused, with no redemptions left from an earlier run.
    const loaded = await sandbox.loadWorld(demoWorld(sandbox.clock.now()), { forgetRedemptions: true });
    if (!loaded.ok) throw new Error(`the demo world: ${loaded.message ?? loaded.cause}`);
  }
  // SIGTERM/SIGINT: drain (http/shutdown.ts), then close; a second signal exits at once.
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    process.stderr.write(`${signal}: draining (at most ${config.shutdownGraceMs} ms)\n`);
    drainAndClose(server.app, config.shutdownGraceMs, () => server.close()).then(
      (o) => {
        process.stderr.write(
          `stopped after ${o.elapsedMs} ms${o.cut > 0 ? `, ${o.cut} connections cut` : ""}\n`,
        );
        process.exit(o.cut > 0 ? 1 : 0);
      },
      (err) => {
        process.stderr.write(`stopping failed: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  const u = server.url;
  const lines = [
    "",
    `ttls-fulfill listening on ${u}  (database: ${server.system.database.kind}${config.sandbox ? ", sandbox" : ""})`,
    `  OpenAPI:        ${u}/openapi.json`,
    `  POS:            ${u}/pos/`,
    server.operatorTokenPath
      ? `  operator token: in ${resolve(server.operatorTokenPath)}`
      : "  operator token: from FULFILL_OPERATOR_TOKEN",
    // Generated once into the data folder when unset: every process of a deployment must share them.
    config.qrKey
      ? "  QR key:         from FULFILL_QR_KEY"
      : `  QR key:         in ${resolve(config.dataDir, "qr.key")}`,
    config.secretKey
      ? "  secret key:     from FULFILL_SECRET_KEY"
      : `  secret key:     in ${resolve(config.dataDir, "secret.key")}`,
  ];
  if (args.includes("--demo")) {
    lines.push(
      "",
      "Demo world (test credentials):",
      `  client_key=${DEMO.clientKey} client_secret=${DEMO.clientSecret} merchant_id=${DEMO.merchantId} shops ${DEMO.shop}, ${DEMO.otherShop}`,
      "",
      "1. Get a token:",
      `TOKEN=$(curl -s -X POST ${u}/merchant/oauth/token/ -d client_key=${DEMO.clientKey} -d client_secret=${DEMO.clientSecret} -d merchant_id=${DEMO.merchantId} -d grant_type=access_token | sed -E 's/.*"access_token":"([^"]+)".*/\\1/')`,
      "",
      "2. Look up a code:",
      `curl -s -X POST ${u}/v2/localservice/saas/fulfill/get_code_item_list/ -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{"merchant_id":"${DEMO.merchantId}","third_shop_id":"${DEMO.shop}","code_list":["${DEMO.code}"]}'`,
      "",
      "3. Redeem it:",
      `curl -s -X POST ${u}/v2/localservice/saas/fulfill/redeem_code/ -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{"merchant_id":"${DEMO.merchantId}","third_shop_id":"${DEMO.shop}","shop_order_id":"${DEMO.shopOrderId}","code_list":["${DEMO.code}"],"locale":"id-ID"}'`,
      "",
    );
  }
  // The banner is for the person at the terminal: stderr, so stdout stays the JSON log stream.
  process.stderr.write(`${lines.join("\n")}\n`);
}

/**
 * Exit codes: 1 the start failed (database, files), 2 the configuration is wrong (nothing was
 * opened, or a key is not the one the database was written with: nothing was written).
 */
const EXIT_CONFIG = 2;

main().catch((err) => {
  if (err instanceof ConfigError) {
    process.stderr.write(
      `failed to start: the configuration is wrong:\n${err.problems.map((p) => `  ${p}\n`).join("")}`,
    );
    process.exit(EXIT_CONFIG);
  }
  process.stderr.write(`failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
