// Quotas: a user's files are those in their home folder, whoever wrote them; their bytes (each file once,
// whatever its copies) may not pass the user's quota. A write is checked before it is accepted: a declared
// length beyond the room left is refused before anything is stored, and a body without one is cut off (and
// refused) once it passes the room, so no upload stores more than the quota allows.
// Uploads being received on this node hold their bytes (the declared length, or what has arrived) until their
// write ends, so concurrent uploads through one node cannot together pass the quota; uploads through several
// nodes at once are each checked against what is committed and what their own node holds.
import { OrreryError } from "../errors.ts";
import { HOME_ROOT, homeOf, type UserRecord } from "./records.ts";

export interface QuotaComponents {
  user: (name: string) => UserRecord | undefined;
  /** Bytes of the live files below a canonical folder path (ManifestStore.liveBytesBelow: per-folder sums). */
  bytesUnder: (dir: string) => number;
}

/** The user whose home holds canonical `path`, if it is below a home folder. */
export function homeOwnerOf(path: string): string | undefined {
  const m = /^home\/([^/]+)\//.exec(path);
  return path.startsWith(`${HOME_ROOT}/`) && m ? m[1] : undefined;
}

/** A write being received: its checked body, and release() once the write ended (either way). */
export interface QuotaHold {
  body: ReadableStream<Uint8Array> | null;
  release(): void;
}

export class Quotas {
  /** Bytes held by uploads in progress on this node, per home owner. */
  private readonly held = new Map<string, number>();

  constructor(private readonly c: QuotaComponents) {}

  /** Bytes the user's files take. */
  used(name: string): number {
    return this.c.bytesUnder(homeOf(name));
  }

  /**
   * Bytes a write of `path` may bring (replacing a file of `replacing` bytes); Infinity when no quota applies.
   */
  room(path: string, replacing = 0): number {
    const owner = homeOwnerOf(path);
    const quota = owner === undefined ? null : (this.c.user(owner)?.quotaBytes ?? null);
    if (owner === undefined || quota === null) return Number.POSITIVE_INFINITY;
    return Math.max(0, quota - (this.used(owner) - replacing) - (this.held.get(owner) ?? 0));
  }

  /** Bytes of a file, or of every live file below a folder. */
  bytesOf(entry: { path: string; kind: "file" | "dir"; size: number }): number {
    return entry.kind === "file" ? entry.size : this.c.bytesUnder(entry.path);
  }

  /**
   * A copy, or a move from one user's home to another's (or from outside the homes): the destination's owner
   * takes the bytes on. A move within one home changes nothing. `replacing`: what the destination held.
   */
  checkTransfer(entry: { path: string; kind: "file" | "dir"; size: number }, to: string, move: boolean, replacing = 0): void {
    if (move && homeOwnerOf(entry.path) === homeOwnerOf(to)) return;
    if (this.room(to, replacing) === Number.POSITIVE_INFINITY) return;
    this.check(to, this.bytesOf(entry), replacing);
  }

  /** Throws 507 quota_exceeded when `bytes` more would pass the quota of the path's owner. */
  check(path: string, bytes: number, replacing = 0): void {
    const room = this.room(path, replacing);
    if (bytes > room) throw quotaExceeded(path, bytes, room);
  }

  /**
   * The body of a write of `path`, checked: refused now when its declared length is beyond the room left, else
   * cut off with the same refusal once it passes the room (a body of unknown length). Until release(), the write
   * holds its bytes against the owner's room, so writes running at the same time see each other.
   */
  hold(path: string, body: ReadableStream<Uint8Array> | null, declared: number | undefined, replacing = 0): QuotaHold {
    const owner = homeOwnerOf(path);
    const quota = owner === undefined ? null : (this.c.user(owner)?.quotaBytes ?? null);
    if (owner === undefined || quota === null || body === null) return { body, release() {} };
    // What the owner's committed files take is read once (a range scan); what other writes hold, at every piece.
    const committed = this.used(owner) - replacing;
    let holding = 0;
    const roomNow = () => Math.max(0, quota - committed - ((this.held.get(owner) ?? 0) - holding));
    if (declared !== undefined && declared > roomNow()) throw quotaExceeded(path, declared, roomNow());
    const holdUpTo = (bytes: number) => {
      if (bytes <= holding) return;
      this.held.set(owner, (this.held.get(owner) ?? 0) + bytes - holding);
      holding = bytes;
    };
    holdUpTo(declared ?? 0);
    let seen = 0;
    const checked = body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          seen += chunk.byteLength;
          const room = roomNow();
          if (seen > room) return controller.error(quotaExceeded(path, seen, room));
          holdUpTo(seen);
          controller.enqueue(chunk);
        },
      }),
    );
    return {
      body: checked,
      release: () => {
        const left = (this.held.get(owner) ?? 0) - holding;
        holding = 0;
        if (left > 0) this.held.set(owner, left);
        else this.held.delete(owner);
      },
    };
  }
}

export function quotaExceeded(path: string, bytes: number, room: number): OrreryError {
  const owner = homeOwnerOf(path);
  return new OrreryError(507, "quota_exceeded", `writing ${bytes} bytes to /${path} would pass the quota of ${owner}: ${room} bytes left`, {
    user: owner,
    roomBytes: room,
  });
}
