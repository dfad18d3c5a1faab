import { api, type Schemas } from "../client";
import { h, replace } from "../dom";
import type { Access } from "../session";
import { ingestChart } from "./chart";
import { errorBox } from "./common";

/** Datasets the key may see, each with its contract, committed state and ingest chart. */
export async function datasetsView(root: HTMLElement, access: Access, signal: AbortSignal): Promise<void> {
  const list = (await api.datasets()).datasets.filter((d) => access.sees(d.name));
  if (list.length === 0) {
    replace(root, h("p", {}, "This key sees no dataset."));
    return;
  }
  const picker = h("select", { id: "dataset-picker", "aria-label": "dataset" }, ...list.map((d) => h("option", { value: d.name }, d.name)));
  const detail = h("section", { id: "dataset-detail" });
  replace(root, h("div", { class: "toolbar" }, h("label", {}, "Dataset ", picker)), detail);
  const show = async () => {
    const dataset = list.find((d) => d.name === picker.value)!;
    replace(detail, contractTable(dataset));
    const stats = h("div", { id: "dataset-stats" });
    const chart = h("div", { id: "ingest-chart" });
    detail.append(h("h3", {}, "Ingest (this gateway, last 5 minutes)"), chart, h("h3", {}, "Partitions"), stats);
    await Promise.all([
      loadStats(stats, dataset.name).catch((error) => replace(stats, errorBox(error))),
      ingestChart(chart, dataset.name, signal),
    ]);
  };
  picker.addEventListener("change", () => void show());
  await show();
}

function contractTable(dataset: Schemas["DatasetView"]): HTMLElement {
  const facts = [
    `key: ${dataset.key.join(", ")}`,
    `partitioned by ${dataset.partitionBy.join(", ")} into ${dataset.partitions}`,
    dataset.time ? `event time: ${dataset.time}` : "no time column",
    `hash ${dataset.hash}`,
  ];
  return h(
    "div",
    {},
    h("h2", {}, dataset.name),
    dataset.description ? h("p", {}, dataset.description) : null,
    h("p", { class: "facts" }, facts.join(" · ")),
    h(
      "table",
      { class: "contract" },
      h("thead", {}, h("tr", {}, h("th", {}, "column"), h("th", {}, "type"), h("th", {}, "nullable"), h("th", {}, "description"))),
      h(
        "tbody",
        {},
        ...dataset.columns.map((c) =>
          h("tr", {}, h("td", {}, c.name), h("td", {}, c.type), h("td", {}, c.nullable ? "yes" : "no"), h("td", {}, c.description ?? "")),
        ),
      ),
    ),
  );
}

async function loadStats(container: HTMLElement, name: string): Promise<void> {
  const stats = await api.dataset(name);
  replace(
    container,
    h("p", {}, `${stats.rows} rows in ${stats.partitions.length} partitions`),
    h(
      "table",
      { class: "numbers" },
      h("thead", {}, h("tr", {}, ...["partition", "rows", "batches", "watermark", "shard bytes"].map((t) => h("th", {}, t)))),
      h(
        "tbody",
        {},
        ...stats.partitions.map((p) =>
          h("tr", {}, h("td", {}, String(p.partition)), h("td", {}, p.rows), h("td", {}, p.batches), h("td", {}, p.watermark ?? "—"), h("td", {}, p.shardBytes)),
        ),
      ),
    ),
  );
}
