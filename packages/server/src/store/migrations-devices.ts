/**
 * Migrations of POS device pairing. Ids from 100 on, apart from the core's (even) and event
 * delivery's (odd) lists.
 */
import type { Migration } from "./migrations.js";

export const DEVICE_MIGRATIONS: readonly Migration[] = [];
