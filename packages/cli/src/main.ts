/**
 * `fulfill`: the command-line tool for the service. Human output by default, `--json` for
 * scripts. Exit codes: 0 success, 2 usage error, 3 contract error, 4 transport error.
 *
 * The SaaS commands (token, lookup, redeem, cancel, records) go through `@fulfill/sdk`, with its
 * handling policy (retry, 429 waits, recheck and reconcile under the Idempotency-Key rule); the
 * operator commands (load, qr, logs) use the small helper in client.ts.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import {
  createClient,
  type FulfillClient,
  TransportError as SdkTransportError,
  TtlsError,
} from "@fulfill/sdk";
import { Command, CommanderError, Option } from "commander";
import QRCode from "qrcode";
import { type Connection, operator, tokenAnswer } from "./client.js";
import { ContractError, EXIT, TransportError, UsageError } from "./exit-codes.js";
import { codeCount, printItems, printRecords } from "./output.js";

interface Globals {
  url: string;
  clientKey?: string;
  clientSecret?: string;
  merchantId?: string;
  operatorToken?: string;
  operatorTokenFile?: string;
  timeout: string;
  maxAttempts?: string;
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
      "read the operator token from this file (npm start writes packages/server/data/operator.token)",
    ),
  )
  .addOption(
    new Option("--timeout <ms>", "per-request (per-attempt) timeout in milliseconds").default("10000"),
  )
  .addOption(
    new Option(
      "--max-attempts <n>",
      "HTTP attempts per SaaS call for retryable errors, 429 and recheck (default 5)",
    ),
  )
  .option("--json", "print machine-readable JSON instead of text")
  .showHelpAfterError()
  .exitOverride();

function timeoutMs(): number {
  const ms = Number(program.opts<Globals>().timeout);
  if (!Number.isFinite(ms) || ms <= 0)
    throw new UsageError("--timeout must be a positive number of milliseconds");
  return ms;
}

/** The operator routes (sandbox, platform). */
function connection(): Connection {
  const g = program.opts<Globals>();
  let operatorToken = g.operatorToken;
  if (!operatorToken && g.operatorTokenFile) operatorToken = readFileSync(g.operatorTokenFile, "utf8").trim();
  return { url: g.url, operatorToken, timeoutMs: timeoutMs() };
}

/** The SaaS API, through the SDK: the app's credentials, the merchant, the policy options. */
function sdk(): FulfillClient {
  const g = program.opts<Globals>();
  if (!g.clientKey || !g.clientSecret || !g.merchantId) {
    throw new UsageError(
      "--client-key, --client-secret and --merchant-id (or FULFILL_CLIENT_KEY, FULFILL_CLIENT_SECRET, FULFILL_MERCHANT_ID) are required",
    );
  }
  const maxAttempts = g.maxAttempts === undefined ? undefined : Number(g.maxAttempts);
  if (maxAttempts !== undefined && !(Number.isInteger(maxAttempts) && maxAttempts >= 1))
    throw new UsageError("--max-attempts must be a positive integer");
  return createClient({
    baseUrl: g.url,
    clientKey: g.clientKey,
    clientSecret: g.clientSecret,
    merchantId: g.merchantId,
    timeoutMs: timeoutMs(),
    ...(maxAttempts !== undefined ? { maxAttempts } : {}),
  });
}

const json = () => program.opts<Globals>().json === true;
const out = (text: string) => process.stdout.write(`${text}\n`);
const emit = (value: unknown, human: () => void) => (json() ? out(JSON.stringify(value, null, 2)) : human());
const collect = (value: string, previous: string[] = []) => [...previous, value];

program
  .command("serve")
  .description("run the service in this process (embedded database unless --database-url)")
  .option("--sandbox", "enable the sandbox routes (world, faults, clock, QR)")
  .option("--demo", "load the demo world, test credentials (needs --sandbox)")
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
      // The server's compiled JavaScript (npm run build); from its TypeScript sources through
      // tsx only in a checkout that was never built (said so on stderr).
      const compiled = new URL("../../server/dist/main.js", import.meta.url);
      if (existsSync(compiled)) {
        await import(compiled.href);
      } else {
        process.stderr.write("the server is not built (npm run build): running its sources through tsx\n");
        const { register } = await import("tsx/esm/api");
        register();
        await import(new URL("../../server/src/main.ts", import.meta.url).href);
      }
      await new Promise(() => undefined); // serve until a signal stops the process
    },
  );

