import { api, ApiError, type Schemas } from "./client";

/** Who the console acts as, and what that allows. */
export interface Access {
  session: Schemas["SessionView"];
  admin: boolean;
  /** Whether the key may read (query) or write (ingest) a dataset. */
  may(verb: "query" | "ingest", dataset: string): boolean;
  /** Whether the key may see the dataset at all. */
  sees(dataset: string): boolean;
  /** Whether the key may query (or ingest into) some dataset. */
  mayAny(verb: "query" | "ingest"): boolean;
}

export function accessOf(session: Schemas["SessionView"]): Access {
  // As the gateway decides (RequiredAccess): admin sees the cluster and every dataset's state but
  // reads and writes no data; data scopes name a verb and a dataset (or *). Open: everything.
  const scopes = session.scopes;
  const open = session.open;
  const admin = open || scopes.includes("admin");
  const may = (verb: "query" | "ingest", dataset: string) =>
    open || scopes.includes(`${verb}:*`) || scopes.includes(`${verb}:${dataset}`);
  return {
    session,
    admin,
    may,
    sees: (dataset) => admin || may("query", dataset) || may("ingest", dataset),
    mayAny: (verb) => open || scopes.some((s) => s.startsWith(`${verb}:`)),
  };
}

/** The current session, or null when the gateway asks for a key (401). */
export async function currentAccess(): Promise<Access | null> {
  try {
    return accessOf(await api.session());
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}
