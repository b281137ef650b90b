// The Tandem loader (sdk.js): the small script a site embeds with
//
//   <script src="https://TANDEM/sdk.js" data-site="KEY" async></script>
//
// It shows the help control, files help requests, redeems invites, keeps the
// person's channel, and asks for consent. Nothing of the page is read or sent
// before the person allows (or redeems an invite); only then does it load the
// recorder (recorder.js) from the same server. See docs/sdk.md.
//
// This file only starts the loader; each job is in its own module:
//
//   config.ts         the script tag's configuration (site key, server, button)
//   state.ts          the assist's state, and what the control shows for it
//   ui.ts             the help control, waiting panel, consent prompt and badge
//   help.ts           help requests and invite redemptions (over http.ts)
//   invite.ts         invite links (#tandem-invite=TOKEN)
//   assist.ts         the person's channel, consent and the end of the assist
//   site.ts           the site's capture settings, and which source wins
//   capture.ts        loading recorder.js after consent, starting and restarting it
//   interact-host.ts  frames for calls, pointer and remote control (in the recorder's bundle)
//   navigation.ts     handing the assist to the next page of the tab (storage.ts)
//   tabs-host.ts      listening to the site's other tabs, and loading tabs.js (tabs.ts: following
//                     the person across them, tabs-elect.ts: which tab) when there is an assist
//   person.ts         who the person is, and what a request reveals of the page
//   events.ts         Tandem.on and the events it delivers
//   chat-host.ts      the chat launcher, and loading the chat panel (chat.js) when the person chats
//   bundle.ts         loading the other bundles (recorder.js, chat.js, passport.js, tabs.js, screen.js)
//   passport.ts       Tandem.passport: sign-in through Tandem's passport (passport-events.ts: its live news)
//   screen-host.ts    Tandem.screen: a screen the page draws itself, as a view tree; loading screen.js
//                     (screen.ts: keeping the tree) on the first call (recorded by screenrec.ts)
//   tandem.ts         window.Tandem
//
// The loader runs once per page, so the modules keep their state at module
// level; esbuild bundles them into one small script.

import { answerJoin, consent, end } from "./assist";
import { restartIfStale } from "./capture";
import { renderLauncher, resumeChat } from "./chat-host";
import { base, button, configure } from "./config";
import { leaveMessage, redeem, requestHelp } from "./help";
import { checkInvite } from "./invite";
import { onPageHide, onPageShow, resume } from "./navigation";
import { startPassport } from "./passport-host";
import { fetchSite, onSiteChange } from "./site";
import { createUI, render } from "./state";
import { startTabs } from "./tabs-host";
import { Tandem, type Prior } from "./tandem";

function boot(): void {
  const prior = (window as { Tandem?: Prior }).Tandem;
  if (prior && prior.__tandem) return; // embedded twice
  configure();
  if (!base) return;
  onSiteChange(restartIfStale);
  createUI(
    {
      help: () => void requestHelp(),
      cancel: () => end(),
      leave: (text) => void leaveMessage(text),
      allow: () => consent(true),
      deny: () => consent(false),
      end: () => end(),
      code: (code) => void redeem({ code }),
      join: (id, allow) => answerJoin(id, allow),
    },
    button,
  );
  (window as unknown as { Tandem: typeof Tandem }).Tandem = Tandem;
  window.addEventListener("pagehide", onPageHide);
  window.addEventListener("pageshow", onPageShow);
  // Take up an assist a previous page of this tab started, then meet the
  // site's other tabs: the assist follows the one in front.
  resume();
  startTabs();
  checkInvite();
  window.addEventListener("hashchange", checkInvite);
  resumeChat();
  // Finishes a sign-in coming back from the passport, or checks a cached one.
  const passportReady = startPassport();
  fetchSite(() => {
    render();
    renderLauncher();
  });
  // Calls made before the script loaded: window.Tandem = {q: [["requestHelp", []], ...]}.
  if (prior && Array.isArray(prior.q)) {
    for (const [name, args] of prior.q) {
      const fn = (Tandem as Record<string, unknown>)[name];
      if (typeof fn === "function") fn.apply(Tandem, args || []);
    }
  }
  window.dispatchEvent(new Event("tandem:ready"));
  void passportReady.then(() => window.dispatchEvent(new Event("tandem:passport")));
}

boot();
