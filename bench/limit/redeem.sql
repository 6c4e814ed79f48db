-- D for redeem_code of one code: the least SQL the operation needs.
-- Read the three records of the code (with the shop snapshot and the order's user, which the
-- event carries), update the three conditionally (version and status as read), insert the
-- redemption and the outbox event, commit.
-- Written once; not tuned afterwards (bench/README.md). Variables, set by the harness with -D:
--   base, span: the items [base, base + span) this run redeems, each once (wraps past span);
--   nclients: the number of clients; iter: 0 (a per-client counter, kept across transactions);
--   rid: a base for the run's redeem and event ids; now: the redeem time;
--   merchant, app, shop, third_shop: who redeems where.
\set iter :iter + 1
\set i :base + (((:iter - 1) * :nclients + :client_id) % :span)
\set code (:i * 982451653) % 900000000000 + 100000000000
\set redeem_id :rid + :client_id * 10000000000 + :iter
BEGIN;
SELECT v.item_order_id AS item, v.shop_order_id AS shop_order, v.version AS v_version,
       e.version AS e_version, s.version AS s_version, o.user_id AS user_id
  FROM vouchers v
  JOIN execution_orders e ON e.item_order_id = v.item_order_id
  JOIN sub_fulfillment_orders s ON s.item_order_id = v.item_order_id
  JOIN shop_snapshots p ON p.item_order_id = v.item_order_id
  JOIN shop_orders o ON o.shop_order_id = v.shop_order_id
 WHERE v.code = :code AND v.merchant_id = :merchant \gset
UPDATE vouchers SET status = 'FINISH', version = version + 1, redeem_id = :redeem_id, redeemed_shop_id = :shop,
       redeemed_third_shop_id = :third_shop, redemption_source = 2, redeem_time = :now
 WHERE item_order_id = :item AND version = :v_version AND status = 'WAIT_FULFILL';
UPDATE execution_orders SET status = 'FINISH', version = version + 1
 WHERE item_order_id = :item AND version = :e_version AND status = 'WAIT_FULFILL';
UPDATE sub_fulfillment_orders SET status = 'FINISH', version = version + 1
 WHERE item_order_id = :item AND version = :s_version AND status = 'WAIT_FULFILL';
INSERT INTO redemptions (redeem_id, shop_order_id, app_id, merchant_id, shop_id, third_shop_id, source, codes,
                         item_order_ids, redeem_time, status)
VALUES (:redeem_id, :shop_order, :app, :merchant, :shop, :third_shop, 2, ARRAY[:code::text], ARRAY[:item::text],
        :now, 'REDEEMED');
INSERT INTO outbox (event_id, event_type, shop_order_id, merchant_id, app_id, user_id, create_time, content)
VALUES (:redeem_id, 'ttls.fulfill.redeem.result', :shop_order, :merchant, :app, :user_id, :now,
        jsonb_build_object('shop_order_id', :shop_order::text, 'redeem_id', :redeem_id::text,
                           'item_ids', ARRAY[:item::text], 'codes', ARRAY[:code::text],
                           'third_shop_id', :third_shop::text, 'redeem_time', :now::bigint,
                           'redemption_source', 2));
COMMIT;
