import { expect, test } from "bun:test";
import { ApiError } from "./errors.ts";
import { listNames, moveProblem, outcomeText, runAll } from "./bulk.ts";

test("names listed: one, two, or two and how many more", () => {
  expect(listNames(["a"])).toBe("“a”");
  expect(listNames(["a", "b"])).toBe("“a” and “b”");
  expect(listNames(["a", "b", "c", "d"])).toBe("“a”, “b” and 2 more");
});

test("a bulk move needs a folder other than this one, and not one of those moved or inside them", () => {
  const sel = ["/docs/a.txt", "/docs/photos"];
  expect(moveProblem("/docs", " ", sel)).toStartWith("Enter a folder");
  expect(moveProblem("/docs", ".", sel)).toBe("They are in that folder already.");
  expect(moveProblem("/docs", "photos", sel)).toBe("“photos” cannot be moved into itself.");
  expect(moveProblem("/docs", "photos/2024", sel)).toBe("“photos” cannot be moved into itself.");
  expect(moveProblem("/docs", "photos-old", sel)).toBeUndefined();
  expect(moveProblem("/docs", "..", sel)).toBeUndefined();
  expect(moveProblem("/docs", "/archive", sel)).toBeUndefined();
});

test("every item is tried, a few at a time; failures are kept with the node's reason and reported", async () => {
  let running = 0;
  let most = 0;
  const o = await runAll(["a", "b", "c", "d", "e"], async (x) => {
    running++;
    most = Math.max(most, running);
    await Bun.sleep(5);
    running--;
    if (x === "c") throw new ApiError("/c already exists", 409, "destination_exists");
  }, 2);
  expect(most).toBe(2);
  expect(o.done.sort()).toEqual(["a", "b", "d", "e"]);
  expect(o.failed.map((f) => f.item)).toEqual(["c"]);
  expect(outcomeText("Moved", o, (x) => x)).toBe("Moved 4 of 5 items; not “c”: /c already exists.");
  expect(outcomeText("Deleted", { done: ["a"], failed: [] }, (x) => x)).toBe("Deleted 1 item");
});
