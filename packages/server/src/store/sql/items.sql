-- The items of some vouchers with every record a lookup or a redeem reads of them, in one
-- round trip (core/ports.ts CodeItems): the voucher, its execution order, its sub-fulfillment
-- order, its shop snapshot, and whether its shop order exists. The joins are LEFT joins: a
-- missing record is the core's to answer (its own catalogue row), not a vanished voucher.
--
-- Each statement sent is `item_records` followed by one filter (and `for_update` when a redeem
-- locks the vouchers), in store/item-reads.ts:
--   items_codes       item_records + by_codes                 itemsByCodes inside a transaction
--   items_codes_lock  item_records + by_codes + for_update    itemsByCodesForUpdate (redeem)
--   items_order       item_records + by_shop_order            itemsByShopOrder (lookup by QR)
--   items_any_codes   item_records + by_merchant_codes        itemsByCodes of several callers, batched
-- Parameters:
--   :merchant_id   bigint     the caller's merchant (every filter is scoped to it)
--   :codes         char(12)[] typed codes
--   :shop_order_id bigint     a shop order
--   :merchant_ids  bigint[]   (batched) the merchant of each code in :codes, pairwise

-- name: item_records
SELECT voucher.*,
       execution.status AS execution_status, execution.start_time AS execution_start_time,
       execution.end_time AS execution_end_time, execution.version AS execution_version,
       sub.status AS sub_status, sub.version AS sub_version,
       snapshot.third_shop_ids AS snapshot_third_shop_ids,
       shop_order.shop_order_id AS order_shop_order_id
FROM vouchers AS voucher
LEFT JOIN execution_orders AS execution ON execution.item_order_id = voucher.item_order_id
LEFT JOIN sub_fulfillment_orders AS sub ON sub.item_order_id = voucher.item_order_id
LEFT JOIN shop_snapshots AS snapshot ON snapshot.item_order_id = voucher.item_order_id
LEFT JOIN shop_orders AS shop_order ON shop_order.shop_order_id = voucher.shop_order_id

-- name: by_codes
WHERE voucher.merchant_id = :merchant_id::bigint AND voucher.code = ANY(:codes::char(12)[])
ORDER BY voucher.item_order_id

-- name: by_shop_order
WHERE voucher.merchant_id = :merchant_id::bigint AND voucher.shop_order_id = :shop_order_id::bigint
ORDER BY voucher.item_order_id

-- name: by_merchant_codes
-- The code filter first (the code index finds the candidates), then the pairs: a batch never
-- reads another merchant's voucher for a caller.
WHERE voucher.code = ANY(:codes::char(12)[])
  AND (voucher.merchant_id, voucher.code) IN (SELECT * FROM unnest(:merchant_ids::bigint[], :codes::char(12)[]))
ORDER BY voucher.item_order_id

-- name: for_update
-- Every writer locks vouchers first and in item id order (the ORDER BY), so writers never deadlock.
FOR UPDATE OF voucher
