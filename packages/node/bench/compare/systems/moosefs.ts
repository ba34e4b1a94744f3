// MooseFS under test: the master in the first server namespace, one chunkserver per server namespace (a
// directory on the run's disk each), goal 3 set on the root before anything is written, mounted by mfsmount in
// the client namespace. Every daemon runs in the foreground (-f) as root with config files in the run's
// directory only. Two settings differ from the packaged defaults, both for a like-for-like comparison:
//   HDD_FSYNC_BEFORE_CLOSE = 1  a chunkserver fsyncs a chunk before closing it (default 0: never), so that a
//                               write that returned from fsync() is on disk on all three, as with the others;
//   NICE_LEVEL = 0              the daemons would otherwise raise themselves to nice -19 over everything else.
// The master's metadata change log keeps its default (CHANGELOG_SAVE_MODE 0: written in the background, not
// fsynced), which Orrery's manifests (SQLite, synchronous=FULL) do not get to skip.
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BenchLan, Host } from "../netns.ts";
import { type OwnProcesses, run } from "../own-processes.ts";
import { FusePeer } from "./fuse-peer.ts";
import { waitFor } from "../../../test/harness/cluster.ts";
import { mountedType, namespacePids, namespaceRssMiB, packageVersion, resetHwm } from "./system.ts";

const EMPTY_METADATA = "/var/lib/mfs/metadata.mfs.empty";
/** MooseFS chunks are 64 MiB. */
const CHUNK = 64 * 1024 * 1024;
const DAEMONS = new Set(["mfsmaster", "mfschunkserver"]);

const config = (entries: Record<string, string | number>) =>
  `${Object.entries(entries)
    .map(([k, v]) => `${k} = ${v}`)
    .join("\n")}\n`;

export class MooseSystem extends FusePeer {
  readonly id = "moosefs" as const;
  private readonly chunkservers: { host: Host; dir: string }[] = [];

  constructor(lan: BenchLan, own: OwnProcesses, runRoot: string, log: (line: string) => void) {
    super(lan, own, runRoot, log, "moosefs");
  }

  private get master(): Host {
    return this.lan.servers[0]!;
  }

  /** A MooseFS tool (mfssetgoal, mfscheckfile): they ask the master, so they run in the client namespace. */
  private tool(...args: string[]): string {
    return run([...this.lan.enter(this.lan.client), ...args]);
  }

  async start(): Promise<void> {
    mkdirSync(this.mount, { recursive: true });
    const mdir = join(this.root, "master");
    mkdirSync(mdir, { recursive: true });
    copyFileSync(EMPTY_METADATA, join(mdir, "metadata.mfs"));
    writeFileSync(join(mdir, "mfsexports.cfg"), "*\t/\trw,alldirs,admin,maproot=0:0\n");
    writeFileSync(join(mdir, "mfstopology.cfg"), "");
    writeFileSync(
      join(mdir, "mfsmaster.cfg"),
      config({
        WORKING_USER: "root",
        WORKING_GROUP: "root",
        NICE_LEVEL: 0,
        DATA_PATH: mdir,
        EXPORTS_FILENAME: join(mdir, "mfsexports.cfg"),
        TOPOLOGY_FILENAME: join(mdir, "mfstopology.cfg"),
        MATOML_LISTEN_HOST: this.master.ip,
        MATOCS_LISTEN_HOST: this.master.ip,
        MATOCL_LISTEN_HOST: this.master.ip,
      }),
    );
    this.spawnIn(this.master, ["mfsmaster", "-f", "-c", join(mdir, "mfsmaster.cfg"), "start"], join(mdir, "daemon.out"), "mfsmaster");

    for (const [k, host] of this.lan.servers.entries()) {
      const dir = join(this.root, `cs${k + 1}`);
      mkdirSync(join(dir, "hdd"), { recursive: true });
      writeFileSync(join(dir, "mfshdd.cfg"), `${join(dir, "hdd")}\n`);
      writeFileSync(
        join(dir, "mfschunkserver.cfg"),
        config({
          WORKING_USER: "root",
          WORKING_GROUP: "root",
          NICE_LEVEL: 0,
          DATA_PATH: dir,
          HDD_CONF_FILENAME: join(dir, "mfshdd.cfg"),
          HDD_FSYNC_BEFORE_CLOSE: 1,
          MASTER_HOST: this.master.ip,
          BIND_HOST: host.ip,
          CSSERV_LISTEN_HOST: host.ip,
        }),
      );
      this.spawnIn(host, ["mfschunkserver", "-f", "-c", join(dir, "mfschunkserver.cfg"), "start"], join(dir, "daemon.out"), `mfschunkserver cs${k + 1}`);
      this.chunkservers.push({ host, dir });
    }

    await this.mountClient();
    await waitFor(() => (this.tool("mfssetgoal", "-r", "3", this.mount), true), 180_000, "mfssetgoal -r 3 on the root", 500);
    // Until all three chunkservers have registered, a new chunk gets fewer copies.
    await waitFor(async () => {
      const probe = join(this.mount, `.probe-${Date.now()}`);
      await Bun.write(probe, "probe");
      const ok = (await this.verifyLarge(probe.slice(this.mount.length + 1), 5)) === null;
      rmSync(probe, { force: true });
      return ok;
    }, 180_000, "a probe file with 3 copies of its chunk", 1000);
    this.log(`  moosefs: master ${this.master.ip}, chunkservers ${this.chunkservers.map((c) => c.host.ip).join(", ")}, goal 3`);
  }

