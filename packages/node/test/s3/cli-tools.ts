// The real S3 command-line tools the S3 tests drive (the aws CLI, rclone), and running them as processes.
import { existsSync } from "node:fs";

/** Runs a command; throws with its output when it fails. */
export async function run(cmd: string[], env: Record<string, string | undefined>): Promise<string> {
  const proc = Bun.spawn(cmd, { env: env as Record<string, string>, stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`${cmd.join(" ")} exited ${code}\n${out}\n${err}`);
  return out;
}

/** Runs a command that must fail; returns what it said. */
export async function refused(cmd: Promise<string>): Promise<string> {
  try {
    await cmd;
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error("expected the command to fail");
}

/** A CLI that is installed and runs (a pyenv shim can exist for a Python without awscli). */
const works = (bin: string) => Bun.spawnSync([bin, "--version"], { stdout: "ignore", stderr: "ignore" }).exitCode === 0;
/** Debian's aws CLI (2.x), and another on PATH if any. */
export const awsBinaries = [...new Set(["/usr/bin/aws", Bun.which("aws")].filter((p): p is string => !!p && existsSync(p) && works(p)))];
export const rclone = Bun.which("rclone");

/** The environment for the aws CLI signing with one key pair, no config file of the machine's. */
export const awsEnv = (work: string, accessKey: string, secretKey: string) => ({
  ...process.env,
  AWS_ACCESS_KEY_ID: accessKey,
  AWS_SECRET_ACCESS_KEY: secretKey,
  AWS_DEFAULT_REGION: "us-east-1",
  AWS_CONFIG_FILE: `${work}/no-aws-config`,
  AWS_SHARED_CREDENTIALS_FILE: `${work}/no-aws-credentials`,
  AWS_PAGER: "",
});

/** rclone without a config file; AWS_CA_BUNDLE (set on some machines) makes its S3 backend refuse its own HTTP transport. */
export function rcloneRun(work: string, ...args: string[]): Promise<string> {
  const { AWS_CA_BUNDLE: _, ...env } = process.env;
  return run([rclone!, "--config", `${work}/no-rclone.conf`, ...args], env);
}
