import type { components } from "../../src/generated/openapi";

export type Schemas = components["schemas"];
export type Problem = Schemas["Problem"];
export type ValidationProblem = Schemas["ValidationProblem"];

/** A refused request: its status and, when the gateway sent one, its problem+json body. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly problem: Problem | null) {
    super(problem ? `${problem.status} ${problem.code}: ${problem.detail}` : `HTTP ${status}`);
  }

  /** The record errors of a 422 invalid_records answer. */
  get recordErrors(): Schemas["RecordError"][] {
    const problem = this.problem as (Problem & Partial<ValidationProblem>) | null;
    return problem?.code === "invalid_records" && Array.isArray(problem.errors) ? problem.errors : [];
  }
}

/**
 * Calls the gateway that served the page (same origin only: the session cookie goes with every
 * request, and the page's Content-Security-Policy allows no other address).
 */
export async function call<T>(method: "GET" | "POST" | "DELETE", path: string, body?: { json: unknown } | { text: string; type: string }, headers: Record<string, string> = {}): Promise<T> {
  const init: RequestInit = { method, credentials: "same-origin", headers: { Accept: "application/json", ...headers } };
  if (body && "json" in body) {
    init.body = JSON.stringify(body.json);
    (init.headers as Record<string, string>)["Content-Type"] = "application/json";
  } else if (body) {
    init.body = body.text;
    (init.headers as Record<string, string>)["Content-Type"] = body.type;
  }
  const response = await fetch(path, init);
  const text = await response.text();
  if (!response.ok) {
    let problem: Problem | null = null;
    try {
      problem = text ? (JSON.parse(text) as Problem) : null;
    } catch {
      problem = null;
    }
    throw new ApiError(response.status, problem);
  }
  return (text ? JSON.parse(text) : null) as T;
}

export const api = {
  session: () => call<Schemas["SessionView"]>("GET", "/v1/auth/session"),
  signIn: (key: string) => call<Schemas["SessionView"]>("POST", "/v1/auth/session", undefined, { Authorization: `Bearer ${key}` }),
  signOut: () => call<null>("DELETE", "/v1/auth/session"),
  datasets: () => call<Schemas["DatasetListView"]>("GET", "/v1/datasets"),
  dataset: (name: string) => call<Schemas["DatasetStatsView"]>("GET", `/v1/datasets/${encodeURIComponent(name)}`),
  cluster: () => call<Schemas["ClusterView"]>("GET", "/v1/cluster"),
  ingestRate: (name: string, minutes: number, stepSeconds: number) =>
    call<Schemas["IngestRateView"]>("GET", `/v1/datasets/${encodeURIComponent(name)}/ingest-rate?minutes=${minutes}&stepSeconds=${stepSeconds}`),
  query: (name: string, query: Schemas["Query"]) => call<Schemas["QueryResult"]>("POST", `/v1/datasets/${encodeURIComponent(name)}/query`, { json: query }),
  ingestNdjson: (name: string, text: string) =>
    call<Schemas["IngestReceipt"]>("POST", `/v1/datasets/${encodeURIComponent(name)}/records`, { text, type: "application/x-ndjson" }),
};
