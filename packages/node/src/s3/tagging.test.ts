// Tag sets as S3 judges them, the <Tagging> body, and how tags join an object's other metadata.
import { describe, expect, test } from "bun:test";
import { OrreryError } from "../errors.ts";
import { checkTags, parseTagging, withTags } from "./tagging.ts";

const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return (err as OrreryError).code;
  }
  return "accepted";
};
const xml = (s: string) => new TextEncoder().encode(s);

describe("tag sets", () => {
  test("S3's answers: BadRequest past 10 tags, InvalidTag for a bad, reserved or repeated key or value", () => {
    expect(codeOf(() => checkTags(Array.from({ length: 10 }, (_, i) => [`${i}`, ""])))).toBe("accepted");
    expect(codeOf(() => checkTags(Array.from({ length: 11 }, (_, i) => [`${i}`, ""])))).toBe("BadRequest");
    for (const bad of [[["", "v"]], [["k".repeat(129), "v"]], [["k", "v".repeat(257)]], [["a*", "v"]], [["k", "<v>"]], [["AWS:x", "v"]], [["k", "1"], ["k", "2"]]]) {
      expect(codeOf(() => checkTags(bad as Array<[string, string]>))).toBe("InvalidTag");
    }
    // A letter outside the BMP counts twice, as in S3 (UTF-16): 128 of them are 256 characters.
    expect(codeOf(() => checkTags([["k", "𠀀".repeat(128)]]))).toBe("accepted");
    expect(codeOf(() => checkTags([["k", "𠀀".repeat(129)]]))).toBe("InvalidTag");
  });

  test("a <Tagging> body: its tags in order; anything else is MalformedXML", () => {
    const body = "<Tagging xmlns='http://s3.amazonaws.com/doc/2006-03-01/'><TagSet><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>b</Key><Value></Value></Tag></TagSet></Tagging>";
    expect(parseTagging(xml(body))).toEqual([["a", "1"], ["b", ""]]);
    expect(parseTagging(xml("<Tagging><TagSet/></Tagging>"))).toEqual([]);
    for (const bad of ["<Tagging/>", "<Tags><TagSet/></Tags>", "<Tagging><TagSet><Tag><Value>1</Value></Tag></TagSet></Tagging>", "<Tagging"]) {
      expect(codeOf(() => parseTagging(xml(bad)))).toBe("MalformedXML");
    }
  });

  test("withTags sets or drops the tags and keeps the rest", () => {
    expect(withTags({ contentType: "a/b", tags: [["x", "1"]] }, [["y", "2"]])).toEqual({ contentType: "a/b", tags: [["y", "2"]] });
    expect(withTags({ contentType: "a/b", tags: [["x", "1"]] }, [])).toEqual({ contentType: "a/b" });
    expect(withTags({ tags: [["x", "1"]] }, undefined)).toBeUndefined();
    expect(withTags(undefined, [["y", "2"]])).toEqual({ tags: [["y", "2"]] });
  });
});
