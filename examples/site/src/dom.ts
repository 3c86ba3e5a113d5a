/** Building DOM nodes without HTML strings: text is always inserted as text. */

type Attributes = Record<string, string | boolean | null | undefined>;
export type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? "" : value);
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  }
}

/** A value the API may leave out: "" in older schemas, null since absent values are null. */
export function present(value: string | null | undefined): value is string {
  return typeof value === "string" && value.trim() !== "";
}

/** Only web, phone and mail links become links: anything else (javascript:, data:) is shown as text. */
export function safeHref(url: string | null | undefined): string | null {
  if (!present(url)) return null;
  try {
    const parsed = new URL(url, window.location.href);
    return ["https:", "http:", "tel:", "mailto:"].includes(parsed.protocol) ? parsed.href : null;
  } catch {
    return null;
  }
}

export function link(url: string | null | undefined, text: string, attributes: Attributes = {}): Node {
  const href = safeHref(url);
  return href ? h("a", { href, ...attributes }, text) : document.createTextNode(text);
}

const dateFormat = new Intl.DateTimeFormat("en-US", { dateStyle: "long", timeZone: "UTC" });
const dateTimeFormat = new Intl.DateTimeFormat("en-US", { dateStyle: "long", timeStyle: "short" });

/** "2026-03-01" or an ISO date-time, as a <time> element; null without a value. */
export function time(value: string | null | undefined, withTime = false): HTMLTimeElement | null {
  if (!present(value)) return null;
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) return null;
  const text = withTime ? dateTimeFormat.format(parsed) : dateFormat.format(parsed);
  return h("time", { datetime: value }, text);
}

/**
 * JSON for the inside of a <script> element: <, > and & (and the line separators U+2028/U+2029,
 * which old JavaScript parsers end a line at) become \\u escapes, so no text from the API, such as
 * a heading containing "</script>", can close the element or start markup. JSON.parse reads the
 * escapes back to the same characters.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** Puts the API's JSON-LD in the document's head, replacing any from a previous page (null: none). */
export function setJsonLd(value: unknown): void {
  document.querySelectorAll('script[type="application/ld+json"][data-careleaf]').forEach((old) => old.remove());
  if (value === null || value === undefined) return;
  const script = h("script", { type: "application/ld+json", "data-careleaf": "jsonld" });
  script.textContent = jsonForScript(value);
  document.head.appendChild(script);
}

/** <link rel="canonical">: the article's address on the clinic's own site (page_url). */
export function setCanonical(url: string | null): void {
  document.querySelectorAll('link[rel="canonical"]').forEach((old) => old.remove());
  const href = safeHref(url);
  if (href) document.head.appendChild(h("link", { rel: "canonical", href }));
}

export function setRobots(content: string | null): void {
  document.querySelectorAll('meta[name="robots"]').forEach((old) => old.remove());
  if (content) document.head.appendChild(h("meta", { name: "robots", content }));
}
