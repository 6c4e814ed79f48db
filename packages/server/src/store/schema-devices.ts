/** Kysely's view of the device-pairing tables of migrations-devices.ts. */

export interface DeviceTables {}