  /** Starts mfsmount, again and again until the mount is there: it exits at once while the master does not answer. */
  protected async mountClient(): Promise<void> {
    await waitFor(() => {
      if (mountedType(this.mount)?.startsWith("fuse")) return true;
      if (!this.client || this.client.exitCode !== null || this.client.signalCode !== null) {
        if (this.client) this.own.forget(this.client.pid);
        this.client = this.spawnIn(this.lan.client, ["mfsmount", "-f", this.mount, "-H", this.master.ip], join(this.root, "mfsmount.out"), "mfsmount");
      }
      return false;
    }, 180_000, `the MooseFS mount at ${this.mount}`, 1000);
  }

  /** Every chunk of the file valid on 3 chunkservers (mfscheckfile: only a "chunks with 3 copies" line). */
  async verifyLarge(name: string, size: number): Promise<string | null> {
    const out = this.tool("mfscheckfile", join(this.mount, name));
    const counts = [...out.matchAll(/chunks with (\d+) cop(?:y|ies):\s+(\d+)/g)].map((m) => ({ copies: Number(m[1]), chunks: Number(m[2]) }));
    const expected = Math.max(1, Math.ceil(size / CHUNK));
    const three = counts.find((c) => c.copies === 3)?.chunks ?? 0;
    return three === expected && counts.every((c) => c.copies === 3) ? null : `mfscheckfile: ${out.trim().split("\n").slice(1).join("; ")} (expected ${expected} chunks with 3 copies)`;
  }

  peakRssMiB(): Record<string, number | null> {
    // A server = its chunkserver (and, on the first, the master).
    return Object.fromEntries(this.chunkservers.map((s, k) => [`s${k + 1}`, namespaceRssMiB(s.host.ns, DAEMONS)]));
  }

  resetPeakRss(): void {
    for (const s of this.chunkservers) for (const pid of namespacePids(s.host.ns, DAEMONS)) resetHwm(pid);
  }

  describe(): Record<string, unknown> {
    return {
      version: packageVersion("moosefs-master"),
      master: this.master.ip,
      chunkservers: this.chunkservers.map((c) => ({ ip: c.host.ip, hdd: join(c.dir, "hdd") })),
      goal: 3,
      settings: "HDD_FSYNC_BEFORE_CLOSE=1 and NICE_LEVEL=0 on every daemon; everything else default",
      client: `FUSE (mfsmount) in namespace ${this.lan.client.ns}, mounted at ${this.mount}`,
      peakRss: "per server: mfschunkserver (+ mfsmaster on the first)",
    };
  }
}
