// What the agent's devtools panel shows: console messages, uncaught errors
// and network requests, sent as rrweb custom events (docs/protocol.md). Every
// hook calls through to the original and is removed by the function that
// install returns.

export interface DevtoolsOptions {
  /** Tandem's base URL: requests to it are never recorded. */
  base: string;
  /** Record request and response bodies (text only, each capped). */
  captureBodies: boolean;
  /** The site masks every input: then every value in a body is masked too. */
  strictMasking?: boolean;
  emit(tag: "console" | "error" | "network", payload: unknown): void;
}

const argLimit = 2048;
const bodyLimit = 64 * 1024;
const headerLimit = 50; // headers kept per request or response
const headerValueLimit = 2048;

/** Replaces the value of a header that carries credentials; the name is kept. */
export const hiddenValue = "[hidden]";

// Credentials travel in these headers: their values never leave the page.
const secretHeader = /^(?:cookie|set-cookie2?|authorization|proxy-authorization)$|token|secret|api-?key|auth|session|csrf|xsrf|password/i;

/** headerList returns headers as [name, value] pairs (names lower-cased), credentials hidden, capped. */
export function headerList(h: Iterable<[string, string]> | Record<string, string> | null | undefined): [string, string][] {
  if (!h) return [];
  const pairs: [string, string][] = [];
  const entries = Symbol.iterator in Object(h) ? (h as Iterable<[string, string]>) : Object.entries(h as Record<string, string>);
  for (const [k, v] of entries) {
    if (pairs.length >= headerLimit) break;
    const name = String(k).toLowerCase();
    pairs.push([name, secretHeader.test(name) ? hiddenValue : cap(String(v), headerValueLimit)]);
  }
  return pairs;
}

// parseRawHeaders reads XMLHttpRequest.getAllResponseHeaders().
function parseRawHeaders(raw: string): [string, string][] {
  const out: [string, string][] = [];
  for (const line of raw.split(/\r?\n/)) {
    const at = line.indexOf(":");
    if (at > 0) out.push([line.slice(0, at).trim(), line.slice(at + 1).trim()]);
  }
  return out;
}

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

const jsonValue = /("(?:[^"\\]|\\.)*"\s*:\s*)(?:"(?:[^"\\]|\\.)*"|-?\d[\d.eE+-]*)/g;
const formValue = /(^|&)([^=&]*)=[^&]*/g;

/**
 * redactStrict is redact for a site that masks every input: every string
 * and number in a JSON body and every value of a form body is masked (names
 * kept); any other text is left out.
 */
export function redactStrict(body: string): string {
  const t = body.trim();
  if (t.startsWith("{") || t.startsWith("[")) return body.replace(jsonValue, '$1"***"');
  if (/^[^\s=&]+=[^\s]*$/.test(t)) return body.replace(formValue, "$1$2=***");
  return "[hidden by the site's strict masking]";
}

// bodyOut prepares a body for the event: masked, then capped.
function bodyOut(body: string, strict: boolean): string {
  return cap(strict ? redactStrict(body) : redact(body), bodyLimit);
}

function bodyText(body: unknown, strict: boolean): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string") return bodyOut(body, strict);
  if (body instanceof URLSearchParams) return bodyOut(body.toString(), strict);
  if (typeof FormData !== "undefined" && body instanceof FormData) return "[form data]";
  if (typeof Blob !== "undefined" && body instanceof Blob) return "[blob " + body.size + " bytes]";
  return "[binary]";
}

function textual(contentType: string | null): boolean {
  return !!contentType && /json|text\/(?!event-stream)|xml|javascript|x-www-form-urlencoded/i.test(contentType);
}

