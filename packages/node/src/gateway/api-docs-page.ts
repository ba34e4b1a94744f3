// /api/docs: the OpenAPI document as one server-rendered HTML page (routes by tag, their parameters, bodies and
// answers, then the named schemas). No script and nothing fetched from elsewhere: the node may have no
// internet, and the page keeps the UI's Content-Security-Policy.
type Json = Record<string, unknown>;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** A schema as indented JSON, its `$ref`s made links to the schema's section further down. */
function schemaHtml(schema: unknown): string {
  const text = escapeHtml(JSON.stringify(schema, null, 2));
  const linked = text.replace(/&#34;#\/components\/schemas\/([A-Za-z0-9_]+)&#34;/g, (_, id: string) => `<a href="#schema-${id}">${id}</a>`);
  return `<pre>${linked}</pre>`;
}

function parametersHtml(params: Json[] | undefined): string {
  if (!params?.length) return "";
  const rows = params
    .map((p) => {
      const type = (p.schema as Json | undefined)?.enum ? (p.schema as { enum: unknown[] }).enum.join(" | ") : String((p.schema as Json | undefined)?.type ?? "");
      return `<tr><td><code>${escapeHtml(String(p.name))}</code></td><td>${p.in}</td><td>${p.required ? "yes" : ""}</td><td>${escapeHtml(type)}</td><td>${escapeHtml(String(p.description ?? ""))}</td></tr>`;
    })
    .join("");
  return `<table><thead><tr><th>parameter</th><th>in</th><th>required</th><th>type</th><th></th></tr></thead><tbody>${rows}</tbody></table>`;
}

function contentHtml(content: Json | undefined): string {
  if (!content) return "";
  return Object.entries(content)
    .map(([type, media]) => `<details><summary><code>${escapeHtml(type)}</code></summary>${schemaHtml((media as Json).schema)}</details>`)
    .join("");
}

function operationHtml(path: string, method: string, op: Json): string {
  const body = op.requestBody as Json | undefined;
  const responses = Object.entries(op.responses as Record<string, Json>)
    .map(([status, r]) => `<li><b>${status}</b> ${escapeHtml(String(r.description))}${contentHtml(r.content as Json | undefined)}</li>`)
    .join("");
  const admin = op.security ? ' <span class="badge">admin</span>' : "";
  return (
    `<section class="op" id="op-${escapeHtml(String(op.operationId))}"><h3><span class="method ${method}">${method.toUpperCase()}</span> <code>${escapeHtml(path)}</code>${admin}</h3>` +
    `<p>${escapeHtml(String(op.summary))}</p>${op.description ? `<p>${escapeHtml(String(op.description))}</p>` : ""}` +
    parametersHtml(op.parameters as Json[] | undefined) +
    (body ? `<h4>Request body</h4>${contentHtml(body.content as Json)}` : "") +
    `<h4>Responses</h4><ul>${responses}</ul></section>`
  );
}

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1f24;background:#fff}
pre{background:#f4f5f7;padding:.5rem;overflow:auto;font-size:13px}
table{display:block;max-width:100%;overflow-x:auto;border-collapse:collapse;margin:.5rem 0;background:#f8f9fa}
td,th{padding:.2rem .6rem;text-align:left;vertical-align:top;border-bottom:1px solid #8884}td:last-child{min-width:14rem}
table code{white-space:nowrap}h3 code,li,p{overflow-wrap:anywhere}.op{border-top:1px solid #8886;padding:.5rem 0}
.method{font:bold 13px monospace;padding:.1rem .4rem;border-radius:3px;background:#2563eb;color:#fff}.method.put{background:#b45309}
.method.post{background:#15803d}.method.delete{background:#b91c1c}.method.head{background:#6b7280}.badge{font-size:12px;border:1px solid;border-radius:3px;padding:0 .3rem}
@media (prefers-color-scheme:dark){body{color:#e6e6e6;background:#15171a}a{color:#8ab4f8}pre,table{background:#1e2125}}`;

/** The page for an OpenAPI document as openApiDocument() builds it. */
export function apiDocsHtml(doc: Json): string {
  const info = doc.info as Json;
  const tags = (doc.tags as { name: string; description: string }[]) ?? [];
  const ops = Object.entries(doc.paths as Record<string, Record<string, Json>>).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ path, method, op })),
  );
  const sections = tags
    .map((t) => {
      const own = ops.filter((o) => (o.op.tags as string[]).includes(t.name));
      return `<h2 id="tag-${t.name}">${escapeHtml(t.name)}</h2><p>${escapeHtml(t.description)}</p>${own.map((o) => operationHtml(o.path, o.method, o.op)).join("")}`;
    })
    .join("");
  const schemas = Object.entries(((doc.components as Json).schemas as Json) ?? {})
    .map(([id, s]) => `<section id="schema-${escapeHtml(id)}"><h3>${escapeHtml(id)}</h3>${schemaHtml(s)}</section>`)
    .join("");
  const index = ops.map((o) => `<li><a href="#op-${escapeHtml(String(o.op.operationId))}">${o.method.toUpperCase()} ${escapeHtml(o.path)}</a></li>`).join("");
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${escapeHtml(String(info.title))}</title><style>${STYLE}</style></head><body>` +
    `<h1>${escapeHtml(String(info.title))} <small>${escapeHtml(String(info.version))}</small></h1><p>${escapeHtml(String(info.description ?? ""))}</p>` +
    `<p>The same as OpenAPI 3: <a href="/api/openapi.json">/api/openapi.json</a>.</p><ul>${index}</ul>${sections}<h2 id="schemas">Schemas</h2>${schemas}</body></html>`
  );
}
