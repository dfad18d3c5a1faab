import { ApiError } from "../client";
import { h } from "../dom";

/** An error as the console shows it: the problem's code and detail when the gateway sent one. */
export function errorBox(error: unknown): HTMLElement {
  if (error instanceof ApiError && error.problem) {
    return h("div", { class: "error", role: "alert" }, h("strong", {}, `${error.problem.status} ${error.problem.code}`), " ", error.problem.detail);
  }
  return h("div", { class: "error", role: "alert" }, error instanceof Error ? error.message : String(error));
}

/** Runs `refresh` now and every `ms` until `signal` aborts; errors are shown by `refresh` itself. */
export function every(ms: number, signal: AbortSignal, refresh: () => Promise<void>): Promise<void> {
  const timer = setInterval(() => void refresh(), ms);
  signal.addEventListener("abort", () => clearInterval(timer), { once: true });
  return refresh();
}
