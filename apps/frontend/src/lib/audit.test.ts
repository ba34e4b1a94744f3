import { describe, expect, test } from "bun:test";
import { AUDIT_ACTIONS, actionLabel, auditUrl, detailText, isAlarming } from "./audit.ts";

describe("the audit page's parts", () => {
  test("auditUrl sets only the filters given, trimmed, and the page's cursor", () => {
    expect(auditUrl({})).toBe("/api/audit");
    expect(auditUrl({ limit: 50, user: "  alice ", action: "" })).toBe("/api/audit?limit=50&user=alice");
    expect(auditUrl({ limit: 50, before: "0190aa000000000000@n1", action: "delete" })).toBe("/api/audit?limit=50&before=0190aa000000000000%40n1&action=delete");
  });

  test("every action has words, failed logins and deletes stand out, details read as pairs", () => {
    for (const a of AUDIT_ACTIONS) expect(actionLabel(a)).toMatch(/^[a-z ]+$/);
    expect([isAlarming("login_failed"), isAlarming("delete"), isAlarming("login")]).toEqual([true, true, false]);
    expect(detailText({ recursive: true, quotaBytes: null, with: "bob", label: "" })).toBe("recursive=true with=bob");
  });
});
