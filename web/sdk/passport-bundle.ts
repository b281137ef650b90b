// The passport bundle (passport.js): Tandem.passport's sign-in, refresh,
// checks and live news, loaded by the loader only when the page needs them
// (passport-host.ts): a sign-in coming back, a cached sign-in, or a call
// to Tandem.passport. Pages of people who never sign in never load it.

import { currentToken, host, signIn, signOut, startPassport, token, user } from "./passport";

window.__tandemPassport = {
  start(h) {
    Object.assign(host, h);
    return startPassport();
  },
  signIn,
  signOut,
  token,
  user,
  currentToken,
};
