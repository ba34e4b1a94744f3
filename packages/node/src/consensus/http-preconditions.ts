// If-Match and If-None-Match on a write (RFC 9110 §13.1.1, §13.1.2) as a Precondition on the path's current
// row, decided in a Paxos round (conditional-writes.ts), so two clients that both "create if absent" or both
// "replace if unchanged" cannot both succeed. Each API supplies its own ETag (files: SHA-256, S3: MD5).
import type { Manifest } from "../metadata/manifest.ts";
import type { Precondition } from "./conditional-writes.ts";

const tags = (header: string) => header.split(",").map((t) => t.trim().replace(/^W\//, "").replace(/"/g, "")).filter(Boolean);

/** The precondition of a write's If-Match / If-None-Match headers; undefined when it carries neither. */
export function httpPrecondition(
  ifMatch: string | null | undefined,
  ifNoneMatch: string | null | undefined,
  etagOf: (m: Manifest) => string,
): Precondition | undefined {
  if (!ifMatch && !ifNoneMatch) return undefined;
  return (current) => {
    const etag = current ? etagOf(current).replace(/"/g, "") : undefined;
    if (ifMatch) {
      const wanted = tags(ifMatch);
      const ok = wanted.includes("*") ? current !== undefined : etag !== undefined && wanted.includes(etag);
      if (!ok) return current ? `If-Match: the current ETag is "${etag}"` : "If-Match: nothing exists at this path";
    }
    if (ifNoneMatch) {
      const refused = tags(ifNoneMatch);
      if (refused.includes("*") ? current !== undefined : etag !== undefined && refused.includes(etag)) {
        return `If-None-Match: ${current?.kind === "dir" ? "a directory" : "a file"} exists at this path`;
      }
    }
    return undefined;
  };
}
