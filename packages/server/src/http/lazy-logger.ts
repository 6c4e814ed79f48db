/**
 * A request's logger that builds its pino child (the log id binding, serialized through the
 * redaction paths) only when a line is written at an enabled level. Most requests write no line
 * at all above the configured level, and a child built per request cost a lookup about 2 % of
 * its CPU and 6 % of its allocations (bench/README.md, profile of 2026-11-29).
 */
import type { FastifyBaseLogger } from "fastify";
import type { Bindings, ChildLoggerOptions, Level, LogFn } from "pino";

type PinoLike = FastifyBaseLogger & { isLevelEnabled(level: string): boolean };

export class LazyChildLogger implements FastifyBaseLogger {
  #child: FastifyBaseLogger | null = null;
  // Methods on the prototype (below), not closures per instance: one small object per request.
  declare fatal: LogFn;
  declare error: LogFn;
  declare warn: LogFn;
  declare info: LogFn;
  declare debug: LogFn;
  declare trace: LogFn;
  declare silent: LogFn;

  constructor(
    private readonly parent: PinoLike,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  real(): FastifyBaseLogger {
    this.#child ??= this.parent.child(this.bindings, this.options);
    return this.#child;
  }

  write(level: Level, args: unknown[]): void {
    if (!this.#child && !this.parent.isLevelEnabled(level)) return;
    const real = this.real();
    (real[level] as (...a: unknown[]) => void).apply(real, args);
  }

  get level(): string {
    return this.#child?.level ?? this.parent.level;
  }

  set level(level: string) {
    this.real().level = level;
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.real().child(bindings, options);
  }
}

for (const level of ["fatal", "error", "warn", "info", "debug", "trace"] as const) {
  LazyChildLogger.prototype[level] = function (this: LazyChildLogger, ...args: unknown[]) {
    this.write(level, args);
  } as LogFn;
}
LazyChildLogger.prototype.silent = (() => undefined) as LogFn;

/** Fastify's `childLoggerFactory`: lazy unless the route asks for a level of its own. */
export function lazyChildLoggerFactory(
  logger: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  if (options.level !== undefined) return logger.child(bindings, options);
  return new LazyChildLogger(logger as PinoLike, bindings, options);
}

/** A URL as the log may show it: its path only (a query string can carry a secret). */
export function loggedUrl(url: string): string {
  const q = url.indexOf("?");
  return q < 0 ? url : url.slice(0, q);
}
