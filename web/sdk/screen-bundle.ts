// The screen bundle (screen.js): Tandem.screen's tree keeping (screen.ts),
// loaded by the loader (screen-host.ts) on the page's first call to
// Tandem.screen.

import { onScreenStart, screen, screenSource } from "./screen";

window.__tandemScreen = {
  start(onFirst) {
    onScreenStart(onFirst);
  },
  source: screenSource,
  setScreen: screen.setScreen,
  update: screen.update,
  touch: screen.touch,
};
