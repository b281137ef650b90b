// The sign-in screen.

import { useEffect, useState } from "preact/hooks";
import { api, errorMessage, User } from "../../shared/api";
import { Spinner } from "../common/ui";

/** The login form; onLogin receives the signed-in user. */
export function LoginScreen({ onLogin }: { onLogin(u: User): void }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [err, setErr] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Which ways in the server allows (--console-signin); the password form until it says.
  const [methods, setMethods] = useState({ password: true, passport: false });
  useEffect(() => {
    api.signInMethods().then(setMethods, () => setMethods({ password: true, passport: false }));
  }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setErr(null);
    try {
      const r = await api.login(email.trim(), password);
      onLogin(r.user);
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
        <h1>Sign in to the console</h1>
        {methods.passport && (
          <>
            {/* A top-level navigation: the passport's form is on its own page, and back with a code. */}
            <a class="btn btn-block passport-signin" href="/console/passport/start" data-testid="login-passport">
              Sign in with the passport
            </a>
            {methods.password && <div class="login-or muted small">or with your password</div>}
          </>
        )}
        {methods.password && (
          <>
            <label class="field">
              <span>Email</span>
              <input
                type="email"
                autoComplete="username"
                required
                autoFocus
                value={email}
                data-testid="login-email"
                onInput={(e) => setEmail((e.currentTarget as HTMLInputElement).value)}
              />
            </label>
            <label class="field">
              <span>Password</span>
              <input
                type="password"
                autoComplete="current-password"
                required
                value={password}
                data-testid="login-password"
                onInput={(e) => setPassword((e.currentTarget as HTMLInputElement).value)}
              />
            </label>
            {err && (
              <div class="error-note" role="alert" data-testid="login-error">
                {err}
              </div>
            )}
            <button type="submit" class="btn btn-primary btn-block" data-testid="login-submit" disabled={busy}>
              {busy && <Spinner />} Sign in
            </button>
          </>
        )}
      </form>
    </div>
  );
}
