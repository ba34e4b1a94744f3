// GlusterFS under test: three glusterd, one per server namespace, a replica-3 volume of one brick each (a
// directory on the run's disk), mounted by the FUSE client in the client namespace. Volume options are the
// defaults: the client's fsync reaches every brick, and a write is acknowledged by all three replicas.
//
// Three glusterd on one machine would share /var/lib/glusterd, /var/log/glusterfs and the sockets in /run, so
// each runs in a private mount namespace (`unshare --mount`) with its own directories bound over those paths
// and a tmpfs on /run; the packaged hook scripts (Samba, CTDB) are not copied in, so nothing outside the run's
// directory changes. The `gluster` CLI enters the first glusterd's namespaces (`nsenter -t PID -m -n`).
import { mkdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { BenchLan, Host } from "../netns.ts";
import { type OwnProcesses, run } from "../own-processes.ts";
import { FusePeer } from "./fuse-peer.ts";
import { waitFor } from "../../../test/harness/cluster.ts";
import { mountedType, namespacePids, namespaceRssMiB, packageVersion, resetHwm } from "./system.ts";

const VOLUME = "gv";
const DAEMONS = new Set(["glusterd", "glusterfsd", "glusterfs"]);

interface Server {
  host: Host;
  dir: string;
  brick: string;
  pid: number;
}

export class GlusterSystem extends FusePeer {
  readonly id = "glusterfs" as const;
  private readonly servers: Server[] = [];

  constructor(lan: BenchLan, own: OwnProcesses, runRoot: string, log: (line: string) => void) {
    super(lan, own, runRoot, log, "glusterfs");
  }

  /** Runs the gluster CLI in the first server's network and mount namespaces. */
  private gluster(...args: string[]): string {
    return run(["nsenter", "-t", String(this.servers[0]!.pid), "-m", "-n", "gluster", "--mode=script", ...args]);
  }

  async start(): Promise<void> {
    mkdirSync(this.mount, { recursive: true });
    for (const [k, host] of this.lan.servers.entries()) {
      const dir = join(this.root, `s${k + 1}`);
      for (const sub of ["lib", "log", "brick"]) mkdirSync(join(dir, sub), { recursive: true });
      const script = [
        "mount -t tmpfs tmpfs /run",
        `mount --bind '${join(dir, "lib")}' /var/lib/glusterd`,
        `mount --bind '${join(dir, "log")}' /var/log/glusterfs`,
        "exec glusterd -N --log-level=WARNING",
      ].join(" && ");
      const proc = this.spawnIn(host, ["unshare", "--mount", "--propagation", "private", "sh", "-c", script], join(dir, "glusterd.out"), `glusterd s${k + 1}`);
      this.servers.push({ host, dir, brick: join(dir, "brick", "b"), pid: proc.pid });
    }
    await waitFor(() => (this.gluster("peer", "status"), true), 180_000, "glusterd to answer", 500);
    for (const s of this.servers.slice(1)) {
      await waitFor(() => (this.gluster("peer", "probe", s.host.ip), true), 180_000, `gluster peer probe ${s.host.ip}`, 500);
    }
    await waitFor(() => (this.gluster("peer", "status").match(/Peer in Cluster \(Connected\)/g) ?? []).length === 2, 180_000, "the trusted pool to connect", 500);
    // `force`: the bricks are directories on the root file system, which gluster otherwise refuses.
    this.gluster("volume", "create", VOLUME, "replica", "3", ...this.servers.map((s) => `${s.host.ip}:${s.brick}`), "force");
    this.gluster("volume", "start", VOLUME);
    this.log(`  glusterfs: volume ${VOLUME} replica 3 on ${this.servers.map((s) => s.host.ip).join(", ")}`);

    await this.mountClient();
  }

  protected async mountClient(): Promise<void> {
    this.client = this.spawnIn(
      this.lan.client,
      ["glusterfs", "-N", `--volfile-server=${this.servers[0]!.host.ip}`, `--volfile-id=${VOLUME}`, `--log-file=${join(this.root, "client.log")}`, "--log-level=WARNING", this.mount],
      join(this.root, "client.out"),
      "glusterfs fuse client",
    );
    await waitFor(() => mountedType(this.mount) === "fuse.glusterfs", 180_000, `the GlusterFS mount at ${this.mount}`);
    // The client connects to the bricks after the mount appears: until it has all three, a write may get fewer copies.
    await waitFor(async () => {
      const probe = `.probe-${Date.now()}`;
      await Bun.write(join(this.mount, probe), "probe");
      const ok = (await this.verifyLarge(probe, 5)) === null;
      rmSync(join(this.mount, probe), { force: true });
      return ok;
    }, 180_000, "a probe file on all three bricks", 500);
  }

  async verifyLarge(name: string, size: number): Promise<string | null> {
    const sizes = this.servers.map((s) => {
      try {
        return statSync(join(s.brick, name)).size;
      } catch {
        return null;
      }
    });
    return sizes.every((n) => n === size) ? null : `size on each brick: ${sizes.map((n) => n ?? "missing").join(", ")} (expected ${size})`;
  }

  peakRssMiB(): Record<string, number | null> {
    // A server = its glusterd, brick process (glusterfsd) and self-heal daemon (glusterfs), all in its namespace.
    return Object.fromEntries(this.servers.map((s, k) => [`s${k + 1}`, namespaceRssMiB(s.host.ns, DAEMONS)]));
  }

  resetPeakRss(): void {
    for (const s of this.servers) for (const pid of namespacePids(s.host.ns, DAEMONS)) resetHwm(pid);
  }

  describe(): Record<string, unknown> {
    return {
      version: packageVersion("glusterfs-server"),
      volume: `${VOLUME}: replica 3, one brick per server namespace, default options`,
      servers: this.servers.map((s) => ({ ip: s.host.ip, brick: s.brick })),
      client: `FUSE (glusterfs) in namespace ${this.lan.client.ns}, mounted at ${this.mount}`,
      peakRss: "per server: glusterd + glusterfsd (brick) + glusterfs (self-heal daemon)",
    };
  }
}
