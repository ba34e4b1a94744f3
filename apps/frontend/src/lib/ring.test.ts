import { describe, expect, test } from "bun:test";
import xxhash from "xxhash-wasm";
import {
  fractionToAngle,
  inferVnodesPerMember,
  memberVNodes,
  clockwiseArcPath,
  ownedArcs,
  ownershipShares,
  placeVNodes,
  polar,
  positionToFraction,
  positionToHex,
  replicaPoints,
  tickPath,
  vnodeCount,
} from "./ring.ts";

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
  test("bigint → 16 hex digits, wrapping to 64 bits", () => {
    expect(positionToHex(255n)).toBe("00000000000000ff");
    expect(positionToHex(2n ** 64n + 1n)).toBe("0000000000000001");
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

const vn = (member: string, frac: number) => ({ member, position: positionToHex(BigInt(Math.round(frac * 2 ** 32)) << 32n) });

describe("ownedArcs", () => {
  test("a virtual node owns the arc from its predecessor to itself", () => {
    const placed = placeVNodes([vn("b", 0.5), vn("a", 0.25), vn("c", 0.75)]);
    expect(placed.map((v) => v.member)).toEqual(["a", "b", "c"]);
    const arcs = ownedArcs(placed);
    expect(arcs.map((a) => a.member)).toEqual(["a", "b", "c"]);
    // a's arc wraps past twelve o'clock: from c (0.75 → -0.25) to 0.25.
    close(arcs[0]!.startAngle, -0.25 * TAU);
    close(arcs[0]!.endAngle, 0.25 * TAU);
    close(arcs[1]!.startAngle, 0.25 * TAU);
    close(arcs[2]!.endAngle, 0.75 * TAU);
  });
  test("neighbouring arcs of one member merge, also across twelve o'clock", () => {
    const placed = placeVNodes([vn("a", 0.1), vn("a", 0.2), vn("b", 0.5), vn("a", 0.9)]);
    const arcs = ownedArcs(placed);
    expect(arcs).toHaveLength(2);
    expect(arcs[0]!.member).toBe("a");
    close(arcs[0]!.startAngle, (0.5 - 1) * TAU);
    close(arcs[0]!.endAngle, 0.2 * TAU);
    expect(arcs[1]!.member).toBe("b");
  });
  test("one member owns the whole circle; no members, nothing", () => {
    expect(ownedArcs(placeVNodes([vn("a", 0.3), vn("a", 0.6)]))).toEqual([{ member: "a", startAngle: 0, endAngle: TAU }]);
    expect(ownedArcs([])).toEqual([]);
  });
  test("shares sum to one", () => {
    const shares = ownershipShares(ownedArcs(placeVNodes([vn("a", 0.25), vn("b", 0.5), vn("c", 0.75), vn("a", 0.9)])));
    close(shares.get("a")!, 0.25 + 0.15 + 0.1);
    close(shares.get("b")!, 0.25);
    close([...shares.values()].reduce((x, y) => x + y, 0), 1);
  });
});

describe("replicaPoints", () => {
  const placed = placeVNodes([vn("a", 0.1), vn("b", 0.2), vn("a", 0.3), vn("c", 0.6), vn("b", 0.8)]);
  test("each owner at its first virtual node clockwise of the chunk, in walk order", () => {
    const pts = replicaPoints(placed, 0.25, ["c", "a", "b"]);
    expect(pts.map((p) => p.member)).toEqual(["a", "c", "b"]);
    close(pts[0]!.at!, 0.3);
    close(pts[1]!.at!, 0.6);
    close(pts[2]!.at!, 0.8);
  });
  test("wraps around twelve o'clock", () => {
    const pts = replicaPoints(placed, 0.85, ["a", "b"]);
    expect(pts.map((p) => p.member)).toEqual(["a", "b"]);
    close(pts[0]!.at!, 0.1);
    close(pts[0]!.distance, 0.25);
    close(pts[1]!.at!, 0.2);
  });
  test("an owner with no virtual node (dead) has no point and comes last", () => {
    const pts = replicaPoints(placed, 0.25, ["gone", "a"]);
    expect(pts[0]!.member).toBe("a");
    expect(pts[1]).toEqual({ member: "gone", at: undefined, distance: Number.POSITIVE_INFINITY });
  });
});

test("inferVnodesPerMember: count / weight, median over members on the ring", () => {
  const vnodes = [...Array(128)].map(() => ({ member: "a", position: "0" })).concat([...Array(64)].map(() => ({ member: "b", position: "0" })));
  expect(inferVnodesPerMember(vnodes, [{ id: "a", weight: 1 }, { id: "b", weight: 0.5 }, { id: "dead", weight: 1 }])).toBe(128);
  expect(inferVnodesPerMember([], [{ id: "a", weight: 1 }], 64)).toBe(64);
  expect(vnodeCount(128, 0.001)).toBe(1);
  expect(vnodeCount(128, 1.5)).toBe(192);
  expect(vnodeCount(128, 0)).toBe(0);
});

test("memberVNodes hashes `${id}#${i}` like the node's ring (xxhash64)", async () => {
  const { h64 } = await xxhash();
  const vnodes = memberVNodes("node-a", 3, h64);
  expect(vnodes).toHaveLength(3);
  expect(vnodes[0]).toEqual({ member: "node-a", position: h64("node-a#0").toString(16).padStart(16, "0") });
  expect(vnodes[2]!.position).toMatch(/^[0-9a-f]{16}$/);
  expect(new Set(vnodes.map((v) => v.position)).size).toBe(3);
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
