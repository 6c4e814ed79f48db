/**
 * Deployment keys: from the environment when given (base64 of 32 bytes), else generated once
 * into the data folder (mode 0600) and reused. Never logged.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DeploymentKey } from "../security/deployment-keys.js";
import type { KeyName } from "../security/key-fingerprint.js";

function decoded(envValue: string, what: string): Buffer {
  const key = Buffer.from(envValue, "base64");
  if (key.length !== 32) throw new Error(`${what}: the configured key must be base64 of 32 bytes`);
  return key;
}

export function loadKey(envValue: string | undefined, dataDir: string | null, fileName: string): Buffer {
  return loadDeploymentKey("FULFILL_QR_KEY", envValue, undefined, dataDir, fileName).current;
}

/** A key with its previous one (`<name>_PREVIOUS`, from the environment only) and where it came from. */
export function loadDeploymentKey(
  name: KeyName,
  envValue: string | undefined,
  previousValue: string | undefined,
  dataDir: string | null,
  fileName: string,
): DeploymentKey {
  const previous = previousValue ? decoded(previousValue, `${name}_PREVIOUS`) : null;
  if (envValue) return { name, current: decoded(envValue, name), previous, source: { kind: "env" } };
  if (dataDir === null) return { name, current: randomBytes(32), previous, source: { kind: "ephemeral" } };
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, fileName);
  if (!existsSync(path)) writeFileSync(path, randomBytes(32).toString("base64"), { mode: 0o600, flag: "wx" });
  const current = Buffer.from(readFileSync(path, "utf8").trim(), "base64");
  return { name, current, previous, source: { kind: "file", path } };
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
