/**
 * `fulfill`: the command-line tool for the service. Human output by default, `--json` for
 * scripts. Exit codes: 0 success, 2 usage error, 3 contract error, 4 transport error.
 */
import { randomUUID } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { Command, CommanderError, Option } from "commander";
import QRCode from "qrcode";
import { type Connection, operator, saas, token } from "./client.js";
import { ContractError, EXIT, TransportError, UsageError } from "./exit-codes.js";
import { printItems, printRecords } from "./output.js";

const QUERY = "/v2/localservice/saas/fulfill/get_code_item_list/";
const REDEEM = "/v2/localservice/saas/fulfill/redeem_code/";
const CANCEL = "/v2/localservice/saas/fulfill/cancel_redeem/";
const RECORDS = "/v2/localservice/saas/fulfill/query_redeem_record/";

interface Globals {
  url: string;
  clientKey?: string;
  clientSecret?: string;
  merchantId?: string;
  operatorToken?: string;
  operatorTokenFile?: string;
  timeout: string;
  json?: boolean;
}

const program = new Command();
program
  .name("fulfill")
  .description(
    "Command-line tool for the TTLS-compatible fulfillment service: run it, load sandbox worlds, look up and redeem codes, cancel, list records, draw QRs, look up requests by log id.",
  )
  .addOption(
    new Option("--url <url>", "base URL of the service").env("FULFILL_URL").default("http://127.0.0.1:8080"),
  )
  .addOption(new Option("--client-key <key>", "SaaS app client key").env("FULFILL_CLIENT_KEY"))
  .addOption(new Option("--client-secret <secret>", "SaaS app client secret").env("FULFILL_CLIENT_SECRET"))
  .addOption(new Option("--merchant-id <id>", "merchant the app acts for").env("FULFILL_MERCHANT_ID"))
  .addOption(
    new Option("--operator-token <token>", "operator token (sandbox and platform routes)").env(
      "FULFILL_OPERATOR_TOKEN",
    ),
  )
  .addOption(
    new Option(
      "--operator-token-file <file>",
      "read the operator token from this file (e.g. data/operator.token)",
    ),
  )
  .addOption(new Option("--timeout <ms>", "per-request timeout in milliseconds").default("10000"))
  .option("--json", "print machine-readable JSON instead of text")
  .showHelpAfterError()
  .exitOverride();

function connection(): Connection {
  const g = program.opts<Globals>();
  const timeoutMs = Number(g.timeout);
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new UsageError("--timeout must be a positive number of milliseconds");
  let operatorToken = g.operatorToken;
  if (!operatorToken && g.operatorTokenFile) operatorToken = readFileSync(g.operatorTokenFile, "utf8").trim();
  return {
    url: g.url,
    clientKey: g.clientKey,
    clientSecret: g.clientSecret,
    merchantId: g.merchantId,
    operatorToken,
    timeoutMs,
  };
}

const json = () => program.opts<Globals>().json === true;
const out = (text: string) => process.stdout.write(`${text}\n`);
const emit = (value: unknown, human: () => void) => (json() ? out(JSON.stringify(value, null, 2)) : human());
const collect = (value: string, previous: string[] = []) => [...previous, value];

program
  .command("serve")
  .description("run the service in this process (embedded database unless --database-url)")
  .option("--sandbox", "enable the sandbox routes (world, faults, clock, QR)")
  .option("--demo", "load the demo world (implies nothing else)")
  .option("--port <port>", "listen port", "8080")
  .option("--host <host>", "listen address", "127.0.0.1")
  .option("--database-url <url>", "PostgreSQL connection string (default: embedded database)")
  .option("--data-dir <dir>", "data folder of the embedded database and generated keys", "./data")
  .action(
    async (o: {
      sandbox?: boolean;
      demo?: boolean;
      port: string;
      host: string;
      databaseUrl?: string;
      dataDir: string;
    }) => {
      const argv = ["--port", o.port, "--host", o.host, "--data-dir", o.dataDir];
      if (o.sandbox) argv.push("--sandbox");
      if (o.demo) argv.push("--demo");
      if (o.databaseUrl) argv.push("--database-url", o.databaseUrl);
      process.argv = [process.argv[0] as string, "fulfill-serve", ...argv];
      // The server runs from its TypeScript sources (the workspace's own package).
      const { register } = await import("tsx/esm/api");
      register();
      const serverMain = new URL("../../server/src/main.ts", import.meta.url).href;
      await import(serverMain);
      await new Promise(() => undefined); // serve until a signal stops the process
    },
  );

