// The conformance suite for small files kept in their manifest row (inline-content.ts), run against every
// ManifestStore: the bytes are stored, listed, synced and replaced with the row, and a row that lies about
// them is refused.
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { INLINE_MAX_BYTES, inlineProblem } from "./inline-content.ts";
import { manifestSchema } from "./manifest.ts";
import type { ManifestChange, ManifestStore } from "./manifest-store.ts";
import { exchange, type NewManifestStore, thrown } from "./manifest-store.kit.ts";
import { deleteChange, dirChange, FakeTime, fileChange } from "./test-fixtures.ts";

export function inlineChange(path: string, content: string | Uint8Array, mtime = 1): ManifestChange {
  const bytes = Buffer.from(content);
  return {
    path, kind: "file", deleted: false, size: bytes.byteLength, sha256: createHash("sha256").update(bytes).digest("hex"),
    chunkSize: 4 * 1024 * 1024, chunks: [], inline: bytes.toString("base64"), mtime,
  };
}

/** Overwrites the inline bytes a store keeps for a path's file behind its back (a damaged database row). */
export type DamageInline = (store: ManifestStore, path: string, inline: string) => void;

export function runInlineRowTests(name: string, newStore: NewManifestStore, damage: DamageInline): void {
  describe(`inline rows: ${name}`, () => {
    test("a damaged row is found by the scrubber's walk and put back from a good copy of the same write, nothing else", () => {
      const time = new FakeTime();
      const a = newStore("a", time.now);
      const b = newStore("b", time.now);
      a.commitLocalBatch([dirChange("d"), inlineChange("d/x.txt", "first small file"), fileChange("d/big", 10), inlineChange("d/y.txt", "second")]);
      expect(a.inlineRowsAfter(undefined, 10).map((r) => r.path)).toEqual(["d/x.txt", "d/y.txt"]);
      expect(a.inlineRowsAfter({ path: "d/x.txt", kind: "file" }, 10).map((r) => r.path)).toEqual(["d/y.txt"]);
      expect(a.inlineRowsAfter(undefined, 1).map((r) => r.path)).toEqual(["d/x.txt"]);
      exchange(b, a);
      const good = b.get("d/x.txt", "file")!;
      const stats = a.stats();

      damage(a, "d/x.txt", Buffer.from("FIRST small file").toString("base64"));
      const damaged = a.inlineRowsAfter(undefined, 10)[0]!;
      expect(inlineProblem(damaged)).toBe("inline content does not match the file's sha256");
      // Not with another version of the file, not with a row that lies about its bytes, not over a sound row.
      expect(a.restoreInline({ ...good, version: b.commitLocal(inlineChange("d/x.txt", "newer")).version })).toBe(false);
      expect(a.restoreInline({ ...good, inline: damaged.inline })).toBe(false);
      expect(a.restoreInline(b.get("d/y.txt", "file")!)).toBe(false);
      expect(a.restoreInline(good)).toBe(true);
      expect(a.get("d/x.txt", "file")).toEqual(good);
      expect(a.restoreInline(good)).toBe(false);
      expect(a.stats()).toEqual(stats);
    });

    test("a row keeps its bytes: get, a listing, a search, a replica's page of rows and the delta sync all carry them", () => {
      const time = new FakeTime();
      const a = newStore("a", time.now);
      const b = newStore("b", time.now);
      const [, written] = a.commitLocalBatch([dirChange("d"), inlineChange("d/small.txt", "hello inline")]);
      expect(written!.inline).toBe(Buffer.from("hello inline").toString("base64"));
      expect(a.get("d/small.txt")).toEqual(written);
      expect(a.children("d")[0]!.inline).toBe(written!.inline);
      expect({ ...a.children("d")[0]! }).toEqual(written!);
      expect(a.children("d", { rows: true })).toEqual([written!]);
      expect(a.searchNames("", "small", { limit: 10 }).rows.map((m) => m.inline)).toEqual([written!.inline]);
      expect(a.rowsBelow("d", "", 10)).toEqual([written!]);
      exchange(b, a);
      expect(b.get("d/small.txt")).toEqual(written);
      // What goes over the wire is a valid row with its bytes.
      expect(manifestSchema.parse(JSON.parse(JSON.stringify(a.changesSince({}, 10).entries[1])))).toEqual(written!);
    });

    test("a row that grows past the threshold drops its bytes, one that shrinks back gets them, a delete keeps none", () => {
      const s = newStore("a", new FakeTime().now);
      s.commitLocal(inlineChange("f", "small"));
      const big = s.commitLocal(fileChange("f", 10, "big"));
      expect(s.get("f")).toEqual(big);
      expect(s.get("f")!.inline).toBeUndefined();
      expect(s.children("")[0]!.inline).toBeUndefined();
      const small = s.commitLocal(inlineChange("f", "small again"));
      expect(s.get("f")!.inline).toBe(small.inline!);
      const gone = s.commitLocal({ ...deleteChange("f"), inline: small.inline! });
      expect(gone.inline).toBeUndefined();
      expect(s.get("f")!.inline).toBeUndefined();
      expect(s.stats()).toMatchObject({ files: 0, bytes: 0 });
      s.commitLocal(inlineChange("g", "x".repeat(INLINE_MAX_BYTES)));
      expect(s.stats()).toMatchObject({ files: 1, bytes: INLINE_MAX_BYTES });
    });

    test("a row whose bytes do not match its size, its sha256, or that has chunks besides, is refused", () => {
      const s = newStore("a", new FakeTime().now);
      const good = inlineChange("f", "content");
      expect(thrown(() => s.commitLocal({ ...good, sha256: "0".repeat(64) })).message).toMatch(/sha256/);
      expect(thrown(() => s.commitLocal({ ...good, size: 6 })).message).toMatch(/holds 7 bytes/);
      expect(thrown(() => s.commitLocal({ ...good, chunks: [good.sha256!] })).message).toMatch(/no chunks/);
      expect(thrown(() => s.commitLocal({ ...good, inline: "not base64!" })).message).toMatch(/base64/);
      // Bytes the decoder would accept but that are not the one canonical spelling (a line break, no padding).
      expect(thrown(() => s.commitLocal({ ...good, inline: `${good.inline!.slice(0, 4)}\n${good.inline!.slice(4)}` })).message).toMatch(/canonical base64/);
      expect(thrown(() => s.commitLocal({ ...good, inline: good.inline!.replace(/=+$/, "") })).message).toMatch(/canonical base64/);
      const big = inlineChange("f", "x".repeat(INLINE_MAX_BYTES + 1));
      expect(thrown(() => s.commitLocal(big)).code).toBe("invalid_manifest");
      expect(thrown(() => s.commitLocal({ ...dirChange("d"), inline: good.inline! })).message).toMatch(/no inline bytes/);
      expect(s.get("f")).toBeUndefined();
      // The same rules hold for a row that arrives from a peer.
      const row = { ...s.commitLocal(good) };
      expect(manifestSchema.safeParse({ ...row, inline: Buffer.from("tampered").toString("base64"), size: 8 }).success).toBe(false);
    });
  });
}
