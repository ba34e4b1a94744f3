// XML rendering, request parsing, and S3 error documents (codes, statuses, never an empty Message).
import { describe, expect, test } from "bun:test";
import { OrreryError, StoreFullError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { DurabilityError } from "../replication/write-coordinator.ts";
import { errorXml, s3Error, toS3Error } from "./errors.ts";
import { childrenNamed, childText, parseXml } from "./request-body.ts";
import { escapeXml, renderXml } from "./xml.ts";

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

describe("XML rendering", () => {
  test("nested elements, escaping, attributes; undefined and null leave an element out", () => {
    const xml = renderXml("ListBucketResult", [
      ["Name", "a&b"],
      ["Prefix", undefined],
      ["Marker", null],
      ["IsTruncated", false],
      ["Contents", [["Key", "<x> \"y\" 'z'"], ["Size", 3]]],
      ["Grantee", [["ID", "1"]], { "xsi:type": "CanonicalUser" }],
    ]);
    expect(xml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
        "<Name>a&amp;b</Name><IsTruncated>false</IsTruncated>" +
        "<Contents><Key>&lt;x&gt; &quot;y&quot; &apos;z&apos;</Key><Size>3</Size></Contents>" +
        '<Grantee xsi:type="CanonicalUser"><ID>1</ID></Grantee></ListBucketResult>',
    );
  });

  test("characters XML cannot carry become U+FFFD; text content renders as such", () => {
    expect(escapeXml("a\u0000b\u001fc\td\ne")).toBe("a\ufffdb\ufffdc\td\ne");
    expect(renderXml("LocationConstraint", "eu-west-1", null)).toBe('<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint>eu-west-1</LocationConstraint>');
  });

  test("request bodies: namespaces ignored, entities decoded; malformed XML and DTDs refused", () => {
    const doc = parseXml(
      new TextEncoder().encode(
        '<?xml version="1.0"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>true</Quiet>' +
          "<Object><Key>a&amp;b</Key></Object><Object><Key><![CDATA[c<d]]></Key></Object></Delete>",
      ),
    );
    expect(doc.name).toBe("Delete");
    expect(childText(doc, "Quiet")).toBe("true");
    expect(childrenNamed(doc, "Object").map((o) => childText(o, "Key"))).toEqual(["a&b", "c<d"]);
    expect(() => parseXml(new TextEncoder().encode("<Delete><Object></Delete>"))).toThrow(expect.objectContaining({ code: "MalformedXML" }));
    const dtd = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><Delete>&e;</Delete>';
    expect(() => parseXml(new TextEncoder().encode(dtd))).toThrow(expect.objectContaining({ code: "MalformedXML" }));
  });
});

describe("S3 errors", () => {
  test("codes carry their status and a default message", () => {
    const e = s3Error("NoSuchKey");
    expect([e.status, e.code, e.message]).toEqual([404, "NoSuchKey", "The specified key does not exist."]);
    expect(s3Error("SignatureDoesNotMatch", "").message.length).toBeGreaterThan(0);
  });

  test("Orrery's errors map onto S3 codes", () => {
    const map = (err: unknown) => {
      const e = toS3Error(err, quiet, {});
      return [e.status, e.code];
    };
    expect(map(new OrreryError(409, "parent_is_file", "x"))).toEqual([409, "KeyConflict"]);
    expect(map(new OrreryError(400, "invalid_path", "x"))).toEqual([400, "InvalidArgument"]);
    expect(map(new DurabilityError("quorum unreachable", {}))).toEqual([503, "ServiceUnavailable"]);
    expect(map(new OrreryError(503, "not_joined", "x"))).toEqual([503, "ServiceUnavailable"]);
    expect(map(new OrreryError(400, "upload_aborted", "x"))).toEqual([400, "IncompleteBody"]);
    expect(map(new StoreFullError("full"))).toEqual([507, "InsufficientStorage"]);
    expect(map(new Error("bug"))).toEqual([500, "InternalError"]);
    // The upload pipeline re-throws with the same status and code: still an S3 error.
    const wrapped = new OrreryError(403, "SignatureDoesNotMatch", "… ; 3 chunk(s) were stored before the failure");
    expect(map(wrapped)).toEqual([403, "SignatureDoesNotMatch"]);
  });

  test("the error document always has a Message", () => {
    const xml = errorXml({ status: 403, code: "AccessDenied", message: "" }, "/b/k", "REQ1");
    expect(xml).toContain("<Code>AccessDenied</Code><Message>Access Denied</Message><Resource>/b/k</Resource><RequestId>REQ1</RequestId>");
  });
});
