// The fuzzer's promises about its own inputs, checked with the node's own code: every datagram is refused
// by the node's seal and validator for the reason its family names, every frame a member sends is
// malformed the way its fate says (never a valid PUT or an RPC the node would act on), and every HTTP
// request that could change something carries a refusal and stays out of the baseline folder.
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { GOSSIP_EXPECTED, GossipInputs, type GossipFamily } from "../../fuzz/gossip-inputs.ts";
import { HttpInputs } from "../../fuzz/http-inputs.ts";
import { mutateJson, type Json } from "../../fuzz/mutate.ts";
import { Rng } from "../../fuzz/rng.ts";
import { FrameInputs } from "../../fuzz/transfer-inputs.ts";
import { judgeRequest } from "../../src/gateway/csrf.ts";
import { HostAllowList } from "../../src/gateway/host-check.ts";
import { decodeMessage } from "../../src/membership/messages.ts";
import { durabilities } from "../../src/replication/placement.ts";
import { jsonMethods, isJsonMethod } from "../../src/rpc/methods.ts";
import { ClusterKey } from "../../src/security/cluster-key.ts";
import { DatagramSeal } from "../../src/security/datagram-seal.ts";
import { Keyring } from "../../src/security/keyring.ts";
import { MAX_CHUNK_SIZE_BYTES } from "../../src/store/chunk-storage.ts";
import { FrameDecoder, FrameType, parseRpc, ProtocolError } from "../../src/transfer/frames.ts";

const KEY = "fuzz-generator-test-cluster-key-000000000";
const members = ["n1", "n2", "n3"].map((id, i) => ({ id, gossipPort: 14_001 + i, httpPort: 13_001 + i, transferPort: 15_001 + i }));
const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

describe("gossip datagrams", () => {
  test("each is refused by the node's seal and validator, for the reason its family names", () => {
    const gen = new GossipInputs(new Rng(7), members, KEY);
    const node = new DatagramSeal("gossip", Keyring.of(new ClusterKey(KEY)));
    const seen = new Map<string, Set<string>>();
    for (let i = 0; i < 4000; i++) {
      const d = gen.next();
      const opened = node.open(d.bytes, (payload) => {
        try {
          decodeMessage(payload);
          return true;
        } catch {
          return false;
        }
      });
      expect({ family: d.family, ok: opened.ok }).toEqual({ family: d.family, ok: false });
      if (opened.ok) continue;
      const reasons = seen.get(d.family) ?? new Set();
      seen.set(d.family, reasons.add(opened.reason));
      const expected = GOSSIP_EXPECTED[d.family as GossipFamily];
      // Unsealed JSON shorter than the seal's overhead is "short" before it is "magic".
      if (expected !== "various") expect([expected, ...(expected === "magic" ? ["short"] : [])]).toContain(opened.reason);
    }
    expect([...seen.keys()].sort()).toEqual(Object.keys(GOSSIP_EXPECTED).sort());
    expect([...seen.get("udp.random")!].sort()).toEqual(["bad_mac", "magic", "short", "unknown_key"]);
  });
});

describe("frames from a member", () => {
  test("answered frames decode; none is a valid PUT or an RPC its schema accepts; refused ones are refused", () => {
    const chunk = new Uint8Array([1, 2, 3]);
    // The bound a node applies to chunk frames: the ceiling of the chunk size setting.
    const gen = new FrameInputs(new Rng(11), ["n1", "n2", "n3"], [sha256(chunk)], MAX_CHUNK_SIZE_BYTES);
    const fates = new Map<string, number>();
    let closes = 0;
    let closesRefused = 0;
    for (let i = 0; i < 3000; i++) {
      const f = gen.next(i % 2 === 0);
      fates.set(`${f.family}/${f.fate}`, (fates.get(`${f.family}/${f.fate}`) ?? 0) + 1);
      if (f.raw) continue;
      const decoder = new FrameDecoder({ maxChunkSize: MAX_CHUNK_SIZE_BYTES, accept: "requests" });
      let refused: unknown;
      const frames: Array<{ type: number; payload: Uint8Array }> = [];
      try {
        let parts: Uint8Array[] = [];
        for (const ev of decoder.push(f.bytes)) {
          if (ev.kind === "body") parts.push(ev.bytes.slice());
          if (ev.kind === "end") {
            frames.push({ type: ev.head.type, payload: Buffer.concat(parts) });
            parts = [];
          }
        }
        for (const fr of frames) {
          if (fr.type !== FrameType.RPC) continue;
          const { method, body } = parseRpc(fr.payload);
          if (isJsonMethod(method)) expect({ method, valid: jsonMethods[method].request.safeParse(body).success }).toEqual({ method, valid: false });
        }
      } catch (err) {
        refused = err;
      }
      if (f.fate === "answered") {
        expect({ family: f.family, refused }).toEqual({ family: f.family, refused: undefined });
        expect(frames.length).toBe(1);
      }
      if (f.fate === "closes") {
        closes++;
        if (refused instanceof ProtocolError) closesRefused++;
        // A garbage RPC body can happen to be JSON ("7"): then only the method's schema refuses it.
        else expect(f.family).toBe("frame.rpc-garbage");
      }
      if (f.fate === "stalls") expect(frames.length).toBe(0);
      for (const fr of frames) {
        if (fr.type === FrameType.PUT_CHUNK) expect(Buffer.from(fr.payload.subarray(0, 32)).toString("hex")).not.toBe(sha256(fr.payload.subarray(32)));
      }
    }
    expect(closesRefused / closes).toBeGreaterThan(0.95);
    for (const family of ["frame.get", "frame.has", "frame.put-mismatch", "frame.rpc-invalid", "frame.rpc-unknown", "frame.rpc-garbage", "frame.bad-header", "frame.truncated", "record.garbage"]) {
      expect([...fates.keys()].some((k) => k.startsWith(`${family}/`))).toBe(true);
    }
  });
});

