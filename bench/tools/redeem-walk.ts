/**
 * Which of our source files one redeem runs, measured: the server in this process on the
 * embedded database with the demo world, one warm-up redeem (so module loading and caches are
 * behind us), then V8's precise coverage around exactly one more redeem (token, rate limit,
 * lookup of the codes, commit, envelope, request log). Prints every file of packages/server/src
 * with a function that ran, and the count.
 *
 *   npx tsx bench/tools/redeem-walk.ts
 */
import { Session } from "node:inspector/promises";
import { fileURLToPath } from "node:url";
import { configFromEnv } from "../../packages/server/src/config.js";
import { DEMO, demoWorld } from "../../packages/server/src/demo-world.js";
import { startServer } from "../../packages/server/src/server.js";

const SRC = fileURLToPath(new URL("../../packages/server/src/", import.meta.url));
const OPERATOR = "redeem-walk-operator-token-0123456789";

async function main(): Promise<void> {
  const config = {
    ...configFromEnv({
      FULFILL_SANDBOX: "1",
      FULFILL_OPERATOR_TOKEN: OPERATOR,
      PORT: "0",
      HOST: "127.0.0.1",
    }),
    rateLimitPerSecond: 1e9,
  };
  const server = await startServer(config, { memory: true, logLevel: "silent" });
  const world = demoWorld(server.system.clock.now());
  const loaded = await fetch(`${server.url}/sandbox/world`, {
    method: "POST",
    headers: { authorization: `Bearer ${OPERATOR}`, "content-type": "application/json" },
    body: JSON.stringify(world),
  });
  if (loaded.status !== 200) throw new Error(`world: ${loaded.status} ${await loaded.text()}`);
  const form = new URLSearchParams({
    grant_type: "access_token",
    client_key: DEMO.clientKey,
    client_secret: DEMO.clientSecret,
    merchant_id: DEMO.merchantId,
  });
  const token = (await (
    await fetch(`${server.url}/merchant/oauth/token/`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: form,
    })
  ).json()) as { access_token: string };

  // The demo order's two redeemable codes: one for the warm-up, one measured.
  const redeem = async (code: string) => {
    const res = await fetch(`${server.url}/v2/localservice/saas/fulfill/redeem_code/`, {
      method: "POST",
      headers: { authorization: `Bearer ${token.access_token}`, "content-type": "application/json" },
      body: JSON.stringify({
        merchant_id: DEMO.merchantId,
        third_shop_id: DEMO.shop,
        shop_order_id: DEMO.shopOrderId,
        code_list: [code],
        locale: "en-US",
      }),
    });
    return (await res.json()) as { error: { code: string } };
  };

  const warm = await redeem(DEMO.code);
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.startPreciseCoverage", { callCount: true, detailed: false });
  await session.post("Profiler.takePreciseCoverage"); // resets the counters
  const measured = await redeem("123456789013");
  await server.context.requestLog.flush();
  const { result } = (await session.post("Profiler.takePreciseCoverage")) as {
    result: { url: string; functions: { ranges: { count: number }[] }[] }[];
  };
  await session.post("Profiler.stopPreciseCoverage");
  session.disconnect();
  await server.close();

  const files = result
    .filter((s) => s.url.startsWith("file://") && fileURLToPath(s.url).startsWith(SRC))
    .filter((s) => s.functions.some((f) => (f.ranges[0]?.count ?? 0) > 0))
    .map((s) => fileURLToPath(s.url).slice(SRC.length))
    .sort();
  process.stdout.write(
    `warm-up answer ${warm.error.code}, measured answer ${measured.error.code}\n` +
      `${files.length} files of packages/server/src ran during one redeem:\n${files.map((f) => `  ${f}`).join("\n")}\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