program
  .command("keys")
  .description(
    "deployment keys: `keys rotate` re-seals every client secret under FULFILL_SECRET_KEY (the old key as FULFILL_SECRET_KEY_PREVIOUS) and records the new fingerprints; run with the server's environment",
  )
  .argument("<action>", "rotate")
  .action(async (action: string) => {
    if (action !== "rotate") throw new UsageError("keys: the only action is rotate");
    process.argv = [process.argv[0] as string, "fulfill-keys", "rotate"];
    // The server's compiled JavaScript, as `serve` runs it (tsx only in a never-built checkout).
    const compiled = new URL("../../server/dist/keys-main.js", import.meta.url);
    if (existsSync(compiled)) {
      await import(compiled.href);
    } else {
      const { register } = await import("tsx/esm/api");
      register();
      await import(new URL("../../server/src/keys-main.ts", import.meta.url).href);
    }
    await new Promise(() => undefined); // keys-main exits with its own code
  });

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
  .description(
    "obtain an access token for the app and merchant (--json: the whole answer, with expires_in and the refresh token)",
  )
  .action(async () => {
    const g = program.opts<Globals>();
    sdk(); // the same credential checks as every SaaS command
    const answer = await tokenAnswer(
      { url: g.url, timeoutMs: timeoutMs() },
      {
        clientKey: g.clientKey as string,
        clientSecret: g.clientSecret as string,
        merchantId: g.merchantId as string,
      },
    );
    emit(answer, () => out(String(answer.access_token)));
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
    const client = sdk();
    const r = await (o.code
      ? client.lookup({ thirdShopId: o.shop, codes: o.code, locale: o.locale })
      : client.lookup({ thirdShopId: o.shop, qrInfo: o.qr as string, locale: o.locale }));
    const data = { shop_order_id: r.shopOrderId, code_list: r.codeList, log_id: r.logId };
    emit(data, () => printItems(out, data));
  });

program
  .command("redeem")
  .description("redeem_code: redeem codes of one shop order at a shop, all or none")
  .requiredOption("--shop <third_shop_id>", "the shop (third_shop_id)")
  .requiredOption("--order <shop_order_id>", "the shop order of the codes")
  .requiredOption("--code <code>", "a code to redeem (repeat for several)", collect)
  .option("--locale <locale>", "locale", "en-US")
  .option(
    "--idempotency-key <key>",
    "Idempotency-Key of the first body, kept while the body is unchanged (default: a new UUID); reuse it to repeat a redeem safely",
  )
  .action(
    async (o: { shop: string; order: string; code: string[]; locale: string; idempotencyKey?: string }) => {
      const r = await sdk().redeem({
        thirdShopId: o.shop,
        shopOrderId: o.order,
        codes: o.code,
        locale: o.locale,
        ...(o.idempotencyKey !== undefined ? { idempotencyKey: o.idempotencyKey } : {}),
      });
      emit(
        {
          redeem_id: r.redeemId,
          redeem_ids: r.redeemIds,
          reconciled: r.reconciled,
          idempotency_key: r.idempotencyKey,
          attempts: r.attempts,
          log_id: r.logId,
        },
        () =>
          out(
            `redeemed ${codeCount(o.code.length)}: redeem_id ${r.redeemId}${r.reconciled ? " (reconciled: confirmed by a recheck lookup)" : ""}`,
          ),
      );
    },
  );

