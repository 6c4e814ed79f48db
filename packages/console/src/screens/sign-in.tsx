/** Sign in with the operator token: checked against the platform API before it is kept. */
import { useState } from "preact/hooks";
import { OperatorApi } from "../api.js";
import { failureWords } from "../words.js";

export function SignInScreen({ onSignedIn }: { onSignedIn: (api: OperatorApi) => void }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    const api = new OperatorApi(token.trim());
    // Any operator read proves the token; the alerts list is the cheapest.
    const answer = await api.get("/platform/alerts?limit=1");
    setBusy(false);
    if (answer.ok) onSignedIn(api);
    else setError(failureWords(answer.failure));
  }

  return (
    <main class="sign-in" data-screen="sign-in">
      <form class="card" onSubmit={submit}>
        <h1>Fulfill console</h1>
        <p>Sign in with the operator token (the server prints its path at start).</p>
        <label for="operator-token">Operator token</label>
        <input
          id="operator-token"
          type="password"
          autocomplete="off"
          value={token}
          onInput={(e) => setToken((e.target as HTMLInputElement).value)}
        />
        <button class="btn primary" type="submit" disabled={busy || token.trim() === ""}>
          Sign in
        </button>
        {error && (
          <p class="outcome error" data-testid="outcome" role="alert">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}