describe("HTTP requests", () => {
  const baseline = ["fuzz-baseline/empty.bin", "fuzz-baseline/one.bin", "fuzz-baseline/small.txt"];
  const hosts = new HostAllowList(["127.0.0.1"]);
  const headersOf = (text: string) => {
    const h = new Headers();
    for (const line of text.split("\r\n\r\n")[0]!.split("\r\n").slice(1)) {
      const i = line.indexOf(":");
      try {
        h.append(line.slice(0, i).trim(), line.slice(i + 1).trim());
      } catch {
        // not a header a server would accept either
      }
    }
    return h;
  };

  test("every write carries a refusal that the node's own rules confirm, and never names the baseline folder", () => {
    const gen = new HttpInputs(new Rng(13), baseline);
    const refusals = new Map<string, number>();
    for (let i = 0; i < 5000; i++) {
      const input = gen.next(13_001);
      if (!input.write) continue;
      const text = Buffer.from(input.bytes).toString("latin1");
      expect(text).not.toContain("fuzz-baseline");
      expect(input.refusal).toBeDefined();
      refusals.set(input.refusal!, (refusals.get(input.refusal!) ?? 0) + 1);
      const method = text.slice(0, text.indexOf(" "));
      const headers = headersOf(text);
      if (input.refusal === "host") expect(hosts.allows(headers.get("host") ?? undefined)).toBe(false);
      if (input.refusal === "csrf") expect(judgeRequest(method, headers).ok).toBe(false);
      if (input.refusal === "durability") {
        const target = new URL(text.split(" ")[1]!, "http://x");
        expect(target.pathname).toStartWith("/api/files/fuzz-scratch/");
        expect(durabilities).not.toContain(target.searchParams.get("durability")!);
      }
      if (input.refusal === "missing-target") expect(text).toMatch(/^\S+ \/(dav|api\/files)\/fuzz-scratch\//);
      if (input.refusal === "no-route") expect(text).not.toMatch(/^\S+ \/(api|dav)/i);
    }
    expect([...refusals.keys()].sort()).toEqual(["admin-credential", "csrf", "durability", "host", "missing-target", "no-route", "schema"]);
  });

  test("write paths that route by path cannot climb out of the scratch folder", () => {
    const gen = new HttpInputs(new Rng(17), baseline);
    for (let i = 0; i < 5000; i++) {
      const segment = gen.cleanSegment();
      expect(segment).not.toMatch(/[/?#]/);
      const decoded = segment.replace(/%2e/gi, ".");
      expect([".", ".."]).not.toContain(decoded);
    }
  });
});

describe("JSON mutations", () => {
  // Mutations nest values up to 5000 levels deep; CI once overflowed the stack walking a value nested again.
  test("mutating a mutation's output again and again never overflows the stack, and stays serialisable", () => {
    const rng = new Rng(11);
    let deepest = 0;
    for (let run = 0; run < 40; run++) {
      let value: Json = { type: "ping", id: "n1", members: [{ id: "n2", incarnation: 1 }] };
      for (let i = 0; i < 30; i++) {
        value = mutateJson(rng, value);
        const text = JSON.stringify(value);
        deepest = Math.max(deepest, text.length - text.replace(/^\[+/, "").length);
      }
    }
    expect(deepest).toBeGreaterThanOrEqual(1000);
  });
});