program
  .command("load")
  .description("load a sandbox world fixture (JSON file; CONTRACT.md section 7) — needs the operator token")
  .argument("<world.json>", "the world file")
  .action(async (file: string) => {
    let world: unknown;
    try {
      world = JSON.parse(readFileSync(file, "utf8"));
    } catch (err) {
      throw new UsageError(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const a = await operator(connection(), "POST", "/sandbox/world", world);
    emit(a.json.data, () =>
      out(
        `loaded: ${Object.entries(a.json.data.loaded as Record<string, number>)
          .map(([k, v]) => `${v} ${k}`)
          .join(", ")}`,
      ),
    );
  });

program
  .command("token")
  .description("obtain an access token for the app and merchant")
  .action(async () => {
    const t = await token(connection());
    emit({ access_token: t }, () => out(t));
  });

program
  .command("lookup")
  .description("get_code_item_list: what can be redeemed at a shop, by typed codes or a scanned QR")
  .requiredOption("--shop <third_shop_id>", "the shop (third_shop_id)")
  .option("--code <code>", "a typed code (repeat for several)", collect)
  .option("--qr <qr_info>", "the scanned QR string (TT-…)")
  .option("--locale <locale>", "product names in this locale", "en-US")
  .action(async (o: { shop: string; code?: string[]; qr?: string; locale: string }) => {
    if ((o.code === undefined) === (o.qr === undefined))
      throw new UsageError("give either --code (one or more) or --qr");
    const a = await saas(connection(), QUERY, {
      third_shop_id: o.shop,
      locale: o.locale,
      ...(o.code ? { code_list: o.code } : { qr_info: o.qr }),
    });
    emit(a.json.data, () => printItems(out, a.json.data));
  });

program
  .command("redeem")
  .description("redeem_code: redeem codes of one shop order at a shop, all or none")
  .requiredOption("--shop <third_shop_id>", "the shop (third_shop_id)")
  .requiredOption("--order <shop_order_id>", "the shop order of the codes")
  .requiredOption("--code <code>", "a code to redeem (repeat for several)", collect)
  .option("--locale <locale>", "locale", "en-US")
  .option("--idempotency-key <key>", "Idempotency-Key (default: a new UUID)")
  .action(
    async (o: { shop: string; order: string; code: string[]; locale: string; idempotencyKey?: string }) => {
      const key = o.idempotencyKey ?? randomUUID();
      const a = await saas(
        connection(),
        REDEEM,
        { third_shop_id: o.shop, shop_order_id: o.order, code_list: o.code, locale: o.locale },
        { "idempotency-key": key },
      );
      emit({ ...a.json.data, idempotency_key: key }, () =>
        out(`redeemed ${o.code.length} code(s): redeem_id ${a.json.data.redeem_id}`),
      );
    },
  );

program
  .command("cancel")
  .description("cancel_redeem: undo a redemption within the cancel window")
  .requiredOption("--shop <third_shop_id>", "the shop where it was redeemed")
  .requiredOption("--redeem-id <id>", "the redemption to cancel")
  .action(async (o: { shop: string; redeemId: string }) => {
    const a = await saas(connection(), CANCEL, {
      third_shop_id: o.shop,
      redeem_id: o.redeemId,
      locale: "en-US",
    });
    emit(a.json.data, () =>
      out(
        `cancelled redemption ${a.json.data.redeem_id} at ${new Date(a.json.data.cancel_time * 1000).toISOString()}`,
      ),
    );
  });

program
  .command("records")
  .description("query_redeem_record: redemptions, newest first")
  .option("--shop <third_shop_id>", "only this shop")
  .option("--since <unix>", "start time (Unix seconds, inclusive)", "0")
  .option("--until <unix>", "end time (Unix seconds, exclusive; default: now + 1 day)")
  .option("--size <n>", "records per page (1..100)", "20")
  .option("--cursor <cursor>", "page cursor from a previous call", "0")
  .action(async (o: { shop?: string; since: string; until?: string; size: string; cursor: string }) => {
    const body = {
      ...(o.shop ? { third_shop_id: o.shop } : {}),
      start_time: Number(o.since),
      end_time: o.until ? Number(o.until) : Math.floor(Date.now() / 1000) + 86400,
      cursor: o.cursor,
      size: Number(o.size),
    };
    if (![body.start_time, body.end_time, body.size].every(Number.isInteger))
      throw new UsageError("--since, --until and --size must be integers");
    const a = await saas(connection(), RECORDS, body);
    emit(a.json.data, () => printRecords(out, a.json.data));
  });

program
  .command("qr")
  .description(
    "the customer's dynamic QR of a shop order: qr_info, drawn in the terminal, optionally saved as PNG — needs the operator token",
  )
  .argument("<shop_order_id>", "the shop order")
  .option("--png <file>", "also write the QR as a PNG file")
  .option("--ttl <seconds>", "lifetime of the QR in seconds")
  .action(async (shopOrderId: string, o: { png?: string; ttl?: string }) => {
    const conn = connection();
    const a = await operator(
      conn,
      "GET",
      `/platform/orders/${encodeURIComponent(shopOrderId)}/qr${o.ttl ? `?ttl=${Number(o.ttl)}` : ""}`,
    );
    const { qr_info, expires_at } = a.json.data as { qr_info: string; expires_at: number };
    if (o.png)
      writeFileSync(
        o.png,
        await QRCode.toBuffer(qr_info, { errorCorrectionLevel: "M", margin: 2, width: 320 }),
      );
    emit({ qr_info, expires_at, ...(o.png ? { png: o.png } : {}) }, async () => undefined);
    if (!json()) {
      out(await QRCode.toString(qr_info, { type: "terminal", small: true }));
      out(qr_info);
      out(
        `expires at ${new Date(expires_at * 1000).toISOString()}${o.png ? `; PNG written to ${o.png}` : ""}`,
      );
    }
  });

program
  .command("logs")
  .description("support: what happened to a request, by its log id — needs the operator token")
  .argument("<log_id>", "the log id (X-Tt-Logid / error.log_id)")
  .action(async (logId: string) => {
    const a = await operator(connection(), "GET", `/platform/logs/${encodeURIComponent(logId)}`);
    const d = a.json.data;
    emit(d, () => {
      out(`${d.log_id}  ${d.endpoint}  app ${d.app_id ?? "-"}  merchant ${d.merchant_id ?? "-"}`);
      out(
        `outcome: ${d.outcome.row} ${d.outcome.code} ${d.outcome.message} (HTTP ${d.outcome.http_status}), ${d.duration_ms} ms, at ${new Date(d.created_at * 1000).toISOString()}`,
      );
      if (d.cause) out(`cause:   ${d.cause}`);
      if (d.redemption)
        out(
          `redemption ${d.redemption.redeem_id}: order ${d.redemption.shop_order_id}, shop ${d.redemption.third_shop_id}, ${d.redemption.codes.length} code(s), ${d.redemption.status}`,
        );
    });
  });

async function main(): Promise<number> {
  try {
    await program.parseAsync(process.argv);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (
        err.code === "commander.helpDisplayed" ||
        err.code === "commander.version" ||
        err.code === "commander.help"
      )
        return EXIT.ok;
      return EXIT.usage;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`usage: ${err.message}\n`);
      return EXIT.usage;
    }
    if (err instanceof ContractError) {
      if (json())
        out(
          JSON.stringify(
            {
              error: {
                http_status: err.status,
                code: err.code,
                message: err.errorMessage,
                log_id: err.logId,
              },
              body: err.body,
            },
            null,
            2,
          ),
        );
      else
        process.stderr.write(
          `error: ${err.code} ${err.errorMessage} (HTTP ${err.status})${err.logId ? ` log_id ${err.logId}` : ""}\n`,
        );
      return EXIT.contract;
    }
    if (err instanceof TransportError) {
      process.stderr.write(`transport: ${err.message}\n`);
      return EXIT.transport;
    }
    process.stderr.write(`unexpected: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

process.exitCode = await main();
