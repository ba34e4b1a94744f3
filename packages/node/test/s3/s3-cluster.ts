// Shared by the S3 tests: a cluster whose every node serves S3 on its own port, with an SDK client per
// node, and the S3 error a call fails with.
import { afterAll, beforeAll } from "bun:test";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { createPresignedPost, type PresignedPost, type PresignedPostOptions } from "@aws-sdk/s3-presigned-post";
import { TestCluster } from "../harness/cluster.ts";
import { freePort } from "../harness/ports.ts";

export async function startS3Cluster(
  size: number,
  creds: { key: string; secret: string },
  extraEnv: Record<string, string> = {},
): Promise<{ cluster: TestCluster; clients: S3Client[]; endpoints: string[] }> {
  // The harness gives every node the same env; each node gets its own S3 port by changing it between starts.
  const env: Record<string, string> = { ...extraEnv, S3_CREDENTIALS: `${creds.key}:${creds.secret}`, S3_PORT: "" };
  const ports: number[] = [];
  let cluster: TestCluster | undefined;
  for (let i = 0; i < size; i++) {
    ports.push(await freePort());
    env.S3_PORT = String(ports[i]);
    if (i === 0) cluster = await TestCluster.start(1, { env });
    else await cluster!.add();
  }
  await cluster!.waitForMembers(size);
  const endpoints = ports.map((port) => `http://127.0.0.1:${port}`);
  const clients = endpoints.map(
    (endpoint) =>
      new S3Client({
        endpoint,
        region: "us-east-1",
        forcePathStyle: true,
        credentials: { accessKeyId: creds.key, secretAccessKey: creds.secret },
        maxAttempts: 1,
      }),
  );
  return { cluster: cluster!, clients, endpoints };
}

/** The S3 error name and HTTP status a call fails with (it must fail). */
export async function s3Failure(p: Promise<unknown>): Promise<{ name: string; status?: number }> {
  try {
    await p;
  } catch (err) {
    const e = err as { name: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode };
  }
  throw new Error("expected the call to fail");
}

export interface S3Fixture {
  cluster: TestCluster;
  /** An SDK client per node. */
  s3: S3Client[];
  endpoints: string[];
}

/**
 * An S3 cluster (three nodes unless told) for one test file, with `bucket` made: started before the file's
 * tests, stopped after them. The fields are filled once the tests run.
 */
export function s3ClusterFor(bucket: string, creds: { key: string; secret: string }, size = 3, env: Record<string, string> = {}): S3Fixture {
  const f = { s3: [], endpoints: [] } as unknown as S3Fixture;
  beforeAll(async () => {
    const started = await startS3Cluster(size, creds, env);
    Object.assign(f, { cluster: started.cluster, s3: started.clients, endpoints: started.endpoints });
    await f.s3[0]!.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  afterAll(async () => {
    await f.cluster?.stop();
  });
  return f;
}

/**
 * AWS's createPresignedPost with our client: the registry serves s3-presigned-post only at a newer version
 * than client-s3, whose S3Client type differs by private members; it reads only the client's config.
 */
export const presignedPost = (client: S3Client, options: PresignedPostOptions): Promise<PresignedPost> =>
  createPresignedPost(client as unknown as Parameters<typeof createPresignedPost>[0], options);
