// HTML escaping for text put into markup: tables, captions, plot fallbacks.

/** `s` with &, <, >, " and ' escaped, safe inside element content and attribute values. */
export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}