program
  .command("cancel")
  .description("cancel_redeem: undo a redemption within the cancel window")
  .requiredOption("--shop <third_shop_id>", "the shop where it was redeemed")
  .requiredOption("--redeem-id <id>", "the redemption to cancel")
  .action(async (o: { shop: string; redeemId: string }) => {
    const r = await sdk().cancel({ thirdShopId: o.shop, redeemId: o.redeemId, locale: "en-US" });
    emit({ redeem_id: r.redeemId, cancel_time: r.cancelTime, log_id: r.logId }, () =>
      out(`cancelled redemption ${r.redeemId} at ${new Date(r.cancelTime * 1000).toISOString()}`),
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
    const startTime = Number(o.since);
    const endTime = o.until ? Number(o.until) : Math.floor(Date.now() / 1000) + 86400;
    const size = Number(o.size);
    if (![startTime, endTime, size].every(Number.isInteger))
      throw new UsageError("--since, --until and --size must be integers");
    const r = await sdk().records({
      ...(o.shop ? { thirdShopId: o.shop } : {}),
      startTime,
      endTime,
      cursor: o.cursor,
      size,
    });
    const data = { records: r.records, cursor: r.cursor, has_more: r.hasMore, log_id: r.logId };
    emit(data, () => printRecords(out, data));
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
      // With --png the picture is in the file; the terminal gets the text only.
      if (!o.png) out(await QRCode.toString(qr_info, { type: "terminal", small: true }));
      out(qr_info);
      out(
        `expires at ${new Date(expires_at * 1000).toISOString()}${o.png ? `; PNG written to ${o.png}` : ""}`,
      );
    }
  });

const device = program.command("device").description("POS devices of a merchant — needs the operator token");
device
  .command("pair")
  .description(
    "create a POS device for a shop: prints its one-time pairing code (works once, expires in 10 minutes) and the POS URL to open",
  )
  .requiredOption("--shop <third_shop_id>", "the shop the device redeems at")
  .option("--name <name>", "a name for the device (e.g. Counter 2)")
  .option("--on-behalf-of <client_key>", "act on behalf of this app, within its grant")
  .action(async (o: { shop: string; name?: string; onBehalfOf?: string }) => {
    const g = program.opts<Globals>();
    if (!g.merchantId) throw new UsageError("--merchant-id (or FULFILL_MERCHANT_ID) is required");
    const a = await operator(
      connection(),
      "POST",
      `/platform/merchants/${encodeURIComponent(g.merchantId)}/devices`,
      {
        third_shop_id: o.shop,
        ...(o.name !== undefined ? { name: o.name } : {}),
        ...(o.onBehalfOf !== undefined ? { client_key: o.onBehalfOf } : {}),
      },
    );
    const d = a.json.data as {
      device_id: string;
      pairing_code: string;
      pairing_code_expires_at: number;
      pair_path?: string;
    };
    const posUrl = new URL(d.pair_path ?? "/pos/", g.url).toString();
    emit({ ...d, pos_url: posUrl }, () => {
      out(`pairing code: ${d.pairing_code}`);
      out(`POS:          ${posUrl}`);
      out(
        `open the POS on the device and type the code; it works once, until ${new Date(d.pairing_code_expires_at * 1000).toISOString()} (device ${d.device_id}, shop ${o.shop})`,
      );
    });
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
          `redemption ${d.redemption.redeem_id}: order ${d.redemption.shop_order_id}, shop ${d.redemption.third_shop_id}, ${codeCount(d.redemption.codes.length)}, ${d.redemption.status}`,
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
    // The SDK's errors: no answer (4), or an error answer that its policy could not settle (3).
    if (err instanceof SdkTransportError) {
      process.stderr.write(
        `transport: ${err.message}: ${err.description}${err.logId ? ` log_id ${err.logId}` : ""}\n`,
      );
      return EXIT.transport;
    }
    if (err instanceof TtlsError) {
      if (json())
        out(
          JSON.stringify(
            {
              error: {
                class: err.name,
                row: err.row,
                http_status: err.httpStatus,
                code: err.code,
                message: err.message,
                description: err.description,
                handling: err.handling,
                log_id: err.logId,
              },
              data: err.data,
            },
            null,
            2,
          ),
        );
      else
        process.stderr.write(
          `error: ${err.row ? `${err.row} ` : ""}${err.code} ${err.message} (HTTP ${err.httpStatus})${err.logId ? ` log_id ${err.logId}` : ""}\n  ${err.description}\n`,
        );
      return EXIT.contract;
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
