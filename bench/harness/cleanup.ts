/** What to undo (servers, scratch databases, data folders) when the bench is interrupted or fails. */
import { log } from "../lib/progress.js";

const cleanups: (() => Promise<void>)[] = [];

/** Registers `fn` to run on interrupt or failure; the returned function unregisters it. */
export function onCleanup(fn: () => Promise<void>): () => void {
  cleanups.push(fn);
  return () => {
    const i = cleanups.indexOf(fn);
    if (i >= 0) cleanups.splice(i, 1);
  };
}

/** Runs every registered cleanup (after a failure), whatever each one does. */
export function cleanUpAll(): Promise<unknown> {
  return Promise.allSettled(cleanups.map((f) => f()));
}

/** On SIGINT or SIGTERM: clean up, newest first, and exit 130. */
export function cleanUpOnSignals(): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      log(`\n${signal}: cleaning up`);
      void Promise.allSettled(cleanups.reverse().map((f) => f())).then(() => process.exit(130));
    });
  }
}
