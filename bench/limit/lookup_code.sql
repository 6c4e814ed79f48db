-- D for get_code_item_list by typed code: the least SQL the operation needs.
-- One indexed read of the code with its three records (voucher, execution order,
-- sub-fulfillment order) and the shop snapshot the shop check reads.
-- Written once; not tuned afterwards (bench/README.md). Variables, set by the harness with -D:
--   n: vouchers in the world; merchant: the merchant id.
\set i random(0, :n - 1)
\set code (:i * 982451653) % 900000000000 + 100000000000
SELECT v.item_order_id, v.code, v.shop_order_id, v.product_id, v.status, v.start_time, v.end_time, v.version,
       v.redeem_id, v.redeemed_shop_id, v.redeemed_third_shop_id, v.redemption_source, v.redeem_time,
       e.status AS exec_status, e.start_time AS exec_start, e.end_time AS exec_end, e.version AS exec_version,
       s.status AS sub_status, s.version AS sub_version, p.third_shop_ids
  FROM vouchers v
  JOIN execution_orders e ON e.item_order_id = v.item_order_id
  JOIN sub_fulfillment_orders s ON s.item_order_id = v.item_order_id
  JOIN shop_snapshots p ON p.item_order_id = v.item_order_id
 WHERE v.code = :code AND v.merchant_id = :merchant;
