/**
 * Everything the HTTP layer needs, built once per process by the composition root: the use
 * cases (services bound to their ports), never the store.
 */
import type { Config } from "../config.js";
import type { DeviceServices } from "../core/devices.js";
import type { OperatorAudit } from "../core/operator-audit.js";
import type { OperatorReads } from "../core/operator-reads.js";
import type { PlatformServices, SandboxServices } from "../core/platform-services.js";
import type { RealClock } from "../core/ports.js";
import type { WebhookReportServices } from "../events/delivery-reports.js";
import type { EventServices } from "../events/services.js";
import type { CounterStore } from "../gateway/counter-store.js";
import type { FailureThrottle } from "../gateway/failure-throttle.js";
import type { RequestLogWriter } from "../gateway/request-log-writer.js";
import type { SaasEndpoints } from "../gateway/saas-endpoints.js";

/** What /healthz reports: the database answers (and which), or not. */
export type Health = { readonly ok: true; readonly database: string } | { readonly ok: false };

export interface HttpContext {
  readonly config: Config;
  readonly realClock: RealClock;
  /** The SaaS endpoints: token, lookup, redeem, cancel, records (with the rate limit and enumeration budget). */
  readonly saas: SaasEndpoints;
  /** Whether an error says the database is unreachable (an outage, a restart), not unexpected. */
  readonly isDatabaseUnavailable: (error: unknown) => boolean;
  readonly requestLog: RequestLogWriter;
  readonly operatorToken: string;
  /** Where the limits count (this process, or Redis): started with the app's log, closed with it. */
  readonly counters: CounterStore;
  /** Failed credential attempts: the token endpoint, the operator token, device pairing. */
  readonly throttles: {
    readonly token: FailureThrottle;
    readonly operator: FailureThrottle;
    readonly pairing: FailureThrottle;
  };
  /** POS devices: create, list, revoke; pair; the session a device token stands for. */
  readonly devices: DeviceServices;
  /** Event delivery: dead letters, replay, a shop order's events; the relay's life. */
  readonly events: EventServices;
  /** The Webhooks screen: deliveries by outcome, apps' last errors, replay of every dead letter. */
  readonly webhooks: WebhookReportServices;
  /** The operator's platform API (CONTRACT.md section 8). */
  readonly platform: PlatformServices;
  /** The audit of operator writes (recorded by one hook, listed by GET /platform/audit). */
  readonly audit: OperatorAudit;
  /** Support's searches: redemptions, the after-sales queue. */
  readonly operatorReads: OperatorReads;
  /** The sandbox (CONTRACT.md section 7); null outside sandbox mode. */
  readonly sandbox: SandboxServices | null;
  health(): Promise<Health>;
}

/** What a request ended on, for the request log (written when the response is sent). */
export interface RequestOutcome {
  endpoint: string;
  row: string;
  cause: string | null;
  appId: string | null;
  merchantId: string | null;
  redeemId: string | null;
}

declare module "fastify" {
  interface FastifyRequest {
    outcome: RequestOutcome | null;
    caller: { appId: string; merchantId: string } | null;
  }
  interface FastifyContextConfig {
    endpoint?: "query" | "redeem";
    logName?: string;
  }
}
