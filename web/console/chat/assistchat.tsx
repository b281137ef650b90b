// The assist's support conversation, beside the live view and the replay:
// the agent sees what the person (and a triage bot) wrote before, during
// and after the assist, and answers there.

import { ConversationView } from "./view";

/** The chat section of an assist's side panel; nothing while the assist's conversation is not known yet. */
export function AssistChat({ conversationId }: { conversationId?: string }) {
  if (!conversationId) return null;
  return (
    <section class="assist-chat" aria-label="Chat with the person" data-testid="assist-chat">
      <ConversationView key={conversationId} id={conversationId} compact />
    </section>
  );
}
