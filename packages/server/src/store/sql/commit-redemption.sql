-- A redemption's writes in one round trip (core/ports.ts RedemptionCommit), prepared as
-- commit_redemption.
--
-- Each record of each item (voucher, execution order, sub-fulfillment order) moves only if it
-- still has the version and status that were read; it moves to the status the core's move
-- names, which the domain's state machine gave (domain/item-state.ts nextItemState, "redeem").
-- The redemption and its outbox event are inserted only when every record moved, so a lost race
-- writes neither; the caller then rolls back.
--
-- Parameters. The moves, one element per record, the arrays of a table parallel:
--   :voucher_ids bigint[], :voucher_versions int[], :voucher_from_statuses text[], :voucher_to_statuses text[]
--   :execution_ids, :execution_versions, :execution_from_statuses, :execution_to_statuses   (the same)
--   :sub_ids, :sub_versions, :sub_from_statuses, :sub_to_statuses                           (the same)
--   :item_count int   how many items are redeemed: each table must move that many records
-- The voucher's redemption fields:
--   :redeem_id bigint, :redeemed_shop_id bigint, :redeemed_third_shop_id text,
--   :redemption_source smallint, :redeem_time bigint
-- The redemption record:
--   :redemption_id bigint, :shop_order_id bigint, :app_id bigint (null: none), :merchant_id bigint,
--   :shop_id bigint, :third_shop_id text, :source smallint, :codes text[], :item_order_ids text[],
--   :redemption_time bigint, :redemption_status text, :cancel_time bigint (null)
-- The outbox event (its user is the shop order's, read here):
--   :event_id bigint, :event_type text, :event_shop_order_id bigint, :event_merchant_id bigint,
--   :event_app_id bigint, :event_time bigint, :event_content jsonb,
--   :event_recipients bigint[]: the apps it goes to, a subquery evaluated by this statement
--   (store/event-recipients.ts recipientsOf)
-- Returns one row: the records moved per table and the rows written, as text counts.

-- name: commit_redemption
WITH moved_vouchers AS (
  UPDATE vouchers AS voucher
     SET status = move.to_status, version = voucher.version + 1,
         redeem_id = :redeem_id::bigint, redeemed_shop_id = :redeemed_shop_id::bigint,
         redeemed_third_shop_id = :redeemed_third_shop_id::text,
         redemption_source = :redemption_source::smallint, redeem_time = :redeem_time::bigint
    FROM (SELECT unnest(:voucher_ids::bigint[]) AS item_order_id, unnest(:voucher_versions::int[]) AS from_version,
                 unnest(:voucher_from_statuses::text[]) AS from_status,
                 unnest(:voucher_to_statuses::text[]) AS to_status) AS move
   WHERE voucher.item_order_id = move.item_order_id AND voucher.version = move.from_version
     AND voucher.status = move.from_status
  RETURNING voucher.item_order_id
), moved_executions AS (
  UPDATE execution_orders AS execution
     SET status = move.to_status, version = execution.version + 1
    FROM (SELECT unnest(:execution_ids::bigint[]) AS item_order_id, unnest(:execution_versions::int[]) AS from_version,
                 unnest(:execution_from_statuses::text[]) AS from_status,
                 unnest(:execution_to_statuses::text[]) AS to_status) AS move
   WHERE execution.item_order_id = move.item_order_id AND execution.version = move.from_version
     AND execution.status = move.from_status
  RETURNING execution.item_order_id
), moved_subs AS (
  UPDATE sub_fulfillment_orders AS sub
     SET status = move.to_status, version = sub.version + 1
    FROM (SELECT unnest(:sub_ids::bigint[]) AS item_order_id, unnest(:sub_versions::int[]) AS from_version,
                 unnest(:sub_from_statuses::text[]) AS from_status,
                 unnest(:sub_to_statuses::text[]) AS to_status) AS move
   WHERE sub.item_order_id = move.item_order_id AND sub.version = move.from_version
     AND sub.status = move.from_status
  RETURNING sub.item_order_id
), every_record_moved AS (
  SELECT (SELECT count(*) FROM moved_vouchers) = :item_count::int
     AND (SELECT count(*) FROM moved_executions) = :item_count::int
     AND (SELECT count(*) FROM moved_subs) = :item_count::int AS yes
), written_redemption AS (
  INSERT INTO redemptions (redeem_id, shop_order_id, app_id, merchant_id, shop_id, third_shop_id, source, codes,
                           item_order_ids, redeem_time, status, cancel_time)
  SELECT :redemption_id::bigint, :shop_order_id::bigint, :app_id::bigint, :merchant_id::bigint, :shop_id::bigint,
         :third_shop_id::text, :source::smallint, :codes::text[], :item_order_ids::text[], :redemption_time::bigint,
         :redemption_status::text, :cancel_time::bigint
    FROM every_record_moved WHERE every_record_moved.yes
  RETURNING redeem_id
), written_event AS (
  INSERT INTO outbox (event_id, event_type, shop_order_id, merchant_id, app_id, user_id, create_time, content,
                      recipients)
  SELECT :event_id::bigint, :event_type::text, :event_shop_order_id::bigint, :event_merchant_id::bigint,
         :event_app_id::bigint,
         coalesce((SELECT user_id FROM shop_orders WHERE shop_order_id = :event_shop_order_id::bigint), 0),
         :event_time::bigint, :event_content::jsonb, :event_recipients
    FROM written_redemption
  RETURNING event_id
)
SELECT (SELECT count(*) FROM moved_vouchers)::text AS vouchers_moved,
       (SELECT count(*) FROM moved_executions)::text AS executions_moved,
       (SELECT count(*) FROM moved_subs)::text AS subs_moved,
       (SELECT count(*) FROM written_redemption)::text AS redemptions_written,
       (SELECT count(*) FROM written_event)::text AS events_written
