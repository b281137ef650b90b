// Loading the SDK's other bundles from the same server: the recorder (after
// consent) and the chat panel (when the person chats). Each is a script tag
// with the loader's nonce, named by its content hash (config.ts); the
// bundle puts its entry points on window.

import { base, script } from "./config";

const loading: Record<string, Promise<unknown> | undefined> = {};

/**
 * Loads base+path once (again after a failure) and resolves with what it
 * set up, as ready() finds it once the script ran; ready() answering at
 * once means it is already there.
 */
export function loadBundle<T>(path: string, ready: () => T | undefined): Promise<T> {
  const now = ready();
  if (now) return Promise.resolve(now);
  let p = loading[path] as Promise<T> | undefined;
  if (!p) {
    p = loading[path] = new Promise<T>((resolve, reject) => {
      const s = document.createElement("script");
      s.src = base + path;
      s.async = true;
      if (script && script.nonce) s.nonce = script.nonce;
      s.onload = () => {
        s.remove();
        const got = ready();
        if (got) resolve(got);
        else reject(new Error(path + " did not start"));
      };
      s.onerror = () => {
        s.remove();
        loading[path] = undefined;
        reject(new Error("could not load " + s.src));
      };
      (document.head || document.documentElement).appendChild(s);
    });
  }
  return p;
}
