// Where a node's cluster key comes from, and what rotation steps do to the keyring on disk.
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClusterKey } from "./cluster-key.ts";
import { KEYRING_FILE, Keyring, KeyringError, loadKeyring, readKeyringFile } from "./keyring.ts";

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "orrery-keyring-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("ClusterKey", () => {
  test("a key is at least 32 printable characters; its id and purpose-bound sub-keys are stable and distinct", () => {
    expect(() => new ClusterKey("short")).toThrow(/at least 32/);
    expect(() => new ClusterKey(`${"x".repeat(31)} `)).toThrow();
    const k = new ClusterKey("x".repeat(32));
    expect(k.id).toMatch(/^[0-9a-f]{16}$/);
    expect(new ClusterKey("x".repeat(32)).id).toBe(k.id);
    expect(new ClusterKey("y".repeat(32)).id).not.toBe(k.id);
    expect(k.subkey("gossip").equals(k.subkey("rpc"))).toBe(false);
    const tag = k.mac("gossip", Buffer.from("hello"));
    expect(k.verify("gossip", tag, Buffer.from("hello"))).toBe(true);
    expect(k.verify("rpc", tag, Buffer.from("hello"))).toBe(false);
    expect(ClusterKey.generate().secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe("loadKeyring", () => {
  test("no key configured: one is generated at first start, kept (mode 0600) and reused", () => {
    const dir = tempDir();
    const first = loadKeyring(dir, undefined);
    expect(first.source).toBe("generated");
    expect(first.generated).toBeDefined();
    expect(statSync(join(dir, KEYRING_FILE)).mode & 0o777).toBe(0o600);
    const second = loadKeyring(dir, undefined);
    expect(second.source).toBe("keyring");
    expect(second.generated).toBeUndefined();
    expect(second.keyring.primary().id).toBe(first.keyring.primary().id);
  });

  test("a configured key is used as given and not written to disk until a rotation changes the keyring", () => {
    const dir = tempDir();
    const key = "configured-cluster-key-0123456789abcdef";
    const loaded = loadKeyring(dir, key);
    expect(loaded.source).toBe("CLUSTER_KEY");
    expect(loaded.keyring.primary().secret).toBe(key);
    expect(existsSync(join(dir, KEYRING_FILE))).toBe(false);
    loaded.keyring.persistTo(join(dir, KEYRING_FILE));
    const next = loaded.keyring.install("the-next-cluster-key-0123456789abcdef");
    loaded.keyring.use(next.id);
    loaded.keyring.remove(new ClusterKey(key).id);
    // Restarted with the same (now retired) CLUSTER_KEY: the rotated keyring wins, with a warning.
    const again = loadKeyring(dir, key);
    expect(again.keyring.primary().id).toBe(next.id);
    expect(again.warning).toContain("retired by a key rotation");
    // A key the node never saw replaces the keyring (an operator fixing a wrong key).
    const fresh = loadKeyring(dir, "an-entirely-different-key-0123456789abc");
    expect(fresh.keyring.primary().secret).toBe("an-entirely-different-key-0123456789abc");
    expect(readKeyringFile(join(dir, KEYRING_FILE)).primary().id).toBe(fresh.keyring.primary().id);
  });

  test("rotation rules: use needs an installed key, the key in use cannot be removed, at most four keys", () => {
    const ring = Keyring.of(new ClusterKey("k1".repeat(16)));
    expect(() => ring.use("0000000000000000")).toThrow(KeyringError);
    expect(() => ring.remove(ring.primary().id)).toThrow(/switch to another key first/);
    for (let i = 2; i <= 4; i++) ring.install(`k${i}`.repeat(16));
    expect(() => ring.install("k5".repeat(16))).toThrow(/at most 4/);
    expect(ring.ids().length).toBe(4);
    const dir = tempDir();
    ring.persistTo(join(dir, KEYRING_FILE));
    ring.remove(new ClusterKey("k4".repeat(16)).id);
    const onDisk = JSON.parse(readFileSync(join(dir, KEYRING_FILE), "utf8"));
    expect(onDisk.keys.length).toBe(3);
    expect(onDisk.retired).toEqual([new ClusterKey("k4".repeat(16)).id]);
  });
});
