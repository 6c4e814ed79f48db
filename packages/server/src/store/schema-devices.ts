/** Kysely's view of the device-pairing tables of migrations-devices.ts. int8 columns come back as decimal strings. */
import type { ColumnType } from "kysely";

type Int8 = ColumnType<string, string | number | bigint, string | number | bigint>;
type NullableInt8 = ColumnType<
  string | null,
  string | number | bigint | null,
  string | number | bigint | null
>;

export interface PosDevicesTable {
  device_id: Int8;
  merchant_id: Int8;
  third_shop_id: string;
  name: string;
  /** The SaaS app the operator paired the device on behalf of, if any. */
  parent_client_key: string | null;
  /** The device's own app (`dev_<device_id>`), set when it pairs. */
  app_id: NullableInt8;
  created_at: Int8;
  paired_at: NullableInt8;
  revoked_at: NullableInt8;
}

export interface PosPairingCodesTable {
  code_hash: string;
  device_id: Int8;
  expires_at: Int8;
  used_at: NullableInt8;
}

export interface DeviceTables {
  pos_devices: PosDevicesTable;
  pos_pairing_codes: PosPairingCodesTable;
}
