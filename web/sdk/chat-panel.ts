// The chat panel's DOM: a dialog with the messages (role=log, announced
// politely), who is typing, an error line and the composer. Every word of a
// message is set as text, never parsed as HTML. Messages are placed by seq
// and replaced in place, so that a screen reader announces only what is new.
// Every control carries data-tandem-ui (docs/sdk.md, "Chat").

import { authorOf, isImage, safeURL, sizeText, type Attachment, type Block, type Button, type Message, type Pending } from "./chat-model";
import { el } from "./panel";

/** What the person can do in the panel. */
export interface PanelActions {
  send(text: string): void;
  /** The person typed in the composer. */
  typing(): void;
  /** Show earlier messages. */
  more(): void;
  close(): void;
  press(m: Message, b: Button): void;
  /** The person chose files to attach to the next message. */
  attach(files: File[]): void;
  /** The person removed the chip of an attached file. */
  unattach(key: number): void;
  /** Loads an attachment: into img for an image, else as a download. */
  attachment(a: Attachment, img: HTMLImageElement | null): void;
}

export const css = `
.chatp{width:320px;max-height:min(520px,calc(100vh - 120px));padding:0;gap:0}
.chatp header{display:flex;align-items:center;justify-content:space-between;gap:8px;padding:10px 12px;border-bottom:1px solid #e5e7eb;font-weight:600}
.chatp header button{border:0;padding:2px 8px;font-size:18px;line-height:1}
.log{flex:1;overflow-y:auto;padding:8px 12px;display:flex;flex-direction:column;gap:8px;min-height:140px}
.m{max-width:85%;align-self:flex-start;background:#f3f4f6;border-radius:10px;padding:6px 10px;overflow-wrap:anywhere}
.m.me{align-self:flex-end;background:#dbeafe}
.m.notice{background:#fef3c7}
.who{font-size:12px;color:#4b5563;margin-bottom:2px}
.tag{font-size:10px;background:#7c3aed;color:#fff;border-radius:4px;padding:0 4px;margin-left:4px;vertical-align:1px}
.tx{white-space:pre-wrap}
.hd{font-weight:600}
.ctx{font-size:12px;color:#6b7280}
.m hr{border:0;border-top:1px solid #d1d5db;margin:6px 0}
.m img{max-width:100%;border-radius:6px;display:block;margin-top:4px}
.acts{display:flex;flex-wrap:wrap;gap:6px;margin-top:6px}
.danger{color:#b91c1c;border-color:#fca5a5}
.typ{font-size:12px;color:#6b7280;padding:0 12px;min-height:18px}
.chatp .err{padding:0 12px}
.chatp .err:empty{display:none}
.chatp form{padding:8px 12px;border-top:1px solid #e5e7eb;align-items:flex-end}
.chatp textarea{flex:1;min-width:0;resize:none;font:inherit;padding:6px 8px;border:1px solid #d1d5db;border-radius:8px;color:#111827;background:#fff}
.chatp textarea:focus-visible{outline:2px solid #2563eb;outline-offset:1px}
.chips{display:flex;flex-wrap:wrap;gap:6px;padding:0 12px}
.chips:empty{display:none}
.chip{display:flex;align-items:center;gap:4px;font-size:12px;background:#f3f4f6;border-radius:12px;padding:2px 4px 2px 10px;max-width:100%}
.chip span{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.chip button{border:0;padding:0 6px;font-size:14px;line-height:1}
.vh{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);border:0}
.more{align-self:center;font-size:12px;padding:2px 10px}
`;

/** The chat panel's elements and how they change. */
export class ChatPanel {
  /** The panel; the chat puts it into the control's chat slot while open. */
  readonly el: HTMLElement;
  private log: HTMLElement;
  private moreButton: HTMLButtonElement;
  private typingLine: HTMLElement;
  private errorLine: HTMLElement;
  private input: HTMLTextAreaElement;
  private file: HTMLInputElement;
  private chips: HTMLElement;
  private files = 0;
  private nodes = new Map<string, HTMLElement>();

