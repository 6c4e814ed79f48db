/**
 * Deployment keys: from the environment when given (base64 of 32 bytes), else generated once
 * into the data folder (mode 0600) and reused. Never logged.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export function loadKey(envValue: string | undefined, dataDir: string | null, fileName: string): Buffer {
  if (envValue) {
    const key = Buffer.from(envValue, "base64");
    if (key.length !== 32) throw new Error(`${fileName}: the configured key must be base64 of 32 bytes`);
    return key;
  }
  if (dataDir === null) return randomBytes(32);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, fileName);
  if (!existsSync(path)) writeFileSync(path, randomBytes(32).toString("base64"), { mode: 0o600, flag: "wx" });
  return Buffer.from(readFileSync(path, "utf8").trim(), "base64");
}

export function loadToken(
  envValue: string | undefined,
  dataDir: string | null,
  fileName: string,
): { token: string; path: string | null } {
  if (envValue) return { token: envValue, path: null };
  if (dataDir === null) return { token: `op_${randomBytes(24).toString("base64url")}`, path: null };
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, fileName);
  if (!existsSync(path))
    writeFileSync(path, `op_${randomBytes(24).toString("base64url")}`, { mode: 0o600, flag: "wx" });
  return { token: readFileSync(path, "utf8").trim(), path };
}
