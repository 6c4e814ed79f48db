/**
 * Loads a sandbox world (CONTRACT.md section 7) for code that sets up data directly (tests,
 * bench, the demo): a client of the platform's one write path (core/platform-world.ts). An
 * invalid world is a mistake of the fixture, so it throws `WorldInvalid`; over HTTP the same
 * validation answers `invalid_params`.
 */
import type { PlatformWriter } from "../core/platform-ports.js";
import { applyWorld, type WorldSummary } from "../core/platform-world.js";
import type { IdSource } from "../core/ports.js";
import { webhookUrlProblem } from "../events/webhook-target.js";
import type { SecretBox } from "../security/secret-box.js";

export type { WorldSummary } from "../core/platform-world.js";

export class WorldInvalid extends Error {
  override name = "WorldInvalid";
}

/** What the operator allows of a world: loopback webhook receivers (FULFILL_WEBHOOK_ALLOW_LOOPBACK). */
export interface WorldPolicy {
  readonly webhookAllowLoopback: boolean;
}

export async function loadWorld(
  writer: PlatformWriter,
  secrets: SecretBox,
  ids: IdSource,
  input: unknown,
  policy: WorldPolicy = { webhookAllowLoopback: false },
): Promise<WorldSummary> {
  const loaded = await applyWorld(
    { writer, secrets, ids, webhookUrlProblem: (url) => webhookUrlProblem(url, policy.webhookAllowLoopback) },
    input,
  );
  if (!loaded.ok) throw new WorldInvalid(loaded.message ?? loaded.cause);
  return loaded.value;
}
