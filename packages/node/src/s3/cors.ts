// Bucket CORS: PutBucketCors / GetBucketCors / DeleteBucketCors, the preflight OPTIONS answered by the
// bucket's rules, and the CORS headers of actual responses. Only the S3 port, only per bucket: the files
// API's port never reads this (its CSRF guard stays the only word there).
//
// Where the rules live: a bucket is a directory, and a directory's manifest row carries no `meta` (the
// manifest schema refuses it); the cluster settings record is one record pushed whole to every member on
// each change, no place for up to 64 KB per bucket. So the rules are an ordinary file,
// `.s3-buckets/<bucket>/cors.json`, written at quorum like the multipart records: it replicates, survives
// restarts and merges last-writer-wins like every file. Every node holds the row; the bytes are read once
// per version and cached.
import { fileReadStream } from "../filesystem/read-stream.ts";
import { parentOf } from "../metadata/path.ts";
import { s3Error } from "./errors.ts";
import { type Handler, requireBucket, type S3Components, xmlResponse } from "./http.ts";
import { bucketCorsPath } from "./names.ts";
import { parseXml, readSmallBody } from "./request-body.ts";
import {
  corsHeaders,
  corsRulesSchema,
  corsRulesXml,
  type CorsRule,
  matchingRule,
  MAX_CORS_BYTES,
  parseCorsConfiguration,
  requestedHeaders,
} from "./cors-rules.ts";

const NOT_ALLOWED =
  "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.";

export class BucketCors {
  /** Parsed rules by config file version. */
  private readonly cache = new Map<string, CorsRule[]>();

  constructor(private readonly c: S3Components) {}

  /** The bucket's rules as this node holds them; undefined when it has none (or they cannot be read). */
  async rules(bucket: string): Promise<CorsRule[] | undefined> {
    let path: string;
    try {
      path = bucketCorsPath(bucket);
    } catch {
      return undefined; // no valid bucket name: no rules
    }
    const m = this.c.fs.lookup(path);
    if (m?.kind !== "file") return undefined;
    const cached = this.cache.get(m.version);
    if (cached) return cached;
    try {
      const text = await new Response(fileReadStream(m, 0, m.size - 1, this.c.reader, this.c.log)).text();
      const rules = corsRulesSchema.parse(JSON.parse(text));
      if (this.cache.size > 1000) this.cache.clear();
      this.cache.set(m.version, rules);
      return rules;
    } catch (err) {
      this.c.log.warn("a bucket's CORS rules cannot be read; answering as if it had none", { bucket, err });
      return undefined;
    }
  }

  readonly put: Handler = async (r) => {
    requireBucket(this.c, r.bucket!);
    const rules = parseCorsConfiguration(parseXml(await readSmallBody(r.payload(), MAX_CORS_BYTES)));
    await this.c.fs.put(bucketCorsPath(r.bucket!), new Response(JSON.stringify(rules)).body, "quorum", { meta: { contentType: "application/json" } });
    return new Response(null, { status: 200 });
  };

  readonly get: Handler = async (r) => {
    requireBucket(this.c, r.bucket!);
    const rules = await this.rules(r.bucket!);
    if (!rules) throw s3Error("NoSuchCORSConfiguration", "The CORS configuration does not exist");
    return xmlResponse("CORSConfiguration", corsRulesXml(rules));
  };

  readonly delete: Handler = async (r) => {
    requireBucket(this.c, r.bucket!);
    await dropBucketCors(this.c, r.bucket!);
    return new Response(null, { status: 204 });
  };

  /** A preflight OPTIONS: 200 with the matching rule's headers, or 403 (unauthenticated, as S3 answers it). */
  async preflight(req: Request, bucket: string | undefined): Promise<Response> {
    const origin = req.headers.get("origin");
    const method = req.headers.get("access-control-request-method");
    if (!bucket) throw s3Error("MethodNotAllowed", "OPTIONS is answered for a bucket or an object.");
    if (origin === null) throw s3Error("BadRequest", "Insufficient information. Origin request header needed.");
    if (method === null) throw s3Error("BadRequest", "Invalid Access-Control-Request-Method: null");
    requireBucket(this.c, bucket);
    await this.c.fs.refresh([bucketCorsPath(bucket)]);
    const rules = await this.rules(bucket);
    if (!rules) throw s3Error("AccessForbidden", "CORSResponse: CORS is not enabled for this bucket.");
    const headers = requestedHeaders(req.headers.get("access-control-request-headers"));
    const rule = matchingRule(rules, { origin, method, headers });
    if (!rule) throw s3Error("AccessForbidden", NOT_ALLOWED);
    return new Response(null, {
      status: 200,
      headers: { ...corsHeaders(rule, origin, { headers }), vary: "Origin, Access-Control-Request-Headers, Access-Control-Request-Method" },
    });
  }

  /**
   * The CORS headers of an actual response (errors too, so a page can read why it failed): those of the
   * first rule allowing the request's Origin and method, and `Vary: Origin` whenever the bucket has rules,
   * since the answer then depends on the Origin. Never throws: a response is not lost for its decoration.
   */
  async decorate(req: Request, bucket: string | undefined, res: Response): Promise<void> {
    const origin = req.headers.get("origin");
    if (!bucket || origin === null) return;
    const rules = await this.rules(bucket).catch(() => undefined);
    if (!rules) return;
    res.headers.append("vary", "Origin");
    const rule = matchingRule(rules, { origin, method: req.method, headers: [] });
    if (!rule) return;
    for (const [name, value] of Object.entries(corsHeaders(rule, origin))) res.headers.set(name, value);
  }
}

/** Removes a bucket's CORS rules: DeleteBucketCors, and a deleted or newly made bucket (no rules of an older one). */
export async function dropBucketCors(c: S3Components, bucket: string): Promise<void> {
  const dir = parentOf(bucketCorsPath(bucket));
  if (!c.fs.lookupDir(dir)) return;
  await c.fs.remove(dir, true);
}
