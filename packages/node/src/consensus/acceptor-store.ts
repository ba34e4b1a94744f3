// Where a Paxos acceptor keeps its promises and accepted values, per path: durable in SQLite for nodes (a
// promise forgotten in a crash would let two proposers both win), in memory for tests and the simulator.
// Both pass acceptor-store.case.ts.
import type { Database, Statement } from "bun:sqlite";
import type { Manifest } from "../metadata/manifest.ts";

export interface AcceptorState {
  /** The highest ballot promised (ballots are versions: string order is ballot order). */
  promised: string;
  /** The last value accepted, with the ballot it was accepted under. */
  accepted?: { ballot: string; row: Manifest };
}

export interface AcceptorStore {
  get(path: string): AcceptorState | undefined;
  /** Durable when it returns. */
  put(path: string, state: AcceptorState): void;
}

export class MemoryAcceptorStore implements AcceptorStore {
  private readonly states = new Map<string, AcceptorState>();

  get(path: string): AcceptorState | undefined {
    const s = this.states.get(path);
    return s && structuredClone(s);
  }

  put(path: string, state: AcceptorState): void {
    this.states.set(path, structuredClone(state));
  }
}

export class SqliteAcceptorStore implements AcceptorStore {
  private readonly q: {
    get: Statement<{ promised: string; accepted_ballot: string | null; accepted: string | null }, [string]>;
    put: Statement<unknown, [string, string, string | null, string | null]>;
  };

  /** `db` must be migrated (store/db.ts); its synchronous=FULL makes every put durable. */
  constructor(db: Database) {
    this.q = {
      get: db.prepare("SELECT promised, accepted_ballot, accepted FROM paxos WHERE path = ?"),
      put: db.prepare(
        `INSERT INTO paxos (path, promised, accepted_ballot, accepted) VALUES (?, ?, ?, ?)
         ON CONFLICT (path) DO UPDATE SET promised = excluded.promised, accepted_ballot = excluded.accepted_ballot, accepted = excluded.accepted`,
      ),
    };
  }

  get(path: string): AcceptorState | undefined {
    const row = this.q.get.get(path);
    if (!row) return undefined;
    return {
      promised: row.promised,
      ...(row.accepted_ballot && row.accepted ? { accepted: { ballot: row.accepted_ballot, row: JSON.parse(row.accepted) as Manifest } } : {}),
    };
  }

  put(path: string, state: AcceptorState): void {
    this.q.put.run(path, state.promised, state.accepted?.ballot ?? null, state.accepted ? JSON.stringify(state.accepted.row) : null);
  }
}