  constructor(
    private a: PanelActions,
    private self: string,
  ) {
    const close = el("button", { type: "button", "data-tandem-ui": "chat-close", "aria-label": "Close chat" }, "×");
    close.addEventListener("click", () => a.close());
    this.moreButton = el("button", { type: "button", "data-tandem-ui": "chat-more", class: "more", hidden: "" }, "Earlier messages");
    this.moreButton.addEventListener("click", () => a.more());
    this.log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": "Messages", "data-tandem-ui": "chat-log", tabindex: "0" }, this.moreButton);
    this.typingLine = el("p", { class: "typ", "data-tandem-ui": "chat-typing", "aria-live": "polite" });
    this.errorLine = el("p", { class: "err", "data-tandem-ui": "chat-error", role: "alert" });
    this.input = el("textarea", { "data-tandem-ui": "chat-input", "aria-label": "Message", placeholder: "Write a message…", rows: "2", maxlength: "8000" });
    this.input.addEventListener("input", () => a.typing());
    this.input.addEventListener("keydown", (e) => {
      // Enter sends; Shift+Enter is a new line.
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.submit();
      }
    });
    // The file input is hidden from sight only: the labelled button opens it,
    // so the keyboard and screen readers reach attaching like any button.
    this.file = el("input", { type: "file", multiple: "", class: "vh", tabindex: "-1", "aria-hidden": "true", "data-tandem-ui": "chat-file-input" });
    this.file.addEventListener("change", () => {
      const files = Array.from(this.file.files || []);
      this.file.value = "";
      if (files.length) a.attach(files);
    });
    const attach = el("button", { type: "button", "data-tandem-ui": "chat-attach", "aria-label": "Attach files", title: "Attach files" }, "📎");
    attach.addEventListener("click", () => this.file.click());
    this.chips = el("ul", { class: "chips", "data-tandem-ui": "chat-chips", "aria-label": "Files to send", role: "list" });
    const form = el("form", {}, attach, this.file, this.input, el("button", { type: "submit", "data-tandem-ui": "chat-send", class: "primary" }, "Send"));
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.submit();
    });
    this.el = el(
      "section",
      { class: "card chatp", role: "dialog", "aria-label": "Chat with support", "data-tandem-ui": "chat-panel" },
      el("header", {}, el("span", {}, "Chat with support"), close),
      this.log,
      this.typingLine,
      this.errorLine,
      this.chips,
      form,
    );
    this.el.addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        e.stopPropagation();
        a.close();
      }
    });
  }

  private submit(): void {
    const text = this.input.value.trim();
    // Files alone make a message too.
    if (!text && !this.files) return;
    this.input.value = "";
    this.a.send(text);
  }

  /** Puts text back into the composer (posting it failed). */
  restore(text: string): void {
    if (!this.input.value) this.input.value = text;
  }

  /** Moves the keyboard into the composer. */
  focus(): void {
    this.input.focus();
  }

  /** Removes every message (another conversation), as the person it is shown to. */
  reset(self: string): void {
    this.self = self;
    this.nodes.forEach((n) => n.remove());
    this.nodes.clear();
    this.setMore(false);
    this.setTyping("");
    this.setError("");
  }

  /** Shows m: in place of the message with its id, else in seq order (notices last). */
  show(m: Message): void {
    const node = this.message(m);
    const old = this.nodes.get(m.id);
    this.nodes.set(m.id, node);
    if (old) {
      old.replaceWith(node);
      return;
    }
    const stick = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 40;
    let before: Element | null = null;
    if (!m.notice) {
      for (const c of Array.from(this.log.children)) {
        const s = Number(c.getAttribute("data-seq"));
        if (c.getAttribute("data-notice") !== "true" && s > m.seq) {
          before = c;
          break;
        }
      }
    }
    this.log.insertBefore(node, before);
    if (stick || (m.author && m.author.account === this.self)) this.log.scrollTop = this.log.scrollHeight;
  }

  /** Shows or hides "Earlier messages". */
  setMore(more: boolean): void {
    this.moreButton.hidden = !more;
  }

  /** Says who is typing ("" for nobody). */
  setTyping(text: string): void {
    if (this.typingLine.textContent !== text) this.typingLine.textContent = text;
  }

  /** Shows the chips of the files attached to the next message, each with its remove button. */
  setChips(list: Pending[]): void {
    this.files = list.length;
    this.chips.replaceChildren(
      ...list.map((p) => {
        const rm = el("button", { type: "button", "data-tandem-ui": "chat-chip-remove", "aria-label": "Remove " + p.name }, "×");
        rm.addEventListener("click", () => {
          this.a.unattach(p.key);
          this.input.focus();
        });
        const label = p.name + " (" + (p.id ? sizeText(p.size) : "uploading…") + ")";
        return el("li", { class: "chip", "data-tandem-ui": "chat-chip", "data-ready": p.id ? "true" : "false" }, el("span", {}, label), rm);
      }),
    );
  }

  /** Shows an error ("" to clear it). */
  setError(text: string): void {
    this.errorLine.textContent = text;
  }

  private message(m: Message): HTMLElement {
    const who = authorOf(m, this.self);
    const head = el("div", { class: "who", "data-tandem-ui": "chat-author" }, m.notice ? "Only you can see this" : who.name);
    if (who.bot && !m.notice) head.append(el("span", { class: "tag", "data-tandem-ui": "chat-bot" }, "Bot"));
    const node = el(
      "div",
      {
        class: "m" + (who.self ? " me" : "") + (who.bot ? " bot" : "") + (m.notice ? " notice" : ""),
        "data-tandem-ui": "chat-message",
        "data-id": m.id,
        "data-seq": String(m.seq),
        "data-notice": m.notice ? "true" : "false",
      },
      head,
    );
    if (m.text) node.append(el("p", { class: "tx", "data-tandem-ui": "chat-text" }, m.text));
    for (const b of m.blocks || []) node.append(...this.block(m, b));
    for (const at of m.attachments || []) node.append(this.attachment(at));
    return node;
  }

  private block(m: Message, b: Block): Node[] {
    const text = (t: string, cls: string) => el("p", { class: cls }, t);
    switch (b.type) {
      case "header":
        return b.text ? [text(b.text, "hd")] : [];
      case "divider":
        return [el("hr", {})];
      case "section":
      case "context": {
        const cls = b.type === "context" ? "tx ctx" : "tx";
        return [...(b.text ? [b.text] : []), ...(b.fields || [])].map((t) => text(t, cls));
      }
      case "image": {
        // Only https images of the bot's choosing, without the page's address.
        const src = safeURL(b.imageUrl || "");
        if (!/^https:/.test(src)) return [];
        return [el("img", { src, alt: b.altText || "", referrerpolicy: "no-referrer", loading: "lazy" })];
      }
      case "actions": {
        const row = el("div", { class: "acts" });
        for (const btn of b.buttons || []) {
          const link = !!btn.url;
          if (link && !safeURL(btn.url as string)) continue;
          if (!link && !btn.id) continue;
          const cls = btn.style === "primary" ? "primary" : btn.style === "danger" ? "danger" : "";
          const e = el("button", { type: "button", class: cls, "data-tandem-ui": link ? "chat-link" : "chat-button", "data-button-id": btn.id || "" }, btn.label);
          e.addEventListener("click", (ev) => {
            ev.preventDefault();
            this.a.press(m, btn);
          });
          row.append(e);
        }
        return row.children.length ? [row] : [];
      }
    }
    return b.text ? [text(b.text, "tx")] : [];
  }

  private attachment(at: Attachment): HTMLElement {
    if (isImage(at.contentType)) {
      const img = el("img", { alt: at.name, "data-tandem-ui": "chat-image" });
      this.a.attachment(at, img);
      return img;
    }
    const b = el("button", { type: "button", "data-tandem-ui": "chat-file" }, at.name + " (" + sizeText(at.size) + ")");
    b.addEventListener("click", () => this.a.attachment(at, null));
    return el("div", { class: "acts" }, b);
  }
}
