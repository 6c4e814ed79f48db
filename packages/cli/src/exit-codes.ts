/** Exit codes that tell the three kinds of failure apart, for scripts. */
export const EXIT = {
  ok: 0,
  /** Bad command line: unknown option, missing argument. */
  usage: 2,
  /** The server answered with an error of the contract (a catalogue row, OAuth error, 401, 429, 404). */
  contract: 3,
  /** No answer: connection refused, timeout, not JSON. */
  transport: 4,
} as const;

export class ContractError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly errorMessage: string,
    readonly logId: string | null,
    readonly body: unknown,
  ) {
    super(`${code} ${errorMessage}`);
  }
}

export class TransportError extends Error {}

export class UsageError extends Error {}
