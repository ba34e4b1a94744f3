// TLS for clients with real node processes: a node with TLS on serves its HTTP and S3 ports over HTTPS with a
// self-signed certificate kept in DATA_DIR and prints its fingerprint (plain HTTP sent there is redirected); the CLI pins it on first use and
// refuses a changed one; TLS_CERT/TLS_KEY are served when given; invalid files exit 2 naming the variable.
import { afterAll, describe, expect, test } from "bun:test";
import { X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { selfSignedCertificate } from "../../src/tls/self-signed.ts";
import { TestNode } from "../harness/cluster.ts";
import { freePort } from "../harness/ports.ts";

const PKG = join(import.meta.dir, "../..");
const root = mkdtempSync(join(tmpdir(), "orrery-tls-"));
const nodes: TestNode[] = [];

afterAll(async () => {
  for (const n of nodes) await n.stop();
  rmSync(root, { recursive: true, force: true });
});

async function startTlsNode(id: string, env: Record<string, string>): Promise<{ node: TestNode; base: string; s3: number }> {
  const s3 = await freePort();
  const node = new TestNode(id, join(root, id), await freePort(), await freePort(), await freePort(), {
    TLS: "on", AUTH: "off", DISCOVERY: "off", S3_PORT: String(s3), ...env,
  });
  nodes.push(node);
  node.start();
  await node.waitReady();
  return { node, base: node.url, s3 };
}

/** The fingerprint the node printed at start (the last one: a restart prints again). */
const printedFingerprint = (node: TestNode) => [...node.logTail(200).matchAll(/SHA-256 fingerprint:\n\s+([0-9A-F:]{95})/g)].at(-1)?.[1];

async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  const p = Bun.spawn([process.execPath, "src/main.ts", ...args], { cwd: PKG, env: { ...process.env, ORRERY_TLS_FINGERPRINT: "", ORRERY_TLS_CERT: "", ...env }, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out, err };
}

describe("a node with TLS on and no certificate of its own", () => {
  test("serves HTTPS on the HTTP and S3 ports with a self-signed certificate it keeps and prints; plain HTTP is told to use https", async () => {
    const { node, base, s3 } = await startTlsNode("t1", {});
    const certFile = join(node.dataDir, "tls", "cert.pem");
    const cert = readFileSync(certFile, "utf8");
    const x509 = new X509Certificate(cert);
    expect(printedFingerprint(node)).toBe(x509.fingerprint256);
    expect(x509.subjectAltName).toContain("IP Address:127.0.0.1");
    // Verified against the kept certificate: the node serves exactly that one.
    const status = await fetch(`${base}/status`, { tls: { ca: cert } } as RequestInit);
    expect(status.status).toBe(200);
    const s3Answer = await fetch(`https://127.0.0.1:${s3}/`, { tls: { ca: cert } } as RequestInit);
    expect(s3Answer.status).toBe(403); // S3 over TLS: an unsigned request is refused in S3's words
    expect(await s3Answer.text()).toContain("<Error>");
    // Plain HTTP to the HTTPS port is told where the https URL is, not cut off: curl shows the redirect and the words.
    const curl = Bun.spawnSync(["curl", "-si", `http://127.0.0.1:${node.httpPort}/status`]);
    const answer = curl.stdout.toString();
    expect(answer).toStartWith("HTTP/1.1 301");
    expect(answer).toContain(`location: https://127.0.0.1:${node.httpPort}/status`);
    expect(answer).toContain(`This port speaks HTTPS only. Use https://127.0.0.1:${node.httpPort}/status`);
    const followed = Bun.spawnSync(["curl", "-sL", "--cacert", certFile, `http://127.0.0.1:${node.httpPort}/status`]);
    expect(JSON.parse(followed.stdout.toString())).toMatchObject({ nodeId: "t1" });
    const post = await fetch(`http://127.0.0.1:${s3}/bucket`, { method: "PUT", body: "x", redirect: "manual" });
    expect([post.status, await post.text()]).toEqual([400, `This port speaks HTTPS only. Use https://127.0.0.1:${s3}/bucket\n`]);
  }, 60_000);

  test("the CLI refuses an unknown certificate, pins an accepted one, then refuses a changed one until it is accepted", async () => {
    const node = nodes.find((n) => n.id === "t1")!;
    const base = `https://127.0.0.1:${node.httpPort}`;
    const config = mkdtempSync(join(root, "cfg-"));
    const env = { XDG_CONFIG_HOME: config };
    const fp = printedFingerprint(node)!;

    const unknown = await cli(["--node", base, "status"], env);
    expect(unknown.code).toBe(5);
    expect(unknown.err).toContain(fp);
    expect(unknown.err).toContain("--accept-fingerprint");
    expect(existsSync(join(config, "orrery", "known_nodes.json"))).toBe(false);
    // Plain HTTP to an HTTPS port: the node redirects, and the CLI (which follows no redirect) says which URL would work.
    const plain = await cli(["--node", `http://127.0.0.1:${node.httpPort}`, "status"], env);
    expect([plain.code, plain.err]).toEqual([3, expect.stringContaining(`use https://127.0.0.1:${node.httpPort}`)]);

    const wrong = await cli(["--node", base, "status"], { ...env, ORRERY_TLS_FINGERPRINT: "ab".repeat(32) });
    expect(wrong.code).toBe(5);
    expect(wrong.err).toContain("not the one you accepted");

    const accepted = await cli(["--node", base, "status", "--accept-fingerprint", fp], env);
    expect(accepted.code).toBe(0);
    expect(accepted.err).toContain("pinned the certificate");
    const pinned = JSON.parse(readFileSync(join(config, "orrery", "known_nodes.json"), "utf8"));
    expect(Object.keys(pinned.nodes)).toEqual([`127.0.0.1:${node.httpPort}`]);
    expect((await cli(["--node", base, "ls", "/"], env)).code).toBe(0); // pinned: no question asked

    // A new certificate (the kept one removed, so the restart makes another): refused with both fingerprints.
    await node.stop();
    rmSync(join(node.dataDir, "tls"), { recursive: true });
    node.start();
    await node.waitReady();
    const fresh = printedFingerprint(node)!;
    expect(fresh).not.toBe(fp);
    const changed = await cli(["--node", base, "ls", "/"], env);
    expect(changed.code).toBe(5);
    expect(changed.err).toContain("other than the one pinned");
    expect(changed.err).toContain(fp);
    expect(changed.err).toContain(fresh);
    expect((await cli(["--node", base, "ls", "/", "--accept-fingerprint", fresh], env)).code).toBe(0);
    expect((await cli(["--node", base, "ls", "/"], env)).code).toBe(0);
  }, 90_000);
});

describe("TLS=auto", () => {
  test("a node bound beyond loopback serves HTTPS with a certificate naming its LAN address", async () => {
    const { node, base } = await startTlsNode("t3", { TLS: "auto", BIND_ADDRESS: "0.0.0.0" });
    expect(base).toStartWith("https://");
    const x509 = new X509Certificate(readFileSync(join(node.dataDir, "tls", "cert.pem"), "utf8"));
    const advertised = /"url":"https:\/\/([0-9.]+):/.exec(node.logTail(200))?.[1];
    expect(advertised).toBeDefined();
    expect(x509.subjectAltName).toContain(`IP Address:${advertised}`);
    expect(printedFingerprint(node)).toBe(x509.fingerprint256);
  }, 60_000);
});

describe("TLS_CERT and TLS_KEY", () => {
  test("are served when given", async () => {
    const pair = selfSignedCertificate(["orrery.test", "127.0.0.1"]);
    const certFile = join(root, "own-cert.pem");
    const keyFile = join(root, "own-key.pem");
    writeFileSync(certFile, pair.certPem);
    writeFileSync(keyFile, pair.keyPem);
    const { node, base } = await startTlsNode("t2", { TLS_CERT: certFile, TLS_KEY: keyFile, TLS: "auto" });
    expect(base).toStartWith("https://");
    expect(printedFingerprint(node)).toBe(new X509Certificate(pair.certPem).fingerprint256);
    expect((await fetch(`${base}/status`, { tls: { ca: pair.certPem } } as RequestInit)).status).toBe(200);
    expect(existsSync(join(node.dataDir, "tls"))).toBe(false); // nothing self-signed made
    // The CLI trusts a certificate file it is given (a health check on the node's host), and no other.
    const config = mkdtempSync(join(root, "cfg-"));
    expect((await cli(["--node", base, "status", "--tls-cert", certFile], { XDG_CONFIG_HOME: config })).code).toBe(0);
    const otherFile = join(root, "other-cert.pem");
    writeFileSync(otherFile, selfSignedCertificate(["127.0.0.1"]).certPem);
    const refused = await cli(["--node", base, "status"], { XDG_CONFIG_HOME: mkdtempSync(join(root, "cfg-")), ORRERY_TLS_CERT: otherFile });
    expect([refused.code, refused.err]).toEqual([5, expect.stringContaining("not the one you accepted")]);
  }, 60_000);

  test("an unreadable, malformed or mismatched file exits 2 naming the variable", async () => {
    const good = selfSignedCertificate(["127.0.0.1"]);
    const other = selfSignedCertificate(["127.0.0.1"]);
    const file = (name: string, text: string) => {
      const p = join(root, name);
      writeFileSync(p, text);
      return p;
    };
    const cases: [Record<string, string>, string][] = [
      [{ TLS_CERT: file("junk.pem", "not a certificate"), TLS_KEY: file("k1.pem", good.keyPem) }, "TLS_CERT"],
      [{ TLS_CERT: file("c2.pem", good.certPem), TLS_KEY: file("junk-key.pem", "not a key") }, "TLS_KEY"],
      [{ TLS_CERT: file("c3.pem", good.certPem), TLS_KEY: file("k3.pem", other.keyPem) }, "TLS_KEY"],
      [{ TLS_CERT: join(root, "missing.pem"), TLS_KEY: file("k4.pem", good.keyPem) }, "TLS_CERT"],
      [{ TLS_CERT: file("c5.pem", good.certPem) }, "TLS_KEY"],
    ];
    for (const [env, variable] of cases) {
      const p = Bun.spawn([process.execPath, "src/main.ts", "node"], {
        cwd: PKG, env: { ...process.env, DATA_DIR: join(root, "never"), TLS_CERT: "", TLS_KEY: "", ...env }, stdout: "pipe", stderr: "pipe",
      });
      const [err, code] = await Promise.all([new Response(p.stderr).text(), p.exited]);
      expect([code, err]).toEqual([2, expect.stringContaining(`invalid ${variable}`)]);
    }
  }, 60_000);
});
