/**
 * `node packages/server/dist/keys-main.js rotate` (`fulfill keys rotate`): with the same
 * environment as the server processes (DATABASE_URL or FULFILL_DATA_DIR, FULFILL_SECRET_KEY
 * = the new key, FULFILL_SECRET_KEY_PREVIOUS = the old one, the same for FULFILL_QR_KEY),
 * re-seals every client secret under the new key and records the new fingerprints (README,
 * Keys). Exit 0 done, 1 failed (nothing changed), 2 usage or configuration (keys not the
 * database's).
 */
import { ConfigError, configFromEnv } from "./config.js";
import { openSystem, secureDataFolder } from "./system.js";

async function main(): Promise<number> {
  if (process.argv[2] !== "rotate") {
    process.stderr.write("usage: keys-main rotate   (environment as the server's; README, Keys)\n");
    return 2;
  }
  const config = configFromEnv();
  secureDataFolder(config.dataDir, undefined);
  const system = await openSystem({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: 2,
    namedStatements: config.dbNamedStatements,
    secretKey: config.secretKey,
    secretKeyPrevious: config.secretKeyPrevious,
    qrKey: config.qrKey,
    qrKeyPrevious: config.qrKeyPrevious,
  });
  try {
    const r = await system.rotateKeys();
    process.stdout.write(
      `FULFILL_SECRET_KEY: ${count(r.secrets, "client secret")} sealed under it (${r.fromPrevious} of them under the previous key)\n` +
        `fingerprints recorded: ${r.recorded.length > 0 ? r.recorded.join(", ") : "none changed"}\n` +
        "FULFILL_SECRET_KEY_PREVIOUS can be unset now; keep FULFILL_QR_KEY_PREVIOUS as long as a QR sealed under it may live (FULFILL_QR_TTL)\n",
    );
    return 0;
  } finally {
    await system.close();
  }
}

/** `1 client secret`, `2 client secrets`. */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof ConfigError) {
      process.stderr.write(
        `keys: the configuration is wrong:\n${err.problems.map((p) => `  ${p}\n`).join("")}`,
      );
      process.exit(2);
    }
    process.stderr.write(
      `keys: failed, nothing changed: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exit(1);
  },
);
