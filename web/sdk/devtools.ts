// What the agent's devtools panel shows: console messages, uncaught errors
// and network requests, sent as rrweb custom events (docs/protocol.md). Every
// hook calls through to the original and is removed by the function that
// install returns.

export interface DevtoolsOptions {
  /** Tandem's base URL: requests to it are never recorded. */
  base: string;
  /** Record request and response bodies (each capped). */
  captureBodies: boolean;
  emit(tag: "console" | "error" | "network", payload: unknown): void;
}

const argLimit = 2048;
const bodyLimit = 4096;
const levels = ["log", "info", "warn", "error", "debug"] as const;

function cap(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + "…" : s;
}

/** stringify renders one console argument the way a console would, briefly. */
export function stringify(v: unknown): string {
  try {
    switch (typeof v) {
      case "string":
        return cap(v, argLimit);
      case "function":
        return "function " + (v.name || "anonymous") + "()";
      case "object":
        break;
      default:
        return String(v);
    }
    if (v === null) return "null";
    if (v instanceof Error) return cap(v.stack || v.name + ": " + v.message, argLimit);
    const node = v as Element;
    if (typeof node.nodeType === "number" && typeof node.nodeName === "string") {
      if (node.nodeType !== 1) return node.nodeName;
      const cls = typeof node.className === "string" && node.className ? "." + node.className.trim().split(/\s+/).join(".") : "";
      return "<" + node.nodeName.toLowerCase() + (node.id ? "#" + node.id : "") + cls + ">";
    }
    const seen = new WeakSet<object>();
    const json = JSON.stringify(v, (_k, x) => {
      if (typeof x === "bigint") return x.toString() + "n";
      if (typeof x === "function") return "[function]";
      if (x && typeof x === "object") {
        if (seen.has(x)) return "[circular]";
        seen.add(x);
      }
      return x;
    });
    return cap(json === undefined ? String(v) : json, argLimit);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

// Request and response bodies: likely secrets by field name are replaced.
const secretKey = "[^\"=&]*(?:pass|pwd|secret|token|card|cvc|cvv|ssn|auth)[^\"=&]*";
const jsonSecret = new RegExp('("' + secretKey + '"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"', "gi");
const formSecret = new RegExp("(^|&)(" + secretKey + ")=[^&]*", "gi");

/** redact hides values of fields named like secrets in a JSON or form body. */
export function redact(body: string): string {
  return body.replace(jsonSecret, '$1"***"').replace(formSecret, "$1$2=***");
}

function bodyText(body: unknown): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string") return cap(redact(body), bodyLimit);
  if (body instanceof URLSearchParams) return cap(redact(body.toString()), bodyLimit);
  if (typeof FormData !== "undefined" && body instanceof FormData) return "[form data]";
  if (typeof Blob !== "undefined" && body instanceof Blob) return "[blob " + body.size + " bytes]";
  return "[binary]";
}

function textual(contentType: string | null): boolean {
  return !!contentType && /json|text\/(?!event-stream)|xml|javascript|x-www-form-urlencoded/i.test(contentType);
}

// readCapped reads at most bodyLimit bytes of a response copy, waiting at
// most a second: a stream that trickles must not hold the event back.
async function readCapped(res: Response): Promise<string | undefined> {
  const reader = res.body && res.body.getReader();
  if (!reader) return undefined;
  const chunks: Uint8Array[] = [];
  let n = 0;
  const deadline = new Promise<null>((r) => setTimeout(() => r(null), 1000));
  try {
    while (n < bodyLimit) {
      const r = await Promise.race([reader.read(), deadline]);
      if (!r || r.done) break;
      chunks.push(r.value);
      n += r.value.length;
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
  const all = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return cap(redact(new TextDecoder().decode(all.subarray(0, bodyLimit))), bodyLimit);
}

/** Installs the hooks; the returned function removes them. */
export function install(o: DevtoolsOptions): () => void {
  let active = true;
  let inside = false; // a hook's own logging must not loop back
  const undo: (() => void)[] = [];
  const send = (tag: "console" | "error" | "network", payload: unknown) => {
    if (!active || inside) return;
    inside = true;
    try {
      o.emit(tag, payload);
    } catch {
      // recording must never break the page
    } finally {
      inside = false;
    }
  };

  // Requests to Tandem itself (the SDK's own calls) are left out entirely.
  const baseOrigin = new URL(o.base).origin;
  const own = baseOrigin === location.origin ? [o.base + "/api/v1/public/", o.base + "/sdk"] : [baseOrigin + "/"];
  const isOwn = (url: string) => own.some((p) => url.startsWith(p));
  const resolve = (u: unknown) => {
    try {
      return new URL(String(u), location.href).href;
    } catch {
      return String(u);
    }
  };
  const prefix = Math.random().toString(36).slice(2, 7) + "-";
  let counter = 0;
  const ms = (t0: number) => Math.round(performance.now() - t0);

  // console
  const con = console as unknown as Record<string, (...a: unknown[]) => void>;
  for (const level of levels) {
    const orig = con[level];
    if (typeof orig !== "function") continue;
    const wrapper = function (this: unknown, ...args: unknown[]) {
      if (active && !inside) send("console", { level, args: args.slice(0, 50).map(stringify) });
      return orig.apply(this, args);
    };
    con[level] = wrapper;
    undo.push(() => {
      if (con[level] === wrapper) con[level] = orig;
    });
  }

  // errors
  const onError = (e: Event) => {
    if (!(e instanceof ErrorEvent)) return; // resource errors do not reach window
    const err = e.error as Error | undefined;
    send("error", {
      message: e.message || String(err),
      source: e.filename || "",
      line: e.lineno || 0,
      column: e.colno || 0,
      stack: (err && err.stack) || "",
      kind: "error",
    });
  };
  const onRejection = (e: PromiseRejectionEvent) => {
    const r = e.reason as Error | undefined;
    const isErr = r instanceof Error;
    send("error", {
      message: isErr ? r.message : stringify(r),
      source: "",
      line: 0,
      column: 0,
      stack: (isErr && r.stack) || "",
      kind: "unhandledrejection",
    });
  };
  window.addEventListener("error", onError);
  window.addEventListener("unhandledrejection", onRejection);
  undo.push(() => {
    window.removeEventListener("error", onError);
    window.removeEventListener("unhandledrejection", onRejection);
  });

  // fetch
  const origFetch = window.fetch;
  if (typeof origFetch === "function") {
    const wrapped = function (this: unknown, ...args: Parameters<typeof fetch>): Promise<Response> {
      const [input, init] = args;
      const isReq = typeof Request !== "undefined" && input instanceof Request;
      const url = resolve(isReq ? (input as Request).url : input);
      const result = origFetch.apply(window, args);
      if (!active || isOwn(url)) return result;
      const id = prefix + ++counter;
      const method = String((init && init.method) || (isReq ? (input as Request).method : "GET")).toUpperCase();
      const t0 = performance.now();
      const requestBody = o.captureBodies ? bodyText(init && init.body) : undefined;
      result.then(
        (res) => {
          const ev: Record<string, unknown> = { id, method, url, status: res.status, durationMs: ms(t0), type: "fetch", ok: res.ok };
          if (requestBody !== undefined) ev.requestBody = requestBody;
          if (!o.captureBodies || !textual(res.headers.get("content-type"))) {
            send("network", ev);
            return;
          }
          let copy: Response;
          try {
            copy = res.clone();
          } catch {
            send("network", ev);
            return;
          }
          readCapped(copy).then(
            (body) => {
              if (body !== undefined) ev.responseBody = body;
              send("network", ev);
            },
            () => send("network", ev),
          );
        },
        (err: unknown) => {
          const ev: Record<string, unknown> = { id, method, url, status: 0, durationMs: ms(t0), type: "fetch", ok: false };
          ev.error = err instanceof Error ? err.name + ": " + err.message : String(err);
          if (requestBody !== undefined) ev.requestBody = requestBody;
          send("network", ev);
        },
      );
      return result;
    };
    window.fetch = wrapped as typeof fetch;
    undo.push(() => {
      if (window.fetch === wrapped) window.fetch = origFetch;
    });
  }

  // XMLHttpRequest
  const proto = XMLHttpRequest.prototype;
  const origOpen = proto.open;
  const origSend = proto.send;
  const info = new WeakMap<XMLHttpRequest, { method: string; url: string }>();
  const open = function (this: XMLHttpRequest, ...args: unknown[]) {
    info.set(this, { method: String(args[0]).toUpperCase(), url: resolve(args[1]) });
    return (origOpen as (...a: unknown[]) => void).apply(this, args);
  };
  const sendXHR = function (this: XMLHttpRequest, body?: Document | XMLHttpRequestBodyInit | null) {
    const req = info.get(this);
    if (active && req && !isOwn(req.url)) {
      const xhr = this;
      const id = prefix + ++counter;
      const t0 = performance.now();
      const requestBody = o.captureBodies ? bodyText(body) : undefined;
      let failure = "";
      const fail = (what: string) => () => (failure = what);
      xhr.addEventListener("error", fail("network error"));
      xhr.addEventListener("abort", fail("aborted"));
      xhr.addEventListener("timeout", fail("timed out"));
      xhr.addEventListener(
        "loadend",
        () => {
          const status = xhr.status;
          const ev: Record<string, unknown> = { id, method: req.method, url: req.url, status, durationMs: ms(t0), type: "xhr", ok: status >= 200 && status < 300 };
          if (failure) ev.error = failure;
          if (requestBody !== undefined) ev.requestBody = requestBody;
          if (o.captureBodies && !failure) {
            try {
              if (xhr.responseType === "" || xhr.responseType === "text") ev.responseBody = cap(redact(xhr.responseText), bodyLimit);
              else if (xhr.responseType === "json") ev.responseBody = cap(redact(JSON.stringify(xhr.response)), bodyLimit);
            } catch {
              // an unreadable body is left out
            }
          }
          send("network", ev);
        },
        { once: true },
      );
    }
    return origSend.call(this, body);
  };
  proto.open = open as typeof proto.open;
  proto.send = sendXHR;
  undo.push(() => {
    if (proto.open === open) proto.open = origOpen;
    if (proto.send === sendXHR) proto.send = origSend;
  });

  return () => {
    active = false;
    for (const u of undo) u();
  };
}
