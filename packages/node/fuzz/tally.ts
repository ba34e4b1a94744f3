// What the campaign sent and what came back: inputs per family and per node, HTTP statuses, anomalies
// (the node misbehaved: a write accepted, a request never answered, a 5xx) with an example each, and
// the last inputs sent to every node, so a crash can be replayed from the input that preceded it.
export type AnomalyKind =
  /** A request that could change something was answered 2xx: the fuzzer's safety or the node's checks failed. */
  | "write-accepted"
  /** A complete request (HTTP, or a frame the server must answer) got no answer in time: a hang. */
  | "unanswered"
  /** A 5xx answer to a request. */
  | "server-error"
  /** The server closed a connection after frames it should have answered and kept reading. */
  | "unexpected-close"
  /** The fuzzer could not complete a real handshake (the node refused a key holder). */
  | "handshake-refused";

export interface RecentInput {
  at: string;
  family: string;
  /** Base64 of the input (its first 4 KiB). */
  base64: string;
  bytes: number;
}

const RECENT = 64;
const EXAMPLES = 5;
const SLOWEST = 8;

export class Tally {
  readonly byFamily = new Map<string, number>();
  readonly byNode = new Map<string, number>();
  readonly httpStatus = new Map<string, number>();
  readonly anomalies = new Map<AnomalyKind, { count: number; examples: string[] }>();
  readonly notes = new Map<string, number>();
  private readonly recent = new Map<string, RecentInput[]>();
  /** The slowest answers (ms), each with what was asked: an input that stalls a node shows up here. */
  readonly slowest: Array<{ ms: number; what: string }> = [];
  total = 0;

  sent(node: string, family: string, bytes: Uint8Array): void {
    this.total++;
    this.byFamily.set(family, (this.byFamily.get(family) ?? 0) + 1);
    this.byNode.set(node, (this.byNode.get(node) ?? 0) + 1);
    let list = this.recent.get(node);
    if (!list) this.recent.set(node, (list = []));
    if (list.length >= RECENT) list.shift();
    list.push({ at: new Date().toISOString(), family, base64: Buffer.from(bytes.subarray(0, 4096)).toString("base64"), bytes: bytes.byteLength });
  }

  status(family: string, status: number | undefined): void {
    const key = `${family} ${status === undefined ? "none" : `${Math.floor(status / 100)}xx`}`;
    this.httpStatus.set(key, (this.httpStatus.get(key) ?? 0) + 1);
  }

  anomaly(kind: AnomalyKind, example: string): void {
    let a = this.anomalies.get(kind);
    if (!a) this.anomalies.set(kind, (a = { count: 0, examples: [] }));
    a.count++;
    if (a.examples.length < EXAMPLES) a.examples.push(example.slice(0, 600));
  }

  /** Keeps the SLOWEST slowest answers. */
  latency(ms: number, what: () => string): void {
    if (this.slowest.length >= SLOWEST && ms <= this.slowest[this.slowest.length - 1]!.ms) return;
    this.slowest.push({ ms: Math.round(ms), what: what() });
    this.slowest.sort((a, b) => b.ms - a.ms);
    this.slowest.length = Math.min(this.slowest.length, SLOWEST);
  }

  /** Something worth a count in the report that is not a misbehaviour (send errors, reconnects). */
  note(what: string): void {
    this.notes.set(what, (this.notes.get(what) ?? 0) + 1);
  }

  recentInputs(): Record<string, RecentInput[]> {
    return Object.fromEntries(this.recent);
  }
}

/** Printable start of an input, for anomaly examples. */
export function preview(bytes: Uint8Array, max = 200): string {
  const text = Buffer.from(bytes.subarray(0, max)).toString("latin1");
  return JSON.stringify(text) + (bytes.byteLength > max ? ` (+${bytes.byteLength - max} bytes)` : "");
}
