// S3's XML responses: a small renderer for the documents S3 answers with (request bodies are read in
// request-body.ts).

export const S3_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/";

/** An element: its name, text (undefined/null leave the element out) or child elements, and attributes. */
export type XmlNode = readonly [
  name: string,
  value: string | number | boolean | null | undefined | readonly XmlNode[],
  attributes?: Readonly<Record<string, string>>,
];

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };

/**
 * Escapes text for element content. Characters XML 1.0 cannot carry at all (most C0 controls, which
 * only an error message quoting bad input could hold: paths refuse them) become U+FFFD.
 */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"'\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, (c) => ESCAPES[c] ?? "\ufffd");
}

function renderNodes(nodes: readonly XmlNode[]): string {
  let out = "";
  for (const [name, value, attributes] of nodes) {
    if (value === undefined || value === null) continue;
    const attrs = Object.entries(attributes ?? {}).map(([k, v]) => ` ${k}="${escapeXml(v)}"`).join("");
    const content = typeof value === "object" ? renderNodes(value) : escapeXml(String(value));
    out += `<${name}${attrs}>${content}</${name}>`;
  }
  return out;
}

/**
 * A whole response document in S3's namespace.
 * @example renderXml("LocationConstraint", []) // '<?xml ...?><LocationConstraint xmlns="..."></LocationConstraint>'
 */
export function renderXml(root: string, children: readonly XmlNode[] | string, namespace: string | null = S3_NAMESPACE): string {
  const attr = namespace ? ` xmlns="${namespace}"` : "";
  const body = typeof children === "string" ? escapeXml(children) : renderNodes(children);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root}${attr}>${body}</${root}>`;
}
