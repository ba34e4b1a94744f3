// The last membership this node saw, kept in SQLite so a restarted node knows whom to contact.
import type { Database } from "bun:sqlite";
import type { Member } from "../membership/types.ts";
import { synchronousLevel, unsynced } from "./db.ts";

/**
 * Remembers a member as gossip last described it. Without an fsync of its own (store/db.ts `unsynced`): the
 * table only seeds the next join, so losing the newest rows in a crash costs nothing, while an fsync per
 * membership change was 99 of them per node when 100 nodes started together, each blocking the event loop
 * behind every other node's on one disk.
 */
export function savePeer(db: Database, m: Member): void {
  unsynced(db, synchronousLevel(db), () => savePeerRow(db, m));
}

function savePeerRow(db: Database, m: Member): void {
  db.query(
    `INSERT INTO peers (id, host, gossip_port, http_port, transfer_port, state, incarnation, updated_at, weight, full, joining)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET host = excluded.host, gossip_port = excluded.gossip_port,
       http_port = excluded.http_port, transfer_port = excluded.transfer_port, state = excluded.state,
       incarnation = excluded.incarnation, updated_at = excluded.updated_at, weight = excluded.weight, full = excluded.full,
       joining = excluded.joining`,
  ).run(m.id, m.host, m.gossipPort, m.httpPort, m.transferPort, m.state, m.incarnation, Date.now(), m.weight, m.full ? 1 : 0, m.joining ?? null);
}

/** Known peers, as remembered; their states are stale until gossip confirms them. */
export function loadPeers(db: Database): Member[] {
  const rows = db
    .query("SELECT id, host, gossip_port, http_port, transfer_port, state, incarnation, updated_at, weight, full, joining FROM peers")
    .all() as Array<{
    id: string;
    host: string;
    gossip_port: number;
    http_port: number;
    transfer_port: number;
    state: Member["state"];
    incarnation: number;
    updated_at: number;
    weight: number;
    full: number;
    joining: string | null;
  }>;
  return rows.map((r) => ({
    id: r.id,
    host: r.host,
    gossipPort: r.gossip_port,
    httpPort: r.http_port,
    transferPort: r.transfer_port,
    state: r.state,
    incarnation: r.incarnation,
    stateChangedAt: r.updated_at,
    weight: r.weight,
    ...(r.full ? { full: true } : {}),
    ...(r.joining ? { joining: r.joining } : {}),
  }));
}
