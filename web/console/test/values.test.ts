import { describe, expect, it } from "vitest";
import { formatValue, kindOf, parseFilterValue } from "../src/values";

describe("formatValue", () => {
  it("keeps int64 above 2^53 exactly as sent", () => {
    expect(formatValue("int64", "9007199254740993")).toBe("9007199254740993");
    expect(formatValue("int64", "-9223372036854775808")).toBe("-9223372036854775808");
  });

  it("keeps a decimal's trailing zeros", () => {
    expect(formatValue("decimal(12,2)", "12.30")).toBe("12.30");
    expect(formatValue("decimal(28,10)", "-0.0000000001")).toBe("-0.0000000001");
  });

  it("keeps a timestamp's six fractional digits", () => {
    expect(formatValue("timestamp", "2026-11-26T10:00:00.000000Z")).toBe("2026-11-26T10:00:00.000000Z");
  });

  it("refuses an int64 that arrived as a JSON number (digits may be gone already)", () => {
    expect(() => formatValue("int64", 9007199254740992)).toThrow(/int64 value must arrive as a string/);
  });

  it("shows null as null, not as text", () => {
    expect(formatValue("string", null)).toBeNull();
  });

  it("refuses a type it does not know", () => {
    expect(() => kindOf("interval")).toThrow(/unknown column type/);
  });
});

describe("parseFilterValue", () => {
  it("sends int32 and float64 as JSON numbers, int64 and decimal as exact strings", () => {
    expect(parseFilterValue("int32", "42")).toBe(42);
    expect(parseFilterValue("float64", "0.1")).toBe(0.1);
    expect(parseFilterValue("int64", "9007199254740993")).toBe("9007199254740993");
    expect(parseFilterValue("decimal", "1.50")).toBe("1.50");
  });

  it("names what is wrong with a bad number or bool", () => {
    expect(() => parseFilterValue("int32", "x")).toThrow(/'x' is not a number/);
    expect(() => parseFilterValue("bool", "yes")).toThrow(/'yes' is not true or false/);
  });
});
