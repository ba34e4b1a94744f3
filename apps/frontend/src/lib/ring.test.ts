import { describe, expect, test } from "bun:test";
import { clockwiseArcPath, fractionToAngle, memberArcs, polar, positionToFraction, reachedOwners, tickFractions, tickPath } from "./ring.ts";

const TAU = Math.PI * 2;
const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThan(1e-9);

describe("positions", () => {
  test("hex position → fraction of the circle", () => {
    expect(positionToFraction("0000000000000000")).toBe(0);
    expect(positionToFraction("8000000000000000")).toBe(0.5);
    expect(positionToFraction("4000000000000000")).toBe(0.25);
    expect(positionToFraction("ffffffffffffffff")).toBeLessThanOrEqual(1);
    expect(positionToFraction("ffffffffffffffff")).toBeGreaterThan(0.999999);
  });
  test("invalid positions are NaN", () => {
    expect(positionToFraction("")).toBeNaN();
    expect(positionToFraction("xyz")).toBeNaN();
    expect(positionToFraction("1".repeat(17))).toBeNaN();
  });
  test("angles run clockwise from twelve o'clock", () => {
    close(fractionToAngle(0.25), Math.PI / 2);
    const top = polar(0, 10, 50, 50);
    close(top.x, 50);
    close(top.y, 40);
    const right = polar(Math.PI / 2, 10, 50, 50);
    close(right.x, 60);
    close(right.y, 50);
    const bottom = polar(Math.PI, 10);
    close(bottom.y, 10);
  });
});

const member = (id: string, arcs: Array<[number, number]>, ticks: number[] = []) => ({ id, arcs, ticks });

describe("the node's ring summary as angles", () => {
  test("a member's arcs: units of a turn → radians; the arc across twelve o'clock ends past 2π", () => {
    const arcs = memberArcs(member("a", [[0, 16], [48, 80]]), 64);
    expect(arcs.map((a) => a.member)).toEqual(["a", "a"]);
    close(arcs[0]!.startAngle, 0);
    close(arcs[0]!.endAngle, TAU / 4);
    close(arcs[1]!.startAngle, (3 * TAU) / 4);
    close(arcs[1]!.endAngle, (5 * TAU) / 4);
    expect(memberArcs(member("gone", []), 64)).toEqual([]);
  });
  test("ticks: units → fractions of the circle", () => {
    expect(tickFractions(member("a", [], [0, 16, 32]), 64)).toEqual([0, 0.25, 0.5]);
  });
  test("a chunk's owners where the node says its walk reached them, in its order; bad positions dropped", () => {
    const reached = reachedOwners({
      reachedAt: [
        { member: "c", position: "c000000000000000" },
        { member: "a", position: "0400000000000000" },
        { member: "x", position: "not hex" },
      ],
    });
    expect(reached.map((r) => r.member)).toEqual(["c", "a"]);
    close(reached[0]!.at, 0.75);
    close(reached[1]!.at, 1 / 64);
  });
});

describe("SVG paths", () => {
  test("clockwiseArcPath: small and large arcs, and the wrap past twelve o'clock", () => {
    // From twelve to three o'clock: a quarter, small-arc flag 0, sweep flag 1 (clockwise).
    expect(clockwiseArcPath(0, Math.PI / 2, 100)).toBe("M0,-100.00A100,100 0 0 1 100.00,0");
    // From three o'clock to twelve o'clock clockwise is three quarters: large-arc flag 1.
    expect(clockwiseArcPath(Math.PI / 2, 0, 100)).toBe("M100.00,0A100,100 0 1 1 0,-100.00");
    // A zero-length walk is a point.
    expect(clockwiseArcPath(1, 1, 50)).toMatch(/^M[-\d.]+,[-\d.]+$/);
  });
  test("tickPath draws one radial segment per virtual node", () => {
    expect(tickPath([0, 0.5], 10, 20)).toBe("M0,-10.00L0,-20.00M0,10.00L0,20.00");
    expect(tickPath([], 1, 2)).toBe("");
  });
});
