// A rough user-agent reading: enough to tell an agent "Chrome 120 on macOS"
// or "Safari on iPhone", not a device database.

/** What the queue shows about a person's browser. */
export interface Browser {
  name: string; // e.g. "Chrome"
  version: string; // major version, or ""
  os: string; // e.g. "macOS", "Windows", "iOS", or ""
  mobile: boolean;
}

const browsers: [RegExp, string][] = [
  [/HeadlessChrome\/(\d+)/, "Headless Chrome"],
  [/Edg(?:e|A|iOS)?\/(\d+)/, "Edge"],
  [/OPR\/(\d+)/, "Opera"],
  [/SamsungBrowser\/(\d+)/, "Samsung Internet"],
  [/(?:Firefox|FxiOS)\/(\d+)/, "Firefox"],
  [/CriOS\/(\d+)/, "Chrome"],
  [/Chrom(?:e|ium)\/(\d+)/, "Chrome"],
  [/Version\/(\d+)[\d.]* (?:Mobile\/\S+ )?Safari\//, "Safari"],
  [/Safari\//, "Safari"],
];

const systems: [RegExp, string][] = [
  [/iPhone|iPod/, "iOS"],
  [/iPad/, "iPadOS"],
  [/Android/, "Android"],
  [/CrOS/, "ChromeOS"],
  [/Windows/, "Windows"],
  [/Mac OS X|Macintosh/, "macOS"],
  [/Linux/, "Linux"],
];

/** Parses a user agent string. Unknown parts are empty strings. */
export function parseUserAgent(ua: string | undefined | null): Browser {
  const s = ua ?? "";
  let name = "";
  let version = "";
  for (const [re, n] of browsers) {
    const m = re.exec(s);
    if (m) {
      name = n;
      version = m[1] ?? "";
      break;
    }
  }
  let os = "";
  for (const [re, n] of systems) {
    if (re.test(s)) {
      os = n;
      break;
    }
  }
  const mobile = /Mobi|iPhone|iPod|Android(?!.*Tablet)/.test(s) && !/iPad/.test(s);
  return { name, version, os, mobile };
}

/** Returns a short label such as "Chrome 120 · macOS", or "Unknown browser". */
export function browserLabel(ua: string | undefined | null): string {
  const b = parseUserAgent(ua);
  const name = b.name ? `${b.name}${b.version ? ` ${b.version}` : ""}` : "";
  const parts = [name, b.os].filter(Boolean);
  return parts.length ? parts.join(" · ") : "Unknown browser";
}
