/** An outbox event written by a use case's transaction (cancel, after-sale); its recipients fixed by the same statement. */
import type { OutboxEvent } from "../core/records.js";
import { atShop, ofSnapshots, recipientsOf } from "./event-recipients.js";
import type { StoreScope } from "./scope.js";

export async function insertEvent(scope: StoreScope, event: OutboxEvent): Promise<void> {
  await scope.db
    .insertInto("outbox")
    .values({
      event_id: event.eventId,
      event_type: event.eventType,
      shop_order_id: event.shopOrderId,
      merchant_id: event.merchantId,
      app_id: event.appId,
      user_id: event.userId,
      create_time: event.createTime,
      content: JSON.stringify(event.content),
      recipients: recipientsOf(
        event.merchantId,
        "thirdShopId" in event.audience
          ? atShop(event.audience.thirdShopId)
          : ofSnapshots(event.audience.snapshotsOf),
      ),
    })
    .execute();
}
