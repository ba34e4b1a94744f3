// Key rotation across the cluster, as Serf does it: the node an operator talks to installs a key on every
// live member, then switches every member to it, then removes the old one, checking before each step that
// the step is safe (no member would be left without the key others sign with). Members that are down are
// reported: they need the new key (CLUSTER_KEY) before they restart. Secrets kept sealed under the cluster key
// (users' S3 secrets) are sealed again under the new key when members switch to it, and once more before
// the old key goes, so removing it loses none of them.
import { errorMessage, OrreryError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { isRingMember, type Member } from "../membership/types.ts";
import type { JsonHandlers } from "../rpc/methods.ts";
import type { PeerRpc } from "../rpc/peer-rpc.ts";
import { type Keyring, KeyringError } from "./keyring.ts";

export interface NodeKeys {
  id: string;
  state: Member["state"];
  primary?: string;
  keys?: string[];
  error?: string;
}

/** What re-sealing did: how many secrets were sealed again, and the records no key held opens. */
export interface ResealResult {
  resealed: number;
  unreadable: string[];
}

/** Whatever keeps secrets sealed under the cluster key: seals every one again under this node's primary key. */
export interface SealedSecrets {
  reseal(): Promise<ResealResult>;
}

export interface KeyStepResult {
  nodes: NodeKeys[];
  /** Members that are down: they were not changed and need the key by hand before they return. */
  skipped: Array<{ id: string; state: Member["state"] }>;
  /** use and remove: the sealed secrets this node sealed again under its primary key. */
  secrets?: ResealResult;
}

export class ClusterKeys {
  constructor(
    private readonly c: {
      keyring: Keyring;
      rpc: PeerRpc;
      members: () => Member[];
      /** Where this node's keyring is kept once it changes. */
      persistPath: string;
      log: Logger;
      /** Secrets sealed under the cluster key (users' S3 secrets); absent: none. */
      secrets?: SealedSecrets;
    },
  ) {}

  /** What this node serves to the others (and to itself): the local half of every step. */
  handlers(): JsonHandlers {
    const { keyring } = this.c;
    const answer = () => ({ primary: keyring.primary().id, keys: keyring.ids() });
    const change = (what: string, fn: () => void) => {
      keyring.persistTo(this.c.persistPath);
      try {
        fn();
      } catch (err) {
        if (err instanceof KeyringError) throw new OrreryError(409, "key_step_refused", err.message);
        throw err;
      }
      this.c.log.warn(`cluster key ${what}`, { primary: keyring.primary().id, keys: keyring.ids() });
      return answer();
    };
    return {
      "keys.list": () => answer(),
      "keys.install": (_from, body) => change("installed", () => keyring.install(body.key)),
      "keys.use": (_from, body) => change("switched", () => keyring.use(body.keyId)),
      "keys.remove": (_from, body) => change("removed", () => keyring.remove(body.keyId)),
    };
  }

  list(): Promise<KeyStepResult> {
    return this.fanOut((id) => this.c.rpc.call(id, "keys.list", {}));
  }

  install(secret: string): Promise<KeyStepResult> {
    return this.fanOut((id) => this.c.rpc.call(id, "keys.install", { key: secret }));
  }

  async use(keyId: string): Promise<KeyStepResult> {
    const now = await this.list();
    const lacking = now.nodes.filter((n) => !n.keys?.includes(keyId)).map((n) => n.id);
    if (lacking.length > 0) {
      throw new OrreryError(409, "key_not_installed", `key ${keyId} is not installed on ${lacking.join(", ")}; install it everywhere first`, { nodes: lacking });
    }
    const switched = await this.fanOut((id) => this.c.rpc.call(id, "keys.use", { keyId }));
    // This node signs with the new key now, and every live member holds it (checked above): the records
    // sealed again here open everywhere, and the write pushes them to every live member.
    return { ...switched, ...(await this.resealed()) };
  }

  async remove(keyId: string): Promise<KeyStepResult> {
    const now = await this.list();
    const using = now.nodes.filter((n) => n.primary === keyId || n.primary === undefined).map((n) => n.id);
    if (using.length > 0) {
      throw new OrreryError(409, "key_in_use", `key ${keyId} is still used by (or unknown on) ${using.join(", ")}; switch them first`, { nodes: using });
    }
    // Again, for any secret sealed under the old key since the switch (by a member that had not switched yet).
    const secrets = await this.resealed();
    return { ...(await this.fanOut((id) => this.c.rpc.call(id, "keys.remove", { keyId }))), ...secrets };
  }

  private async resealed(): Promise<{ secrets?: ResealResult }> {
    if (!this.c.secrets) return {};
    const secrets = await this.c.secrets.reseal();
    if (secrets.resealed > 0 || secrets.unreadable.length > 0) this.c.log.warn("sealed secrets sealed again under the primary key", { primary: this.c.keyring.primary().id, ...secrets });
    return { secrets };
  }

  /** One call per live member (this node included), each answered or failed on its own. */
  private async fanOut(call: (id: string) => Promise<{ primary: string; keys: string[] }>): Promise<KeyStepResult> {
    const members = this.c.members();
    const live = members.filter(isRingMember);
    const nodes = await Promise.all(
      live.map(async (m): Promise<NodeKeys> => {
        try {
          return { id: m.id, state: m.state, ...(await call(m.id)) };
        } catch (err) {
          return { id: m.id, state: m.state, error: errorMessage(err) };
        }
      }),
    );
    const skipped = members.filter((m) => m.state === "dead").map((m) => ({ id: m.id, state: m.state }));
    return { nodes: nodes.sort((a, b) => a.id.localeCompare(b.id)), skipped };
  }
}
