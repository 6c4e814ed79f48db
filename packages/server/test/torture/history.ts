/** What every torture client records: each request, its answer or its timeout, and times. */
export type Op = "lookup" | "redeem" | "cancel" | "refund_request" | "refund_approve" | "refund_close";

export interface Answer {
  readonly status: number;
  readonly code: string | null;
  readonly message: string | null;
  readonly handling: string | null;
  readonly data: Record<string, unknown> | null;
}

export interface Entry {
  readonly client: number;
  readonly op: Op;
  readonly server: number;
  readonly request: Record<string, unknown>;
  readonly idempotencyKey: string | null;
  readonly start: number; // real ms
  end: number;
  answer: Answer | null; // null: no answer (timeout, connection reset)
}

/** CONTRACT.md section 3: transient = handling retry/recheck/rescan, a 429, or no answer at all. */
export function isTransient(e: Entry): boolean {
  if (e.answer === null) return true;
  if (e.answer.status === 429) return true;
  if (e.answer.status === 401) return false;
  return (
    e.answer.handling === "retry" ||
    e.answer.handling === "recheck" ||
    e.answer.handling === "rescan" ||
    e.answer.status >= 502
  );
}
