// window.Tandem, the API a site calls (docs/sdk.md, "window.Tandem"). The
// script is async, so a page may have queued calls before it ran, in a stub
// window.Tandem = {q: [[name, args], ...]}; loader.ts replays them once
// everything is set up.

import { end } from "./assist";
import { restartRecorder, selectors } from "./capture";
import { openChat } from "./chat-host";
import { on } from "./events";
import { redeem, requestHelp } from "./help";
import { onChange, signIn, signOut, token, user } from "./passport-host";
import { identify } from "./person";
import { screen } from "./screen-host";
import { session, state, type State } from "./state";

/** What a page may have put in window.Tandem before the loader ran. */
export interface Prior {
  __tandem?: boolean;
  q?: [string, unknown[]][];
}

function validSelector(sel: string): string {
  document.createDocumentFragment().querySelector(sel); // throws on a bad selector
  return sel;
}

/** The object loader.ts puts on window as Tandem. */
export const Tandem = {
  __tandem: true,
  /** Asks for help; resolves once the request is filed (or failed: see the "error" event). */
  requestHelp,
  /** Ends the assist (or cancels a waiting request); capture stops at once. */
  end,
  /** Opens the chat panel: a conversation with support (and its bots) before, during and after an assist. */
  openChat,
  /** Redeems an invite code the person was given. */
  redeem: (code: string) => redeem({ code: String(code) }),
  /** Listens for "state", "prompt", "live", "ended" or "error"; returns a function that stops listening. */
  on,
  /** Names the person in help requests (e.g. your customer id). */
  identify,
  /** Masks inputs and text matching selector. */
  mask(selector: string): void {
    selectors.mask.push(validSelector(selector));
    restartRecorder();
  },
  /** Exempts elements matching selector from strict masking (never passwords or card numbers). */
  unmask(selector: string): void {
    selectors.unmask.push(validSelector(selector));
    restartRecorder();
  },
  /** Replaces elements matching selector by an empty placeholder of the same size. */
  block(selector: string): void {
    selectors.block.push(validSelector(selector));
    restartRecorder();
  },
  /** The person's sign-in through Tandem's passport, across sites (docs/sdk.md, "Tandem.passport"). */
  passport: Object.freeze({
    /** Redirects to the passport to sign in (no form when the person is signed in there already). */
    signIn: (opts?: { redirectUri?: string }) => signIn(opts || {}),
    /** Revokes the sign-in and forgets it. */
    signOut,
    /** The signed-in person ({id, email, name}) or null; no request. */
    user,
    /** A valid access token, refreshed when it expired; null when signed out. */
    token,
    /** Calls cb({user, reason}) on sign-in, refresh and sign-out; returns a function that stops it. */
    onChange,
  }),
  /** A screen the page draws itself (a canvas), described as a view tree (docs/native-screens.md). */
  screen,
  /** idle, waiting, consenting, live or ended. */
  get state(): State {
    return state;
  },
  /** The current assist's id, or null. */
  get assistId(): string | null {
    return session ? session.assistId : null;
  },
};
