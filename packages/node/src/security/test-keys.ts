// One fixed cluster key for unit tests, so every test node of a test speaks to the others.
import { ClusterKey } from "./cluster-key.ts";
import { DatagramSeal } from "./datagram-seal.ts";
import { Keyring } from "./keyring.ts";
import type { KeyPurpose } from "./cluster-key.ts";

export const TEST_KEY = new ClusterKey("orrery-unit-test-cluster-key-0123456789");

export function testKeyring(): Keyring {
  return Keyring.of(TEST_KEY);
}

export function testSeal(purpose: KeyPurpose = "gossip", now?: () => number): DatagramSeal {
  return new DatagramSeal(purpose, testKeyring(), { now });
}
