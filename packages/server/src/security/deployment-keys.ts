/**
 * The deployment's two keys against the database's record of them (README, "Keys"): the
 * first start records each key's fingerprint; a later start whose key (or previous key, while
 * rotating) is not the recorded one is refused, naming the variable, so a process with its own
 * generated key cannot write secrets nobody else can read. A rotation re-seals every client
 * secret under the current key and records the current fingerprints, in one transaction.
 * Messages name variables and files, never a key.
 */
import { type KeyName, keyFingerprint, QR_KEY, SECRET_KEY } from "./key-fingerprint.js";
import { SecretBox } from "./secret-box.js";

export interface DeploymentKey {
  readonly name: KeyName;
  readonly current: Buffer;
  /** `<name>_PREVIOUS`: accepted for opening while a rotation is under way. */
  readonly previous: Buffer | null;
  /**
   * Where the current key came from: its variable, a file generated into the data folder, or
   * made up for this process alone (tests' in-memory mode): such a key is no deployment's, so
   * it is neither recorded nor checked.
   */
  readonly source:
    | { readonly kind: "env" }
    | { readonly kind: "file"; readonly path: string }
    | { readonly kind: "ephemeral" };
}

/** The store's side (store/key-fingerprints.ts). */
export interface FingerprintPort {
  /** The recorded fingerprint of each key name. */
  recorded(): Promise<ReadonlyMap<string, string>>;
  /** Records `fingerprint` unless one is recorded already; answers the one recorded now. */
  recordIfAbsent(name: KeyName, fingerprint: string): Promise<string>;
  /** One sealed client secret, or null when there is none (judged before the first record). */
  anySealedSecret(): Promise<string | null>;
  /**
   * In one transaction: every client secret replaced by `reseal(sealed)` (a throw changes
   * nothing), then the fingerprints set. Answers the number of secrets re-sealed.
   */
  resealAll(reseal: (sealed: string) => string, fingerprints: ReadonlyMap<KeyName, string>): Promise<number>;
}

const fits = (key: DeploymentKey, fingerprint: string) =>
  keyFingerprint(key.name, key.current) === fingerprint ||
  (key.previous !== null && keyFingerprint(key.name, key.previous) === fingerprint);

function mismatch(key: DeploymentKey, why: string): string {
  const from =
    key.source.kind === "file"
      ? `this process's key was generated into ${key.source.path} because ${key.name} is unset`
      : `this process's key comes from ${key.name}`;
  return (
    `${key.name}: the database was written with another key (${why}); ${from}. Every process of ` +
    `one deployment must share ${key.name}; to change the key, set ${key.name}_PREVIOUS to the ` +
    "old one and run `fulfill keys rotate` (README, Keys)"
  );
}

/** What the first record of a key is: the secret key must open the secrets already written. */
async function firstFingerprint(port: FingerprintPort, key: DeploymentKey): Promise<string | string[]> {
  const fingerprint = keyFingerprint(key.name, key.current);
  if (key.name !== SECRET_KEY) return fingerprint;
  const sealed = await port.anySealedSecret();
  if (sealed === null || new SecretBox(key.current).underCurrentKey(sealed)) return fingerprint;
  if (key.previous !== null && new SecretBox(key.previous).underCurrentKey(sealed))
    return keyFingerprint(key.name, key.previous);
  return [mismatch(key, `its client secrets do not decrypt under ${key.name}`)];
}

/** Every problem of the keys against the database (empty: the process may start); records first fingerprints. */
export async function checkDeploymentKeys(
  port: FingerprintPort,
  keys: readonly DeploymentKey[],
): Promise<string[]> {
  const checked = keys.filter((k) => k.source.kind !== "ephemeral");
  if (checked.length === 0) return [];
  const recorded = await port.recorded();
  const problems: string[] = [];
  for (const key of checked) {
    let fingerprint = recorded.get(key.name);
    if (fingerprint === undefined) {
      const first = await firstFingerprint(port, key);
      if (Array.isArray(first)) {
        problems.push(...first);
        continue;
      }
      // Two first starts at once: the one recorded first wins, the other is judged by it.
      fingerprint = await port.recordIfAbsent(key.name, first);
    }
    if (!fits(key, fingerprint))
      problems.push(
        mismatch(
          key,
          key.previous === null
            ? `its recorded fingerprint is not ${key.name}'s`
            : `its recorded fingerprint is neither ${key.name}'s nor ${key.name}_PREVIOUS's`,
        ),
      );
  }
  return problems;
}

export interface RotationReport {
  /** Client secrets re-sealed under FULFILL_SECRET_KEY. */
  readonly secrets: number;
  /** Of those, how many were still under FULFILL_SECRET_KEY_PREVIOUS. */
  readonly fromPrevious: number;
  /** Key names whose recorded fingerprint changed to the current key's. */
  readonly recorded: readonly KeyName[];
}

/**
 * The rotation (`fulfill keys rotate`): every client secret re-sealed under the current key
 * and both current fingerprints recorded, in one transaction. Run after every process has the
 * new key with the old one as `_PREVIOUS` (the start check has accepted these keys already);
 * then `_PREVIOUS` can go.
 */
export async function rotateDeploymentKeys(
  port: FingerprintPort,
  keys: readonly DeploymentKey[],
): Promise<RotationReport> {
  const secretKey = keys.find((k) => k.name === SECRET_KEY);
  if (!secretKey) throw new Error(`${SECRET_KEY} is required to rotate`);
  const box = new SecretBox(secretKey.current, secretKey.previous);
  const recorded = await port.recorded();
  const fingerprints = new Map<KeyName, string>();
  const changed: KeyName[] = [];
  for (const key of keys.filter((k) => k.name === SECRET_KEY || k.name === QR_KEY)) {
    const fingerprint = keyFingerprint(key.name, key.current);
    fingerprints.set(key.name, fingerprint);
    if (recorded.get(key.name) !== fingerprint) changed.push(key.name);
  }
  let fromPrevious = 0;
  const secrets = await port.resealAll((sealed) => {
    if (!box.underCurrentKey(sealed)) fromPrevious++;
    return box.seal(box.open(sealed));
  }, fingerprints);
  return { secrets, fromPrevious, recorded: changed };
}
