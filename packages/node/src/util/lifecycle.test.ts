import { expect, test } from "bun:test";
import type { Logger } from "../log.ts";
import { Lifecycle, service } from "./lifecycle.ts";

const logged: string[] = [];
const log: Logger = { debug() {}, info() {}, warn() {}, error: (m, c) => logged.push(`${m} ${String(c?.service)}`) };

function recorder() {
  const events: string[] = [];
  const part = (name: string, opts: { failStart?: boolean; failStop?: boolean } = {}) =>
    service(
      name,
      async () => {
        if (opts.failStart) throw new Error(`${name} cannot start`);
        events.push(`start ${name}`);
      },
      async () => {
        events.push(`stop ${name}`);
        if (opts.failStop) throw new Error(`${name} cannot stop`);
      },
      () => void events.push(`drain ${name}`),
    );
  return { events, part };
}

test("starts in order, drains then stops in reverse order, once", async () => {
  const { events, part } = recorder();
  const l = new Lifecycle(log).add(part("a"), part("b"), part("c"));
  await l.start();
  await Promise.all([l.stop(), l.stop()]);
  expect(events).toEqual(["start a", "start b", "start c", "drain c", "drain b", "drain a", "stop c", "stop b", "stop a"]);
});

test("a part that fails to start stops the ones already running, then the error goes on", async () => {
  const { events, part } = recorder();
  const l = new Lifecycle(log).add(part("a"), part("b"), part("c", { failStart: true }), part("d"));
  await expect(l.start()).rejects.toThrow("c cannot start");
  expect(events).toEqual(["start a", "start b", "drain b", "drain a", "stop b", "stop a"]);
});

test("a part that fails to stop is logged and the others still stop", async () => {
  const { events, part } = recorder();
  logged.length = 0;
  const l = new Lifecycle(log).add(part("a"), part("b", { failStop: true }), part("c"));
  await l.start();
  await l.stop();
  expect(events.filter((e) => e.startsWith("stop"))).toEqual(["stop c", "stop b", "stop a"]);
  expect(logged).toEqual(["stop failed b"]);
});
