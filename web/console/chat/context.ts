// The console's ChatStore for the screens that show conversations (the
// conversations screen, the chat beside the live view and the replay).

import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { User } from "../../shared/api";
import type { ChatStore } from "./store";

/** What the chat views need from the signed-in console. */
export interface ChatEnv {
  store: ChatStore;
  me: User;
}

/** Provided by the app shell once signed in. */
export const ChatContext = createContext<ChatEnv | null>(null);

/** Returns the chat environment; the app shell always provides it to signed-in screens. */
export function useChat(): ChatEnv {
  const env = useContext(ChatContext);
  if (!env) throw new Error("chat views need the ChatContext");
  return env;
}
