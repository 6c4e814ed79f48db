/**
 * Migrations of event delivery (webhooks, dead letters, NATS). Odd ids from 3 on; the core's
 * list in migrations.ts takes the even ones, so both can grow without colliding.
 */
import type { Migration } from "./migrations.js";

export const EVENT_MIGRATIONS: readonly Migration[] = [];
