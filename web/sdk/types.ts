// Types shared by the loader (sdk.js) and the recorder (recorder.js). The two
// are separate bundles: the loader injects the recorder only once the person
// has allowed, and they meet through window.__tandemRecorder.

/** Kinds of data frame the recorder produces (docs/protocol.md). */
export type DataKind = "meta" | "snap" | "ref" | "ev" | "leave";

/** A data frame before the loader gives it a sequence number. */
export interface RecorderFrame {
  k: DataKind;
  p: string; // page id
  h?: string; // snapshot hash, for snap and ref
  d?: string; // JSON payload (no raw newline)
}

/** What the recorder needs to know; the loader builds it. */
export interface RecorderOptions {
  /** Tandem's base URL, e.g. "https://tandem.example.com"; its own requests are never captured. */
  base: string;
  /** The assist these events belong to: keys the per-assist page cache. */
  assistId: string;
  /** Mask every input and text unless data-tandem-unmask. */
  strictMasking: boolean;
  /** Record request and response bodies (capped, never Tandem's own). */
  captureBodies: boolean;
  /** Extra selectors from Tandem.mask / unmask / block. */
  mask: string[];
  unmask: string[];
  block: string[];
  /** CSS class and attribute of the Tandem UI's host element, which is never recorded. */
  uiClass: string;
}

/** A running recorder. */
export interface RecorderHandle {
  /** Take a full snapshot. force sends it even if the agent has it cached. */
  snapshot(force: boolean): void;
  /** Forget which pages were sent (frames were lost) so the next snapshot is full. */
  forget(): void;
  /** Send batched events now. */
  flush(): void;
  /** Send a leave frame for the current page (the page is going away). */
  leave(): void;
  /** Remove every hook and stop rrweb. */
  stop(): void;
}

/** The recorder bundle's entry point, set on window by recorder.js. */
export interface RecorderModule {
  start(options: RecorderOptions, emit: (f: RecorderFrame) => void): RecorderHandle;
}

declare global {
  interface Window {
    __tandemRecorder?: RecorderModule;
  }
}
