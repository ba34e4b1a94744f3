// The page a share link opens for someone without an account: a file's name, size and download button, or a
// folder's listing with a download per file. Plain HTML, no script; its one inline style is allowed by hash,
// so its policy lets nothing else load or run. Pure: (what is shared) → (html, headers).
import { createHash } from "node:crypto";
import { humanSize } from "../cli/format.ts";

export interface LinkEntry {
  name: string;
  kind: "file" | "dir";
  size: number;
  mtime: number;
}

export type LinkView =
  | { kind: "file"; token: string; rel: string; name: string; size: number; mtime: number; by: string; expiresAt: number }
  | { kind: "dir"; token: string; rel: string; name: string; entries: LinkEntry[]; more: boolean; by: string; expiresAt: number };

const STYLE =
  "body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1b1f24;background:#fff}" +
  "@media(prefers-color-scheme:dark){body{color:#e6e6e6;background:#16181c}a{color:#8ab4ff}}" +
  "h1{font-size:1.4rem;word-break:break-all}table{width:100%;border-collapse:collapse}td{padding:.35rem .25rem;border-bottom:1px solid #8884}" +
  "td.size{text-align:right;white-space:nowrap}.note{color:#888;font-size:.9rem}" +
  "svg{vertical-align:-3px;margin-right:.4rem;color:#2f6fde}h1 svg{vertical-align:-2px}" +
  "a.button{display:inline-block;padding:.5rem 1.1rem;border-radius:.4rem;background:#2f6fde;color:#fff;text-decoration:none}";
/** Drawn inline (no emoji font needed, nothing fetched): the web UI's folder and file outlines. */
const icon = (d: string) => `<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><path d="${d}" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round"/></svg>`;
const FOLDER_ICON = icon("M3 6.5A1.5 1.5 0 0 1 4.5 5h4.4l2 2.2h8.6A1.5 1.5 0 0 1 21 8.7v9.8a1.5 1.5 0 0 1-1.5 1.5h-15A1.5 1.5 0 0 1 3 18.5z");
const FILE_ICON = icon("M6 3h8l4 4v14H6zM14 3v4h4");

const STYLE_HASH = `'sha256-${createHash("sha256").update(STYLE).digest("base64")}'`;

/** Nothing but the page's own style: no script, no frame, no form, nothing fetched (the token is in the URL). */
export const LINK_PAGE_CSP = `default-src 'none'; style-src ${STYLE_HASH}; img-src 'none'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'`;

/** Headers of the page, as the UI's: a strict policy, no framing, no Referer (it would carry the link), never cached or indexed. */
export const linkPageHeaders = (): Record<string, string> => ({
  "content-type": "text/html; charset=utf-8",
  "content-security-policy": LINK_PAGE_CSP,
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
  "x-robots-tag": "noindex",
});

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** The link's own URL for a path below what it shares (each segment percent-encoded). */
export function linkHref(token: string, rel: string, dir: boolean, download = false): string {
  const tail = rel === "" ? "" : `/${rel.split("/").map(encodeURIComponent).join("/")}`;
  return `/s/${token}${tail}${dir && tail !== "" ? "/" : ""}${download ? "?download=1" : ""}`;
}

function entryRow(v: Extract<LinkView, { kind: "dir" }>, e: LinkEntry): string {
  const rel = v.rel === "" ? e.name : `${v.rel}/${e.name}`;
  if (e.kind === "dir") return `<tr><td>${FOLDER_ICON}<a href="${escapeHtml(linkHref(v.token, rel, true))}">${escapeHtml(e.name)}/</a></td><td class="size"></td></tr>`;
  return `<tr><td>${FILE_ICON}<a href="${escapeHtml(linkHref(v.token, rel, false, true))}" download>${escapeHtml(e.name)}</a></td><td class="size">${humanSize(e.size)}</td></tr>`;
}

export function linkPageHtml(v: LinkView): string {
  const expires = new Date(v.expiresAt).toISOString().slice(0, 16).replace("T", " ");
  const footer = `<p class="note">Shared by ${escapeHtml(v.by)} through Orrery, read-only; this link works until ${expires} UTC.</p>`;
  let body: string;
  if (v.kind === "file") {
    body =
      `<h1>${escapeHtml(v.name)}</h1><p>${humanSize(v.size)} (${v.size} bytes)</p>` +
      `<p><a class="button" href="${escapeHtml(linkHref(v.token, v.rel, false, true))}" download>Download</a></p>`;
  } else {
    const up = v.rel === "" ? "" : `<p><a href="${escapeHtml(linkHref(v.token, v.rel.split("/").slice(0, -1).join("/"), true))}">← Up one folder</a></p>`;
    const rows = v.entries.map((e) => entryRow(v, e)).join("");
    body =
      `<h1>${FOLDER_ICON}${escapeHtml(v.name)}</h1>${up}` +
      (v.entries.length === 0 ? "<p>This folder is empty.</p>" : `<table>${rows}</table>`) +
      (v.more ? `<p class="note">Only the first ${v.entries.length} entries are shown.</p>` : "");
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<meta name="referrer" content="no-referrer"><title>${escapeHtml(v.name)} · Orrery</title><style>${STYLE}</style></head><body>${body}${footer}</body></html>`;
}

/** A dead or unknown link, for a browser: the same status, said in words. */
export function linkErrorHtml(title: string, message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · Orrery</title><style>${STYLE}</style></head>` +
    `<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message.charAt(0).toUpperCase() + message.slice(1))}.</p></body></html>`;
}
