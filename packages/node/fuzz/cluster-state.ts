// The cluster state the campaign must leave as it found it: a baseline of files (a few sizes, multi-chunk
// included) written before, and what every node says about membership, the baseline files' bytes, the
// baseline folder, the root folder and the (never created) scratch folder.
import type { TestCluster } from "../test/harness/cluster.ts";
import type { Rng } from "./rng.ts";
import { SCRATCH } from "./transfer-inputs.ts";

export const BASELINE_DIR = "fuzz-baseline";

export interface BaselineFile {
  path: string;
  size: number;
  sha256: string;
  chunks: string[];
}

/** Small files first: the HTTP generator reads those most. 1 MiB chunks, so the last two are multi-chunk. */
const SIZES: Array<[string, number]> = [
  ["empty.bin", 0],
  ["one.bin", 1],
  ["small.txt", 4096],
  ["dir/nested.bin", 100_000],
  ["two-chunks.bin", 1024 * 1024 + 7],
  ["four-chunks.bin", 3.5 * 1024 * 1024],
];

const sha256 = (b: Uint8Array) => new Bun.CryptoHasher("sha256").update(b).digest("hex");

export async function writeBaseline(cluster: TestCluster, rng: Rng): Promise<BaselineFile[]> {
  const url = cluster.nodes[0]!.url;
  const out: BaselineFile[] = [];
  for (const [name, size] of SIZES) {
    const path = `${BASELINE_DIR}/${name}`;
    const body = rng.bytes(size);
    const res = await fetch(`${url}/api/files/${path}?durability=all`, { method: "PUT", body });
    if (res.status !== 201) throw new Error(`baseline ${path}: ${res.status} ${await res.text()}`);
    const answer = (await res.json()) as { sha256: string; chunks: string[] };
    if (answer.sha256 !== sha256(body)) throw new Error(`baseline ${path}: the node reports another sha256`);
    out.push({ path, size, sha256: answer.sha256, chunks: answer.chunks });
  }
  const mkdir = await fetch(`${url}/api/mkdir`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ path: `${BASELINE_DIR}/empty-dir` }) });
  if (mkdir.status !== 201) throw new Error(`baseline empty-dir: ${mkdir.status}`);
  return out;
}

export interface MemberView {
  id: string;
  state: string;
  incarnation: number;
}

export interface NodeView {
  up: boolean;
  members: MemberView[];
  /** Names in the baseline folder and in the root folder, sorted. */
  baselineEntries: string[];
  rootEntries: string[];
  /** Status of GET /api/files/<scratch>: 404 while nothing was ever written there. */
  scratchStatus: number;
  /** sha256 of each baseline file as read through this node (or the error). */
  files: Record<string, string>;
}

const get = (url: string) => fetch(url, { signal: AbortSignal.timeout(30_000) });

async function entries(url: string, path: string): Promise<string[]> {
  const res = await get(`${url}/api/files/${path}${path ? "/" : ""}?limit=10000`);
  if (!res.ok) return [`(${res.status})`];
  return ((await res.json()) as { entries: Array<{ name: string }> }).entries.map((e) => e.name).sort();
}

export async function viewNode(url: string, baseline: readonly BaselineFile[]): Promise<NodeView> {
  try {
    const status = await get(`${url}/status`);
    if (!status.ok) throw new Error(`status ${status.status}`);
    const members = (((await (await get(`${url}/api/cluster`)).json()) as { members: MemberView[] }).members ?? [])
      .map(({ id, state, incarnation }) => ({ id, state, incarnation }))
      .sort((a, b) => a.id.localeCompare(b.id));
    const files: Record<string, string> = {};
    for (const f of baseline) {
      const res = await get(`${url}/api/files/${f.path}`);
      files[f.path] = res.ok ? sha256(new Uint8Array(await res.arrayBuffer())) : `HTTP ${res.status}`;
    }
    const scratchStatus = (await get(`${url}/api/files/${SCRATCH}`)).status;
    return { up: true, members, baselineEntries: await entries(url, BASELINE_DIR), rootEntries: await entries(url, ""), scratchStatus, files };
  } catch (err) {
    return { up: false, members: [], baselineEntries: [], rootEntries: [], scratchStatus: 0, files: { error: (err as Error).message } };
  }
}

export async function viewCluster(cluster: TestCluster, baseline: readonly BaselineFile[]): Promise<Record<string, NodeView>> {
  const out: Record<string, NodeView> = {};
  for (const n of cluster.nodes) out[n.id] = await viewNode(n.url, baseline);
  return out;
}

/** Every node up and seeing exactly `ids`, all alive. */
export function membershipSettled(view: Record<string, NodeView>, ids: readonly string[]): boolean {
  return Object.values(view).every((v) => v.up && v.members.length === ids.length && v.members.every((m, i) => m.id === ids[i] && m.state === "alive"));
}
