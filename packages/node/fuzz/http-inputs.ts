// Hostile requests for the HTTP port, as raw bytes (no client normalises them): bad paths, odd and
// WebDAV methods, bad JSON for mkdir and move, cross-site Origins and form content types, bad Host
// headers, garbage Range headers, S3-style junk, admin calls with forged credentials, broken framing.
// Reads may go anywhere. Every request that could change something carries a refusal the node must
// give (checked here with the node's own rules where they are exported) and names only the scratch
// folder, which never exists: no write the fuzzer sends can be well-formed or touch the baseline.
import { z } from "zod";
import { judgeRequest } from "../src/gateway/csrf.ts";
import { HostAllowList } from "../src/gateway/host-check.ts";
import { durabilities } from "../src/replication/placement.ts";
import { HOSTILE_IDS, type Json, mutateBytes, mutateJson, mutateJsonText } from "./mutate.ts";
import type { Rng } from "./rng.ts";
import { SCRATCH } from "./transfer-inputs.ts";

export const HTTP_FAMILIES = {
  /** GET/HEAD with hostile paths and queries anywhere. */
  "http.paths": 26,
  /** Reads of baseline files with garbage Range, If-Range and If-None-Match headers. */
  "http.range": 8,
  /** WebDAV and invented methods with hostile headers and XML bodies. */
  "http.methods": 16,
  /** mkdir and move with bodies their schema refuses; uploads with a bad durability; deletes of nothing. */
  "http.json": 14,
  /** Writes another site could send: cross-site Origin or Sec-Fetch-Site, form content types. */
  "http.csrf": 10,
  /** Any request with a Host this node is not (DNS rebinding). */
  "http.host": 7,
  /** S3-style requests on the HTTP port. */
  "http.s3": 6,
  /** Admin routes with forged or malformed credentials. */
  "http.admin": 3,
  /** Raw garbage, broken framing, header floods. */
  "http.garbage": 10,
} as const;
export type HttpFamily = keyof typeof HTTP_FAMILIES;

/** Why a request that could change something must be refused. */
export type Refusal =
  | "host" // 421: the Host check runs before every route
  | "csrf" // 403: the CSRF guard runs before every route
  | "durability" // 400: PUT /api/files checks the durability before reading the body
  | "schema" // 400: the JSON body fails the route's schema
  | "admin-credential" // 401: a credential that is not a signature of the cluster key
  | "missing-target" // 404/409: the target (or its parent) lies in the scratch folder, which never exists
  | "no-route"; // 404: no route takes this method on this path

export interface HttpInput {
  family: HttpFamily;
  bytes: Uint8Array;
  /** A method that may change state (anything but GET, HEAD, OPTIONS, PROPFIND). */
  write: boolean;
  refusal?: Refusal;
  /** The request is whole: the node must answer it (otherwise it waits for bytes that never come). */
  complete: boolean;
}

const READ_METHODS = new Set(["GET", "HEAD", "OPTIONS", "PROPFIND"]);

// Replicas of the files API's body schemas (gateway/files-routes.ts keeps them private): a body is sent
// only if it fails these, and the bodies name only scratch paths, so a drift can land nothing in the baseline.
const mkdirSchema = z.object({ path: z.string().min(1).max(4096) }).strict();
const moveSchema = z.object({ from: z.string().min(1).max(4096), to: z.string().min(1).max(4096), overwrite: z.boolean().optional() }).strict();

