/** The gateway's records on Kysely: apps, grants, tokens (hashed), idempotency keys, request log. */
import { CompiledQuery, type Kysely } from "kysely";
import type { FaultPoints, ReadContext } from "../core/ports.js";
import type {
  AppRecord,
  GatewayStore,
  GrantRecord,
  IdempotencyRecord,
  RequestLogEntry,
  StoredResponse,
  TokenRecord,
} from "../gateway/ports.js";
import { NO_SHOP } from "../gateway/ports.js";
import { preparedAs } from "./database.js";
import { DependencyUnavailable } from "./faults.js";
import type { ReadCache } from "./read-cache.js";
import type { DB } from "./schema.js";

function toApp(r: {
  app_id: string;
  client_key: string;
  client_secret_enc: string;
  name: string;
  webhook_url: string | null;
}): AppRecord {
  return {
    appId: r.app_id,
    clientKey: r.client_key,
    clientSecretEnc: r.client_secret_enc,
    name: r.name,
    webhookUrl: r.webhook_url,
  };
}

export class KyselyGatewayStore implements GatewayStore {
  constructor(
    readonly db: Kysely<DB>,
    readonly faults: FaultPoints,
    readonly cache: ReadCache | null = null,
  ) {}

  #cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    return this.cache ? this.cache.get(key, load) : load();
  }

  #check(ctx: ReadContext): void {
    if (ctx.fault && this.faults.fires(ctx.fault, ctx.merchantId)) throw new DependencyUnavailable(ctx.fault);
  }

  async appByClientKey(clientKey: string): Promise<AppRecord | null> {
    const r = await this.db
      .selectFrom("apps")
      .selectAll()
      .where("client_key", "=", clientKey)
      .executeTakeFirst();
    return r ? toApp(r) : null;
  }

  async app(appId: string, ctx: ReadContext): Promise<AppRecord | null> {
    this.#check(ctx);
    return this.#cached(`app:${appId}`, async () => {
      const r = await this.db.selectFrom("apps").selectAll().where("app_id", "=", appId).executeTakeFirst();
      return r ? toApp(r) : null;
    });
  }

  async grant(appId: string, merchantId: string, ctx: ReadContext): Promise<GrantRecord | null> {
    this.#check(ctx);
    return this.#cached(`grant:${appId}:${merchantId}`, () => this.#grant(appId, merchantId));
  }

  /**
   * One statement: the grant and, for a POS device paired on behalf of an app, that app's current
   * grant of the merchant. A device never holds more than its app: its scopes are intersected with
   * the app's, its shop kept only while the app's grant covers it (empty list: all shops), and it
   * is revoked with the app's grant. Cached like any grant, so a change takes effect within the
   * cache's 1 s everywhere.
   */
  async #grant(appId: string, merchantId: string): Promise<GrantRecord | null> {
    const r = await this.db
      .selectFrom("grants as g")
      .leftJoin("pos_devices as d", "d.app_id", "g.app_id")
      .leftJoin("apps as pa", "pa.client_key", "d.parent_client_key")
      .leftJoin("grants as pg", (join) =>
        join.onRef("pg.app_id", "=", "pa.app_id").onRef("pg.merchant_id", "=", "g.merchant_id"),
      )
      .select([
        "g.app_id",
        "g.merchant_id",
        "g.scopes",
        "g.third_shop_ids",
        "g.revoked_at",
        "d.parent_client_key",
        "d.third_shop_id as device_shop",
        "pa.app_id as parent_app_id",
        "pg.scopes as parent_scopes",
        "pg.third_shop_ids as parent_third_shop_ids",
        "pg.revoked_at as parent_revoked_at",
        "pg.app_id as parent_grant_app_id",
      ])
      .where("g.app_id", "=", appId)
      .where("g.merchant_id", "=", merchantId)
      .executeTakeFirst();
    if (!r) return null;
    const own: GrantRecord = {
      appId: r.app_id,
      merchantId: r.merchant_id,
      scopes: r.scopes,
      thirdShopIds: r.third_shop_ids,
      revoked: r.revoked_at !== null,
      onBehalfOfAppId: null,
    };
    const deviceShop = r.device_shop ?? null;
    if (deviceShop === null) return own;
    // A device acts for its one shop, whatever its grant row says (an operator may rewrite it),
    // and, when paired on behalf of an app, only while that app's current grant covers the shop.
    const parented = r.parent_client_key !== null && r.parent_client_key !== undefined;
    const parentShops = r.parent_third_shop_ids ?? [];
    const covered =
      (own.thirdShopIds.length === 0 || own.thirdShopIds.includes(deviceShop)) &&
      (!parented || parentShops.length === 0 || parentShops.includes(deviceShop));
    if (!parented) return { ...own, thirdShopIds: covered ? [deviceShop] : [NO_SHOP] };
    const parentScopes = r.parent_scopes ?? [];
    return {
      ...own,
      scopes: own.scopes.filter((s) => parentScopes.includes(s)),
      thirdShopIds: covered ? [deviceShop] : [NO_SHOP],
      // A parent app or grant that is gone, or revoked, revokes the device.
      revoked: own.revoked || r.parent_grant_app_id === null || r.parent_revoked_at !== null,
      onBehalfOfAppId: r.parent_app_id ?? null,
    };
  }

  async token(tokenHash: string): Promise<TokenRecord | null> {
    return this.#cached(`token:${tokenHash}`, () => this.#token(tokenHash));
  }

  async #token(tokenHash: string): Promise<TokenRecord | null> {
    const r = await this.db
      .selectFrom("oauth_tokens")
      .selectAll()
      .where("token_hash", "=", tokenHash)
      .executeTakeFirst();
    return r
      ? {
          tokenHash: r.token_hash,
          kind: r.kind as TokenRecord["kind"],
          appId: r.app_id,
          merchantId: r.merchant_id,
          expiresAt: Number(r.expires_at),
          revoked: r.revoked_at !== null,
        }
      : null;
  }

  async insertTokens(tokens: readonly TokenRecord[], now: number): Promise<void> {
    await this.db
      .insertInto("oauth_tokens")
      .values(
        tokens.map((t) => ({
          token_hash: t.tokenHash,
          kind: t.kind,
          app_id: t.appId,
          merchant_id: t.merchantId,
          expires_at: t.expiresAt,
          revoked_at: null,
          created_at: now,
        })),
      )
      .execute();
  }

  async consumeRefreshToken(tokenHash: string, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable("oauth_tokens")
      .set({ revoked_at: now })
      .where("token_hash", "=", tokenHash)
      .where("kind", "=", "refresh")
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async claimIdempotencyKey(
    appId: string,
    merchantId: string,
    key: string,
    bodyHash: string,
    nowMs: number,
    expiredBeforeMs: number,
    staleBeforeMs: number,
  ): Promise<IdempotencyRecord | null> {
    const inserted = await this.db
      .insertInto("idempotency_keys")
      .values({
        app_id: appId,
        merchant_id: merchantId,
        key,
        body_hash: bodyHash,
        state: "in_flight",
        response: null,
        created_at_ms: nowMs,
      })
      .onConflict((oc) =>
        oc
          .columns(["app_id", "merchant_id", "key"])
          // An expired key, or an in-flight claim abandoned by a crashed process, is taken over.
          .doUpdateSet({ body_hash: bodyHash, state: "in_flight", response: null, created_at_ms: nowMs })
          .where((eb) =>
            eb.or([
              eb("idempotency_keys.created_at_ms", "<", String(expiredBeforeMs)),
              eb.and([
                eb("idempotency_keys.state", "=", "in_flight"),
                eb("idempotency_keys.created_at_ms", "<", String(staleBeforeMs)),
              ]),
            ]),
          ),
      )
      .returning("key")
      .executeTakeFirst();
    if (inserted) return null;
    const r = await this.db
      .selectFrom("idempotency_keys")
      .selectAll()
      .where("app_id", "=", appId)
      .where("merchant_id", "=", merchantId)
      .where("key", "=", key)
      .executeTakeFirst();
    if (!r)
      return this.claimIdempotencyKey(
        appId,
        merchantId,
        key,
        bodyHash,
        nowMs,
        expiredBeforeMs,
        staleBeforeMs,
      );
    return {
      bodyHash: r.body_hash,
      state: r.state as IdempotencyRecord["state"],
      response: (r.response ?? null) as StoredResponse | null,
      createdAtMs: Number(r.created_at_ms),
    };
  }

  async finishIdempotencyKey(
    appId: string,
    merchantId: string,
    key: string,
    response: StoredResponse,
  ): Promise<void> {
    await this.db
      .updateTable("idempotency_keys")
      .set({ state: "done", response: JSON.stringify(response) })
      .where("app_id", "=", appId)
      .where("merchant_id", "=", merchantId)
      .where("key", "=", key)
      .execute();
  }

  async releaseIdempotencyKey(appId: string, merchantId: string, key: string): Promise<void> {
    await this.db
      .deleteFrom("idempotency_keys")
      .where("app_id", "=", appId)
      .where("merchant_id", "=", merchantId)
      .where("key", "=", key)
      .where("state", "=", "in_flight")
      .execute();
  }

  /**
   * One statement of constant text whatever the batch size (one array per column), so it is
   * prepared once per connection instead of built and planned for every batch.
   */
  async insertRequestLogs(entries: readonly RequestLogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const column = <T>(pick: (e: RequestLogEntry) => T): T[] => entries.map(pick);
    await this.db.executeQuery(
      CompiledQuery.raw(
        `${preparedAs("request_log_insert")}INSERT INTO request_log
           (log_id, endpoint, app_id, merchant_id, outcome_row, http_status, duration_ms, cause, redeem_id, created_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::smallint[],
                              $7::integer[], $8::text[], $9::bigint[], $10::bigint[])
         ON CONFLICT (log_id) DO NOTHING`,
        [
          column((e) => e.logId),
          column((e) => e.endpoint),
          column((e) => e.appId),
          column((e) => e.merchantId),
          column((e) => e.outcomeRow),
          column((e) => e.httpStatus),
          column((e) => e.durationMs),
          column((e) => e.cause),
          column((e) => e.redeemId),
          column((e) => e.createdAt),
        ],
      ),
    );
  }

  async requestLog(logId: string): Promise<RequestLogEntry | null> {
    const r = await this.db
      .selectFrom("request_log")
      .selectAll()
      .where("log_id", "=", logId)
      .executeTakeFirst();
    return r
      ? {
          logId: r.log_id,
          endpoint: r.endpoint,
          appId: r.app_id,
          merchantId: r.merchant_id,
          outcomeRow: r.outcome_row,
          httpStatus: Number(r.http_status),
          durationMs: Number(r.duration_ms),
          cause: r.cause,
          redeemId: r.redeem_id,
          createdAt: Number(r.created_at),
        }
      : null;
  }

  async purgeRequestLog(before: number): Promise<number> {
    const r = await this.db
      .deleteFrom("request_log")
      .where("created_at", "<", String(before))
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async purgeIdempotencyKeys(beforeMs: number): Promise<number> {
    const r = await this.db
      .deleteFrom("idempotency_keys")
      .where("created_at_ms", "<", String(beforeMs))
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** Forgets access and refresh tokens whose expiry (business clock) is at or before `now`. */
  async purgeExpiredTokens(now: number): Promise<number> {
    const r = await this.db
      .deleteFrom("oauth_tokens")
      .where("expires_at", "<=", String(now))
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
