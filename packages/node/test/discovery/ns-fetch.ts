// Runs inside a network namespace for lan.test.ts (the test process itself cannot enter one):
export {};
// `bun ns-fetch.ts METHOD URL [BODY_FILE]` prints {status, body (base64)} as one JSON line.
const [method = "GET", url, bodyFile] = process.argv.slice(2);
if (!url) {
  process.stderr.write("usage: bun ns-fetch.ts METHOD URL [BODY_FILE]\n");
  process.exit(2);
}
try {
  const res = await fetch(url, {
    method,
    body: bodyFile ? Bun.file(bodyFile) : undefined,
    signal: AbortSignal.timeout(10_000),
  });
  const body = Buffer.from(await res.arrayBuffer()).toString("base64");
  process.stdout.write(`${JSON.stringify({ status: res.status, body })}\n`);
} catch (err) {
  process.stdout.write(`${JSON.stringify({ status: 0, error: String(err) })}\n`);
}