const BAD_HOSTS = ["evil.example", "attacker.test:3000", "127.0.0.1.nip.io", "localhost.evil.example", "rebind.me.", "[::1", "[zz]:80", "", " ", "a".repeat(300), "127.0.0.1:3000:3000", "x:y", "%31%32%37.0.0.1", "exa mple.com", "ünicode.example"];
const BAD_ORIGINS = ["http://evil.example", "null", "https://127.0.0.1", "http://127.0.0.1:1", "file://", "http://localhost.evil.example", "javascript:alert(1)", "http://127.0.0.1:3000/path", "HTTP://EVIL"];
const SIMPLE_TYPES = ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "TEXT/PLAIN;charset=utf-8", ""];
const WRITE_METHODS = ["PUT", "POST", "DELETE", "PATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "PROPPATCH"];
const ODD_METHODS = ["TRACE", "CONNECT", "PATCH", "SEARCH", "REPORT", "FOO", "get", "GeT", "M-SEARCH", "BREW", "X".repeat(100), "ACL", "BIND", "VERSION-CONTROL"];
const RANGES = ["bytes=0-0", "bytes=-1", "bytes=5-1", "bytes=0-", "bytes=-0", "bytes=99999999999999999999-", "bytes=0-1,2-3", "bytes=a-b", "bytes 0-1", "items=0-1", "bytes=--1", "bytes=0-18446744073709551616", "bytes=-9007199254740993", `bytes=${"0-1,".repeat(2000)}0-1`, "=", "bytes=\u0000"];
const QUERIES = ["", "?limit=0", "?limit=-1", "?limit=1e9", "?limit=abc", "?limit=10001", "?after=%00", "?after=%ff", "?download=1", "?download=%00", "?x=" + "y".repeat(5000), "?&&&", "?%", "?a=%zz", "?durability=fast", "?recursive=true"];
const XML_BODIES = [
  '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>',
  '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><D:propfind xmlns:D="DAV:"><D:prop><D:x>&c;</D:x></D:prop></D:propfind>',
  '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><D:propfind xmlns:D="DAV:"><D:prop>&e;</D:prop></D:propfind>',
  '<D:propfind xmlns:D="DAV:"><D:prop><D:displayname/>',
  '<a:propfind xmlns:a="urn:x"/>',
  '<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype><D:owner>fuzz</D:owner></D:lockinfo>',
  '<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><x:y xmlns:x="urn:z">v</x:y></D:prop></D:set></D:propertyupdate>',
  "<" + "a>".repeat(1) + "<b>".repeat(5000),
  "\u0000\u0001garbage",
  "",
];
const DAV_HEADERS = [
  "Depth: infinity", "Depth: 1", "Depth: -1", "Depth: 99999999999", "Overwrite: T", "Overwrite: maybe",
  "Destination: http://evil.example/dav/x", `Destination: /dav/${SCRATCH}/dest`, "Destination: /dav/../../etc/passwd", "Destination: ::::",
  "If: (<opaquelocktoken:00000000-0000-0000-0000-000000000000>)", "If: <http://x/dav/a> (Not <DAV:no-lock>)", "If: ((((", "If: " + "(<a>)".repeat(500),
  "Lock-Token: <opaquelocktoken:zzz>", "Lock-Token: garbage", "Timeout: Second-99999999999999999999", "Timeout: Infinite, Second-1", "Timeout: x",
];

export class HttpInputs {
  /** Candidates that failed a safety check and were generated again (the checks are doing work). */
  regenerated = 0;
  private readonly hosts = new HostAllowList(["127.0.0.1"]);

  constructor(
    private readonly rng: Rng,
    /** Baseline file paths (canonical, e.g. "fuzz-baseline/a.bin"): reads only. */
    private readonly baseline: readonly string[],
  ) {}

  next(port: number): HttpInput {
    const family = this.rng.weighted(HTTP_FAMILIES);
    for (let tries = 0; tries < 50; tries++) {
      const input = this.make(family, port);
      if (input && this.safe(input)) return input;
      this.regenerated++;
    }
    return { family, bytes: this.request("GET", "/status", `127.0.0.1:${port}`), write: false, complete: true };
  }

  /** The invariant every generated request keeps: a write carries a refusal, and never names the baseline. */
  safe(input: HttpInput): boolean {
    if (!input.write) return true;
    if (input.refusal === undefined) return false;
    const text = Buffer.from(input.bytes).toString("latin1");
    return !this.baseline.some((p) => text.includes(p.split("/")[0]!));
  }

  private make(family: HttpFamily, port: number): HttpInput | undefined {
    const rng = this.rng;
    const host = `127.0.0.1:${port}`;
    switch (family) {
      case "http.paths": {
        const method = rng.pick(["GET", "GET", "GET", "HEAD", "OPTIONS"]);
        return this.input(family, method, this.hostilePath() + rng.pick(QUERIES), host, this.junkHeaders(0.3));
      }
      case "http.range": {
        const path = `/${rng.chance(0.8) ? "api/files" : "dav"}/${this.smallBaselineFile()}`;
        const headers = [`Range: ${rng.pick(RANGES)}`];
        if (rng.chance(0.3)) headers.push(`If-Range: ${rng.pick(['"nope"', "W/\"x\"", "Thu, 01 Jan 1970 00:00:00 GMT", "\u0000"])}`);
        if (rng.chance(0.2)) headers.push(`If-None-Match: ${rng.pick(["*", '"a", "b"', ",,,", "x".repeat(2000)])}`);
        return this.input(family, rng.pick(["GET", "GET", "HEAD"]), path, host, headers);
      }
      case "http.methods": {
        const headers = Array.from({ length: rng.int(0, 4) }, () => rng.pick(DAV_HEADERS));
        const body = rng.pick(XML_BODIES);
        if (rng.chance(0.35)) {
          // Reads: PROPFIND and OPTIONS anywhere, the baseline included.
          const path = rng.chance(0.5) ? `/dav/${rng.chance(0.5) ? this.smallBaselineFile() : ""}` : this.hostilePath();
          return this.input(family, rng.pick(["PROPFIND", "OPTIONS"]), path, host, [...headers, "Content-Type: application/xml"], body);
        }
        const method = rng.pick([...WRITE_METHODS, ...ODD_METHODS]);
        return this.input(family, method, this.missingTarget(method), host, [...headers, "Content-Type: application/xml"], body, "missing-target");
      }
      case "http.json":
        return this.jsonRequest(host);
      case "http.csrf": {
        const method = rng.pick(WRITE_METHODS);
        const headers: string[] = [];
        if (rng.chance(0.5)) headers.push(`Origin: ${rng.pick(BAD_ORIGINS)}`);
        if (rng.chance(0.4) || headers.length === 0) headers.push(`Sec-Fetch-Site: ${rng.pick(["cross-site", "same-site", "CROSS-SITE"])}`);
        const type = rng.pick(SIMPLE_TYPES);
        if (type !== "") headers.push(`Content-Type: ${type}`);
        const path = rng.pick([`/api/files/${SCRATCH}/${this.cleanSegment()}`, "/api/mkdir", "/api/move", `/dav/${SCRATCH}/${this.cleanSegment()}`, "/api/cluster/leave", "/api/cluster/keys/install"]);
        const body = path === "/api/mkdir" ? JSON.stringify({ path: `${SCRATCH}/x` }) : path === "/api/move" ? JSON.stringify({ from: `${SCRATCH}/a`, to: `${SCRATCH}/b` }) : "csrf";
        const input = this.input(family, method, path, host, headers, body, "csrf");
        const verdict = judgeRequest(method, this.headerObject(host, headers));
        return verdict.ok ? undefined : input;
      }
      case "http.host": {
        const bad = rng.pick(BAD_HOSTS);
        if (this.hosts.allows(bad)) return undefined;
        const method = rng.pick(["GET", "HEAD", ...WRITE_METHODS]);
        const path = rng.chance(0.5) ? this.hostilePath() : rng.pick(["/status", "/api/mkdir", `/api/files/${SCRATCH}/x`, "/api/cluster/leave", "/"]);
        return this.input(family, method, path, bad, this.junkHeaders(0.2), method === "GET" || method === "HEAD" ? "" : "{}", "host");
      }
      case "http.s3":
        return this.s3Request(host);
      case "http.admin":
        return this.adminRequest(host);
      case "http.garbage":
        return this.garbage(host);
    }
  }

  private input(family: HttpFamily, method: string, target: string, host: string | undefined, headers: string[], body = "", refusal?: Refusal): HttpInput {
    const write = !READ_METHODS.has(method);
    return { family, bytes: this.request(method, target, host, headers, body), write, refusal: write ? refusal : undefined, complete: true };
  }

  /** One HTTP/1.1 request with Connection: close; `host` undefined sends no Host header. */
  request(method: string, target: string, host: string | undefined, headers: string[] = [], body = ""): Uint8Array {
    const bodyBytes = Buffer.from(body, "utf8");
    const lines = [`${method} ${target} HTTP/1.1`];
    if (host !== undefined) lines.push(`Host: ${host}`);
    lines.push(...headers, "Connection: close", `Content-Length: ${bodyBytes.byteLength}`, "", "");
    return Buffer.concat([Buffer.from(lines.join("\r\n"), "utf8"), bodyBytes]);
  }

  private headerObject(host: string, headers: string[]): Headers {
    const h = new Headers({ host });
    for (const line of headers) {
      const i = line.indexOf(":");
      try {
        h.append(line.slice(0, i).trim(), line.slice(i + 1).trim());
      } catch {
        // a value Headers refuses; the node would never see it as that header either
      }
    }
    return h;
  }

  private smallBaselineFile(): string {
    const files = this.baseline;
    if (files.length === 0) return `${SCRATCH}/none`;
    // The first files are the small ones; the multi-chunk ones are read less often.
    return this.rng.chance(0.85) ? files[this.rng.below(Math.min(3, files.length))]! : this.rng.pick(files);
  }

  /** A path segment that cannot climb (no dot segments, no raw '/', '?', '#'), yet is odd to parse. */
  cleanSegment(): string {
    const rng = this.rng;
    switch (rng.below(8)) {
      case 0:
        return `x${rng.hex(4)}`;
      case 1:
        try {
          return encodeURIComponent(rng.pick(HOSTILE_IDS)).replace(/\./g, "%252E") || "e";
        } catch {
          return "%ED%A0%80"; // a lone surrogate, as the client would have to send it
        }
      case 2:
        return rng.pick(["%00", "%0A", "%5C", "%2F", "%FF", "%C0%AF", "%ED%A0%80", "%", "%2", "%zz", "%u002e"]) + "q";
      case 3:
        return "s".repeat(rng.pick([255, 256, 1100]));
      case 4:
        return encodeURIComponent("ünïcödé 😀 ");
      case 5:
        return "a%20b";
      case 6:
        return `${rng.hex(2)}%2F${rng.hex(2)}`;
      default:
        return "file.bin";
    }
  }

  /** A path in the scratch folder whose parent does not exist either (WebDAV creators answer 409). */
  private missingTarget(method: string): string {
    const prefix = method === "PUT" || method === "DELETE" || this.rng.chance(0.7) ? "/dav" : "/api/files";
    const trailing = this.rng.chance(0.2) ? "/" : "";
    return `${prefix}/${SCRATCH}/${this.cleanSegment()}/${this.cleanSegment()}${trailing}`;
  }

  /** Any path at all, for reads. */
  hostilePath(): string {
    const rng = this.rng;
    const prefix = rng.pick(["/api/files", "/api/files", "/api/stat", "/dav", "", "/api/cluster", "/status", "/api", "/assets", "/metrics", "/api/events/recent", "/api/cluster/keys"]);
    const parts: string[] = [];
    for (let i = rng.int(0, 4); i > 0; i--) {
      parts.push(
        rng.pick([
          "..", "%2e%2e", "%2E%2E", ".", "%2e", "..%2f..", "..\\..", "", "etc", "passwd", "a%00b", "%00", "\u0000", "%C0%AE%C0%AE",
          "x".repeat(rng.pick([10, 300, 9000])), "%ZZ", "%", "fuzz-baseline", "?", "#frag", "a;b", "%3Fq", "~root", "*",
          ...this.baseline.map((p) => p.split("/")[1] ?? p),
          this.cleanSegment(),
        ]),
      );
    }
    let path = `${prefix}/${parts.join("/")}`;
    if (rng.chance(0.05)) path = rng.pick(["*", "http://evil.example/api/files/", "//", "/./", "api/files/x", "/\t/", `/${"a/".repeat(600)}`]);
    return path;
  }

  private junkHeaders(p: number): string[] {
    const rng = this.rng;
    if (!rng.chance(p)) return [];
    return Array.from({ length: rng.int(1, 4) }, () =>
      rng.pick([
        "Accept: */*", "Accept-Encoding: gzip, br, zstd, x", "X-Forwarded-For: 10.0.0.1", "X-Forwarded-Host: evil.example",
        "Cookie: " + "a=b; ".repeat(200), "User-Agent: " + "U".repeat(4000), "X-Orrery-Request: 1", "Authorization: Basic Zm9vOmJhcg==",
        "Sec-Fetch-Site: cross-site", "Origin: http://evil.example", "Transfer-Encoding: identity", "If-Modified-Since: yesterday",
      ]),
    );
  }

  private jsonRequest(host: string): HttpInput | undefined {
    const rng = this.rng;
    const headers = [rng.pick(["Content-Type: application/json", "Content-Type: application/json; charset=utf-8", "Content-Type: APPLICATION/JSON", "X-Orrery-Request: 1"])];
    switch (rng.below(4)) {
      case 0:
      case 1: {
        const mkdir = rng.chance(0.5);
        const template: Json = mkdir ? { path: `${SCRATCH}/${rng.hex(3)}` } : { from: `${SCRATCH}/${rng.hex(3)}`, to: `${SCRATCH}/${rng.hex(3)}`, overwrite: rng.chance(0.5) };
        const text = rng.chance(0.7) ? JSON.stringify(mutateJson(rng, template)) : mutateJsonText(rng, JSON.stringify(template));
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined; // not JSON: refused as malformed_json
        }
        if (parsed !== undefined && (mkdir ? mkdirSchema : moveSchema).safeParse(parsed).success) return undefined;
        return this.input("http.json", "POST", mkdir ? "/api/mkdir" : "/api/move", host, headers, text, "schema");
      }
      case 2: {
        const durability = rng.pick(["", "QUORUM", "none", "fast ", "all,fast", "\u0000", "1", "x".repeat(1000), "quorum\n"]);
        if ((durabilities as readonly string[]).includes(durability)) return undefined;
        const extra = rng.chance(0.5) ? [`X-Orrery-Mtime: ${rng.pick(["-1", "abc", "1e400", "9007199254740993", "0x10"])}`] : [];
        const path = `/api/files/${SCRATCH}/${this.cleanSegment()}?durability=${encodeURIComponent(durability)}`;
        return this.input("http.json", "PUT", path, host, [...headers, ...extra], Buffer.from(rng.bytes(rng.size(4096))).toString("latin1"), "durability");
      }
      default: {
        const path = `/api/files/${SCRATCH}/${this.cleanSegment()}${rng.pick(["", "?recursive=true", "?recursive=%00"])}`;
        return this.input("http.json", "DELETE", path, host, headers, "", "missing-target");
      }
    }
  }

  private s3Request(host: string): HttpInput | undefined {
    const rng = this.rng;
    const bucket = rng.pick(["photos", "fuzz-bucket", "my.bucket", "BUCKET", "a", "xn--bucket"]);
    const key = `${this.cleanSegment()}${rng.pick(["", "?uploads", "?partNumber=1&uploadId=zz", "?acl", "?list-type=2&prefix=%00", "?delete", "?encryption", "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=00"])}`;
    const date = "20240101T000000Z";
    const headers = [
      `Authorization: AWS4-HMAC-SHA256 Credential=${rng.pick(["AKIA/20240101/us-east-1/s3/aws4_request", "x", ""])}, SignedHeaders=host;x-amz-date, Signature=${rng.hex(32)}`,
      `x-amz-date: ${rng.pick([date, "never", ""])}`,
      `x-amz-content-sha256: ${rng.pick(["UNSIGNED-PAYLOAD", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", rng.hex(32), "zz"])}`,
    ];
    if (rng.chance(0.3)) headers.push("x-amz-server-side-encryption-customer-algorithm: AES256", `x-amz-server-side-encryption-customer-key: ${Buffer.from(rng.bytes(32)).toString("base64")}`);
    if (rng.chance(0.2)) headers.push("Expect: 100-continue");
    const method = rng.pick(["GET", "HEAD", "PUT", "POST", "DELETE"]);
    const body = method === "PUT" || method === "POST" ? rng.pick(["<Delete><Object><Key>x</Key></Object></Delete>", "5;chunk-signature=zz\r\nhello\r\n0;chunk-signature=zz\r\n\r\n", "data"]) : "";
    return this.input("http.s3", method, `/${bucket}/${key}`, host, headers, body, "no-route");
  }

  private adminRequest(host: string): HttpInput {
    const rng = this.rng;
    const path = rng.pick(["/api/cluster/leave", "/api/cluster/members/n2/forget", "/api/cluster/members/__proto__/forget", "/api/cluster/keys/install", "/api/cluster/keys/use", "/api/cluster/keys/remove", "/api/admin/faults", "/api/cluster/keys"]);
    const auth = rng.pick([
      "Orrery-Admin key=zz",
      "Bearer x",
      `Orrery-Admin key=${rng.hex(8)}, ts=${Date.now()}, nonce=${rng.hex(8)}, sig=${rng.hex(32)}`,
      `Orrery-Admin key=${rng.hex(8)}, ts=99999999999999999999, nonce=${rng.hex(8)}, sig=${rng.hex(32)}`,
      "Orrery-Admin " + "k".repeat(5000),
      "Orrery-Admin",
    ]);
    const method = path === "/api/cluster/keys" && rng.chance(0.5) ? "GET" : "POST";
    const body = rng.pick(['{"key":"fuzz-never-installed-because-the-credential-fails-01"}', '{"keyId":"0000000000000000"}', '{"blockedPeers":["n1","n2","n3"]}', "x".repeat(rng.pick([10, 70_000]))]);
    const input = this.input("http.admin", method, path, host, [`Authorization: ${auth}`, "Content-Type: application/json"], method === "GET" ? "" : body, "admin-credential");
    return input;
  }

  private garbage(host: string): HttpInput {
    const rng = this.rng;
    const read = () => this.request(rng.pick(["GET", "HEAD"]), this.hostilePath(), host, this.junkHeaders(0.5));
    switch (rng.below(7)) {
      case 0:
        return { family: "http.garbage", bytes: rng.bytes(rng.size(4096)), write: false, complete: false };
      case 1: { // a read request, mutated after its request line (the method and path stay those of a read)
        const whole = read();
        const lineEnd = Buffer.from(whole).indexOf("\r\n") + 2;
        const mutated = mutateBytes(rng, whole.subarray(lineEnd), 70_000);
        return { family: "http.garbage", bytes: Buffer.concat([whole.subarray(0, lineEnd), mutated]), write: false, complete: false };
      }
      case 2: { // broken framing on reads
        const framing = rng.pick([
          "Content-Length: -1", "Content-Length: abc", "Content-Length: 1\r\nContent-Length: 2", "Content-Length: 99999999999999999999",
          "Transfer-Encoding: chunked", "Transfer-Encoding: chunked\r\nContent-Length: 3", "Transfer-Encoding: gzip, chunked",
        ]);
        const body = rng.pick(["", "zz\r\nxx\r\n0\r\n\r\n", "ffffffffffffffff\r\n", "3\r\nabc\r\n", "0\r\n\r\n"]);
        const text = `GET ${this.hostilePath()} HTTP/1.1\r\nHost: ${host}\r\n${framing}\r\nConnection: close\r\n\r\n${body}`;
        return { family: "http.garbage", bytes: Buffer.from(text, "latin1"), write: false, complete: false };
      }
      case 3: { // header floods and malformed header lines
        const lines = rng.pick([
          Array.from({ length: 300 }, (_, i) => `X-H${i}: ${i}`).join("\r\n"),
          `X-Big: ${"v".repeat(70_000)}`,
          "NoColonHere",
          " folded: continuation",
          "X-Nul: a\u0000b",
          "Host: evil.example",
          ": empty-name",
          "X\u00ff: latin1",
        ]);
        const text = `GET /status HTTP/1.1\r\nHost: ${host}\r\n${lines}\r\nConnection: close\r\n\r\n`;
        return { family: "http.garbage", bytes: Buffer.from(text, "latin1"), write: false, complete: false };
      }
      case 4: { // request-line junk
        const line = rng.pick(["GET", "GET /", "GET / HTTP/9.9", "GET / HTTP/1.1 extra", "\r\n\r\n", "GET /\u0000 HTTP/1.1", "GET  / HTTP/1.1", "GET / HTTP/1.0", " / HTTP/1.1", "GET /status HTTP/1.1\r\nHost: " + host + "\r\n\r\nGET /metrics HTTP/1.1\r\nHost: " + host, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "GET http://evil.example/status HTTP/1.1"]);
        return { family: "http.garbage", bytes: Buffer.from(`${line}\r\nHost: ${host}\r\nConnection: close\r\n\r\n`, "latin1"), write: false, complete: false };
      }
      case 5: // truncated mid-request
        return { family: "http.garbage", bytes: read().subarray(0, rng.int(1, 40)), write: false, complete: false };
      default: // HTTP/1.0 without Host, absolute-form
        return { family: "http.garbage", bytes: Buffer.from(`GET ${rng.pick(["/status", "http://127.0.0.1/status", this.hostilePath()])} HTTP/1.0\r\n\r\n`, "latin1"), write: false, complete: false };
    }
  }
}
