/**
 * The data folder holds the embedded database (its WAL has codes in plaintext), the secret and
 * QR keys and the operator token: only the server's own user may read any of it. At start the
 * folder and everything in it are brought to 0700 (folders) and 0600 (files); the process umask
 * (0o077) keeps what is created later (WAL segments, new keys) the same.
 */
import { chmodSync, lstatSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;
export const UMASK = 0o077;

/** The one file operation that may fail here (injectable: a test makes it fail for real). */
export type Chmod = (path: string, mode: number) => void;

export class DataDirUnsafe extends Error {}

/**
 * Creates the folder if needed and restricts it and everything under it (symbolic links below
 * it are left alone: their targets are not ours). Returns the paths whose mode it changed. Throws
 * DataDirUnsafe when a mode cannot be set.
 */
export function restrictDataDir(dir: string, chmod: Chmod = chmodSync): string[] {
  mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  const fixed: string[] = [];
  // The folder itself is followed if it is a link (a mounted volume often is); below it, links
  // are left alone.
  const visit = (path: string, follow = false) => {
    const stat = follow ? statSync(path) : lstatSync(path);
    if (stat.isSymbolicLink()) return;
    const want = stat.isDirectory() ? DIR_MODE : FILE_MODE;
    if ((stat.mode & 0o777) !== want) {
      try {
        chmod(path, want);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        throw new DataDirUnsafe(
          `cannot restrict ${path} to mode ${want.toString(8)} (${code}): the data folder must be readable by this user only`,
        );
      }
      fixed.push(path);
    }
    if (stat.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  visit(dir, true);
  return fixed;
}

/** Files created from now on by this process (PGlite's included) are its user's only. */
export function restrictUmask(): void {
  process.umask(UMASK);
}
