import { api, ApiError, type Schemas } from "../client";
import { h, replace } from "../dom";
import type { Access } from "../session";
import { recordLines } from "../ndjson";
import { errorBox } from "./common";

/**
 * Paste or upload NDJSON and send it as one batch. A 422 answer is shown record by record: each
 * refused line with its errors beside it (nothing of the batch was written).
 */
export async function ingestView(root: HTMLElement, access: Access): Promise<void> {
  const datasets = (await api.datasets()).datasets.filter((d) => access.may("ingest", d.name));
  if (datasets.length === 0) {
    replace(root, h("p", {}, "This key may ingest into no dataset."));
    return;
  }
  const picker = h("select", { id: "ingest-dataset", "aria-label": "dataset" }, ...datasets.map((d) => h("option", { value: d.name }, d.name)));
  const text = h("textarea", { id: "ingest-text", rows: "12", spellcheck: "false", placeholder: "one JSON record per line", "aria-label": "NDJSON records" });
  const file = h("input", { type: "file", id: "ingest-file", accept: ".ndjson,.jsonl,.json,application/x-ndjson" });
  const send = h("button", { type: "button", id: "ingest-send" }, "Ingest");
  const outcome = h("div", { id: "ingest-outcome" });
  file.addEventListener("change", async () => {
    const chosen = file.files?.[0];
    if (chosen) text.value = await chosen.text();
  });
  send.addEventListener("click", async () => {
    replace(outcome, h("p", {}, "Sending…"));
    try {
      replace(outcome, receiptView(await api.ingestNdjson(picker.value, text.value)));
    } catch (error) {
      replace(outcome, error instanceof ApiError && error.recordErrors.length > 0 ? refusedRecords(text.value, error) : errorBox(error));
    }
  });
  replace(root, h("div", { class: "toolbar" }, h("label", {}, "Dataset ", picker), h("label", {}, "or upload ", file)), text, h("div", {}, send), outcome);
}

function receiptView(receipt: Schemas["IngestReceipt"]): HTMLElement {
  return h(
    "div",
    { class: "receipt", role: "status" },
    h("strong", {}, `Accepted ${receipt.accepted}`),
    `, ${receipt.duplicates} duplicate${receipt.duplicates === 1 ? "" : "s"} · batch ${receipt.batchId} · contract v${receipt.contractVersion}`,
  );
}

/** Each refused record's line and its errors; record indexes count non-blank lines, as the gateway does. */
function refusedRecords(body: string, error: ApiError): HTMLElement {
  const lines = body.split("\n");
  const records = recordLines(body);
  const byRecord = new Map<number | null, Schemas["RecordError"][]>();
  for (const e of error.recordErrors) byRecord.set(e.index, [...(byRecord.get(e.index) ?? []), e]);
  const problem = error.problem as Schemas["ValidationProblem"];
  return h(
    "div",
    {},
    errorBox(error),
    h("p", {}, `${problem.totalErrors} error${problem.totalErrors === 1 ? "" : "s"}; nothing of the batch was written.`),
    h(
      "table",
      { class: "refused-records" },
      h("thead", {}, h("tr", {}, h("th", {}, "line"), h("th", {}, "record"), h("th", {}, "errors"))),
      h(
        "tbody",
        {},
        ...[...byRecord.entries()].map(([index, errors]) => {
          const lineIndex = index === null ? undefined : records[index];
          return h(
            "tr",
            { "data-record": index === null ? "stream" : String(index) },
            h("td", {}, lineIndex === undefined ? "—" : String(lineIndex + 1)),
            h("td", { class: "record" }, lineIndex === undefined ? "" : lines[lineIndex]!.trim()),
            h("td", {}, h("ul", {}, ...errors.map((e) => h("li", {}, h("code", {}, e.field ?? "(record)"), ` ${e.code}: ${e.message}`)))),
          );
        }),
      ),
    ),
  );
}