// readCapped reads at most bodyLimit bytes of a response copy, waiting at
// most a second: a stream that trickles must not hold the event back.
async function readCapped(res: Response, strict: boolean): Promise<string | undefined> {
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
  return bodyOut(new TextDecoder().decode(all.subarray(0, bodyLimit)), strict);
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
  const strict = !!o.strictMasking;

  // Resource Timing gives the time to the first byte of a response (a
  // cross-origin one only with Timing-Allow-Origin). Its entry can arrive
  // after the request settles: an event waits for it at most a second.
  const waiting = new Map<string, ((e: PerformanceResourceTiming) => void)[]>();
  const settled = (url: string, t0: number): PerformanceResourceTiming | undefined => {
    if (typeof performance.getEntriesByName !== "function") return undefined;
    return (performance.getEntriesByName(url, "resource") as PerformanceResourceTiming[]).find((e) => e.startTime >= t0 - 1);
  };
  let observer: PerformanceObserver | null = null;
  try {
    observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const w = waiting.get(e.name);
        if (!w) continue;
        waiting.delete(e.name);
        for (const f of w) f(e as PerformanceResourceTiming);
      }
    });
    observer.observe({ type: "resource" });
    undo.push(() => observer?.disconnect());
  } catch {
    observer = null; // no Resource Timing: events carry no TTFB
  }
  const timed = (ev: Record<string, unknown>, url: string, t0: number) => {
    ev.startedAt = Math.round(performance.timeOrigin + t0);
    const put = (e: PerformanceResourceTiming) => {
      if (e.responseStart > 0 && e.responseStart >= e.startTime) ev.ttfbMs = Math.round(e.responseStart - e.startTime);
      send("network", ev);
    };
    const e = settled(url, t0);
    if (e || !observer) {
      if (e) put(e);
      else send("network", ev);
      return;
    }
    let done = false;
    const once = (x?: PerformanceResourceTiming) => {
      if (done) return;
      done = true;
      if (x) put(x);
      else send("network", ev);
    };
    const waiter = (x: PerformanceResourceTiming) => (x.startTime >= t0 - 1 ? once(x) : once());
    waiting.set(url, [...(waiting.get(url) ?? []), waiter]);
    setTimeout(() => {
      const rest = (waiting.get(url) ?? []).filter((f) => f !== waiter);
      if (rest.length) waiting.set(url, rest);
      else waiting.delete(url);
      once();
    }, 1000);
  };

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
      const requestBody = o.captureBodies ? bodyText(init && init.body, strict) : undefined;
      let requestHeaders: [string, string][] = [];
      try {
        requestHeaders = headerList(init && init.headers ? new Headers(init.headers) : isReq ? (input as Request).headers : null);
      } catch {
        // headers the browser refuses make the request fail; none to show
      }
      const finish = (ev: Record<string, unknown>) => timed(ev, url, t0);
      result.then(
        (res) => {
          const ev: Record<string, unknown> = { id, method, url, status: res.status, durationMs: ms(t0), type: "fetch", ok: res.ok, requestHeaders, responseHeaders: headerList(res.headers) };
          if (requestBody !== undefined) ev.requestBody = requestBody;
          if (!o.captureBodies || !textual(res.headers.get("content-type"))) {
            finish(ev);
            return;
          }
          let copy: Response;
          try {
            copy = res.clone();
          } catch {
            finish(ev);
            return;
          }
          readCapped(copy, strict).then(
            (body) => {
              if (body !== undefined) ev.responseBody = body;
              finish(ev);
            },
            () => finish(ev),
          );
        },
        (err: unknown) => {
          const ev: Record<string, unknown> = { id, method, url, status: 0, durationMs: ms(t0), type: "fetch", ok: false, requestHeaders };
          ev.error = err instanceof Error ? err.name + ": " + err.message : String(err);
          if (requestBody !== undefined) ev.requestBody = requestBody;
          ev.startedAt = Math.round(performance.timeOrigin + t0);
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
  const origSetHeader = proto.setRequestHeader;
  const info = new WeakMap<XMLHttpRequest, { method: string; url: string; headers: [string, string][] }>();
  const open = function (this: XMLHttpRequest, ...args: unknown[]) {
    info.set(this, { method: String(args[0]).toUpperCase(), url: resolve(args[1]), headers: [] });
    return (origOpen as (...a: unknown[]) => void).apply(this, args);
  };
  const setHeader = function (this: XMLHttpRequest, name: string, value: string) {
    const req = info.get(this);
    if (req) req.headers.push([name, value]);
    return origSetHeader.call(this, name, value);
  };
  const sendXHR = function (this: XMLHttpRequest, body?: Document | XMLHttpRequestBodyInit | null) {
    const req = info.get(this);
    if (active && req && !isOwn(req.url)) {
      const xhr = this;
      const id = prefix + ++counter;
      const t0 = performance.now();
      const requestBody = o.captureBodies ? bodyText(body, strict) : undefined;
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
          ev.requestHeaders = headerList(req.headers);
          ev.responseHeaders = headerList(parseRawHeaders(xhr.getAllResponseHeaders()));
          if (failure) ev.error = failure;
          if (requestBody !== undefined) ev.requestBody = requestBody;
          if (o.captureBodies && !failure && textual(xhr.getResponseHeader("content-type"))) {
            try {
              if (xhr.responseType === "" || xhr.responseType === "text") ev.responseBody = bodyOut(xhr.responseText, strict);
              else if (xhr.responseType === "json") ev.responseBody = bodyOut(JSON.stringify(xhr.response), strict);
            } catch {
              // an unreadable body is left out
            }
          }
          timed(ev, req.url, t0);
        },
        { once: true },
      );
    }
    return origSend.call(this, body);
  };
  proto.open = open as typeof proto.open;
  proto.send = sendXHR;
  proto.setRequestHeader = setHeader;
  undo.push(() => {
    if (proto.setRequestHeader === setHeader) proto.setRequestHeader = origSetHeader;
    if (proto.open === open) proto.open = origOpen;
    if (proto.send === sendXHR) proto.send = origSend;
  });

  return () => {
    active = false;
    for (const u of undo) u();
  };
}
