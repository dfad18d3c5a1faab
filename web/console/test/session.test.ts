import { describe, expect, it } from "vitest";
import { accessOf } from "../src/session";

const session = (scopes: string[], open = false) => ({ name: open ? null : "k", keyId: open ? null : "id", scopes, expires: null, open });

describe("accessOf", () => {
  it("gives a data key its datasets and verbs, and no cluster", () => {
    const access = accessOf(session(["query:page_views"]));
    expect(access.admin).toBe(false);
    expect(access.may("query", "page_views")).toBe(true);
    expect(access.may("ingest", "page_views")).toBe(false);
    expect(access.may("query", "orders")).toBe(false);
    expect(access.mayAny("ingest")).toBe(false);
  });

  it("gives an admin key the cluster and every dataset's state but no data, as the gateway does", () => {
    const access = accessOf(session(["admin"]));
    expect(access.admin).toBe(true);
    expect(access.sees("page_views")).toBe(true);
    expect(access.may("query", "page_views")).toBe(false);
    expect(access.mayAny("query")).toBe(false);
  });

  it("reads * as every dataset", () => {
    expect(accessOf(session(["ingest:*"])).may("ingest", "anything")).toBe(true);
  });

  it("allows everything on an open gateway", () => {
    const access = accessOf(session(["*"], true));
    expect(access.admin && access.may("ingest", "x") && access.may("query", "x")).toBe(true);
  });
});
