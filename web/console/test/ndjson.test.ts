import { describe, expect, it } from "vitest";
import { recordLines } from "../src/ndjson";

describe("recordLines", () => {
  it("skips blank lines as the gateway does, so record indexes map to lines", () => {
    expect(recordLines('{"a":1}\n\n  \r\n{"a":2}\n\t\n{"a":3}')).toEqual([0, 3, 5]);
  });

  it("counts a final line without a newline and ignores a trailing newline", () => {
    expect(recordLines('{"a":1}\n{"a":2}\n')).toEqual([0, 1]);
  });
});
