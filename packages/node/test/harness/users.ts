// A one-node cluster that requires logins, with users made by its admin: the shape of every test about who may
// see what through the files API.
import { expect } from "bun:test";
import { TestCluster } from "./cluster.ts";

export const basic = (user: string, secret: string) => `Basic ${Buffer.from(`${user}:${secret}`).toString("base64")}`;
const ADMIN = "admin admin admin";
/** The admin's Authorization header. */
export const adminAuth = basic("admin", ADMIN);

/** Starts it (the caller stops it) and adds each user with the password `<name> password`. */
export async function clusterWithUsers(names: readonly string[]): Promise<{ cluster: TestCluster; url: string }> {
  const cluster = await TestCluster.start(1, { replicationFactor: 1, env: { AUTH: "required", ADMIN_PASSWORD: ADMIN }, headers: { authorization: adminAuth } });
  const url = cluster.nodes[0]!.url;
  for (const name of names) {
    const res = await fetch(`${url}/api/users`, { method: "POST", headers: { authorization: adminAuth, "content-type": "application/json" }, body: JSON.stringify({ name, password: `${name} password` }) });
    expect(res.status).toBe(201);
  }
  return { cluster, url };
}
