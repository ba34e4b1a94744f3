import { describe, expect, test } from "bun:test";
import { hashPassword, PasswordChecker } from "./passwords.ts";

describe("PasswordChecker", () => {
  test("argon2id hashes; the right password passes, a wrong one or a missing user does not", async () => {
    const hash = await hashPassword("correct horse");
    expect(hash).toStartWith("$argon2id$v=19$m=19456,t=2,");
    const checker = new PasswordChecker();
    expect(await checker.check("correct horse", hash)).toBe(true);
    expect(await checker.check("wrong horse", hash)).toBe(false);
    expect(await checker.check("correct horse", undefined)).toBe(false);
  });

  test("bounded: past the checks running and waiting the next is refused (503 busy); a remembered password needs no check", async () => {
    const hash = await hashPassword("correct horse");
    const checker = new PasswordChecker({ concurrency: 1, maxWaiting: 0 });
    expect(await checker.check("correct horse", hash)).toBe(true); // now remembered
    const running = checker.check("wrong horse", hash);
    await expect(checker.check("another wrong", hash)).rejects.toMatchObject({ status: 503, code: "busy" });
    expect(await checker.check("correct horse", hash)).toBe(true);
    expect(await running).toBe(false);
  });

  test("a remembered password is forgotten after its time, and never outlives a new hash", async () => {
    let now = 0;
    const checker = new PasswordChecker({ rememberMs: 1000, concurrency: 1, maxWaiting: 0, now: () => now });
    const first = await hashPassword("correct horse");
    expect(await checker.check("correct horse", first)).toBe(true);
    const second = await hashPassword("new horse");
    expect(await checker.check("correct horse", second)).toBe(false);
    now = 2000;
    const running = checker.check("x", first);
    await expect(checker.check("correct horse", first)).rejects.toMatchObject({ code: "busy" }); // not remembered any more
    await running;
  });
});
