/** Everything the HTTP layer needs, built once per process. */
import type { Config } from "../config.js";
import type { DeviceServices } from "../core/devices.js";
import type { EventServices } from "../events/services.js";
import type { FailureThrottle } from "../gateway/failure-throttle.js";
import type { QrCodec } from "../gateway/qr-codec.js";
import type { RequestLogWriter } from "../gateway/request-log-writer.js";
import type { SaasEndpoints } from "../gateway/saas-endpoints.js";
import type { AlertStore } from "../store/alert-store.js";
import type { KyselyGatewayStore } from "../store/gateway-store.js";
import type { CounterStore } from "../store/shared-counters.js";
import type { System } from "../system.js";

export interface HttpContext {
  readonly system: System;
  readonly config: Config;
  readonly gateway: KyselyGatewayStore;
  readonly qr: QrCodec;
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
  readonly alerts: AlertStore;
  /** POS devices: create, list, revoke; pair; the session a device token stands for. */
  readonly devices: DeviceServices;
  /** Event delivery: dead letters, replay, a shop order's events; the relay's life. */
  readonly events: EventServices;
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
