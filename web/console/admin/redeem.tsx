// The page an invited agent opens (/console/#invite=TOKEN): they choose a
// password, and are signed in.

import { useState } from "preact/hooks";
import { errorMessage, User } from "../../shared/api";
import { ErrorNote, Spinner } from "../common/ui";
import { adminApi } from "./api";

/** The invite's form; onRedeemed receives the signed-in agent. */
export function RedeemScreen({ token, onRedeemed }: { token: string; onRedeemed(u: User): void }) {
  const [pw, setPw] = useState("");
  const [again, setAgain] = useState("");
  const [err, setErr] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (pw !== again) {
      setErr("The two passwords differ.");
      return;
    }
    setBusy(true);
    setErr(null);
    try {
      const r = await adminApi.redeem(token, pw);
      // The token is used up: take it out of the address and the history.
      history.replaceState(null, "", location.pathname + location.search);
      onRedeemed(r.user);
    } catch (e2) {
      setErr(errorMessage(e2));
      setBusy(false);
    }
  };
  return (
    <div class="login-page">
      <form class="login-card" onSubmit={submit}>
        <div class="brand brand-dark">
          <span class="brand-mark">T</span> Tandem
        </div>
        <h1>Welcome to the console</h1>
        <p class="muted small">Choose your password (at least 10 characters) to finish your invite.</p>
        <label class="field">
          <span>Password</span>
          <input type="password" autoComplete="new-password" required autoFocus value={pw} data-testid="redeem-password" onInput={(e) => setPw(e.currentTarget.value)} />
        </label>
        <label class="field">
          <span>Password again</span>
          <input type="password" autoComplete="new-password" required value={again} data-testid="redeem-again" onInput={(e) => setAgain(e.currentTarget.value)} />
        </label>
        <ErrorNote message={err} testid="redeem-error" />
        <button type="submit" class="btn btn-primary btn-block" data-testid="redeem-submit" disabled={busy}>
          {busy && <Spinner />} Set password and sign in
        </button>
      </form>
    </div>
  );
}
