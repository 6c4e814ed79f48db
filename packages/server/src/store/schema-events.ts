/** Kysely's view of the event-delivery tables of migrations-events.ts. */

export interface EventTables {}
