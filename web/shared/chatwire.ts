// The parts of a conversation's messages as the API sends them to the
// console and to the person's chat panel alike (botapi.Message on the
// wire, docs/conversations.md): one definition for both front ends.

/** An account with its display name: "user:ID", "person:ID" or "bot:ID" (id: a bot's id). */
export interface Ref {
  account: string;
  name?: string;
  id?: string;
}

/** A button of an actions block: a link (url) or a callback (only its id reaches clients). */
export interface Button {
  id?: string;
  label: string;
  url?: string;
  style?: string;
}

/** A rich block: section, header, divider, context, image or actions (text shown as text). */
export interface Block {
  type: string;
  text?: string;
  fields?: string[];
  imageUrl?: string;
  altText?: string;
  buttons?: Button[];
}

/** A file of a message. */
export interface Attachment {
  id: string;
  name: string;
  contentType: string;
  size: number;
  url?: string;
  width?: number;
  height?: number;
}
