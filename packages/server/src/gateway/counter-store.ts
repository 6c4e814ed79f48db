/** Where the limits count (this process, or Redis shared by every process): the port. */
import type { WindowCounter } from "./ports.js";

/** When the shared store is unreachable: count nothing (`open`), or count in this process (`local`). */
export type OutageMode = "open" | "local";

export interface CounterStore {
  readonly shared: boolean;
  counter(name: string, limit: number, windowSeconds: number, outage: OutageMode): WindowCounter;
  /** Starts the shared store's connection, logging through `log` from now on. */
  start(log: HealthLog): void;
  close(): Promise<void>;
}

export interface HealthLog {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}
