import { api, type Schemas } from "../client";
import { h, replace } from "../dom";
import { errorBox, every } from "./common";

/** Partitions per silo (rows, bytes, queue, watermark, owner, epoch) and moves in progress, refreshed every 2 s. */
export function clusterView(root: HTMLElement, signal: AbortSignal): Promise<void> {
  const updated = h("p", { class: "updated" });
  const body = h("div", { id: "cluster" });
  replace(root, updated, body);
  return every(2000, signal, async () => {
    try {
      const cluster = await api.cluster();
      replace(body, ...render(cluster));
      updated.textContent = `updated ${new Date().toLocaleTimeString("en-GB")} · contract v${cluster.contractVersion}`;
    } catch (error) {
      replace(body, errorBox(error));
    }
  });
}

function render(cluster: Schemas["ClusterView"]): HTMLElement[] {
  const bySilo = new Map<string, Schemas["PartitionPlacementView"][]>();
  for (const p of cluster.partitions) {
    const silo = p.unavailable ? "unavailable" : (p.silo ?? "unknown");
    bySilo.set(silo, [...(bySilo.get(silo) ?? []), p]);
  }
  const silos = h(
    "table",
    { class: "silos" },
    h("thead", {}, h("tr", {}, h("th", {}, "silo"), h("th", {}, "name"), h("th", {}, "status"), h("th", {}, "partitions"))),
    h(
      "tbody",
      {},
      ...cluster.silos.map((s) =>
        h("tr", { class: s.status === "Active" ? "" : "inactive" }, h("td", {}, s.address), h("td", {}, s.name), h("td", {}, s.status), h("td", {}, String(bySilo.get(s.address)?.length ?? 0))),
      ),
    ),
  );
  const sections: HTMLElement[] = [h("h2", {}, "Silos"), silos];
  const moves = cluster.moves;
  sections.push(h("h2", {}, "Moves"));
  if (!moves) {
    sections.push(h("p", { id: "moves" }, "Embedded: one silo, no moves (rebalance and drain need PostgreSQL cluster mode)."));
  } else {
    const active = [...moves.inProgress, ...moves.planned];
    sections.push(
      h("p", { id: "moves" }, moves.plan ? `plan ${moves.plan.kind} ${moves.plan.running ? "running" : "finished"}: ${moves.inProgress.length} in progress, ${moves.planned.length} planned, ${moves.completed.length} completed, ${moves.failed.length} failed` : "no plan"),
      active.length === 0 && moves.failed.length === 0
        ? h("p", {}, "No move in progress.")
        : h(
            "table",
            { class: "numbers" },
            h("thead", {}, h("tr", {}, ...["partition", "from", "to", "phase", "copied", "write pause ms", "error"].map((t) => h("th", {}, t)))),
            h(
              "tbody",
              {},
              ...[...active, ...moves.failed].map((m) =>
                h(
                  "tr",
                  {},
                  h("td", {}, `${m.dataset}/${m.partition}`),
                  h("td", {}, String(m.source)),
                  h("td", {}, String(m.target)),
                  h("td", {}, m.phase),
                  h("td", {}, m.totalBytes > 0 ? `${Math.round((100 * m.bytes) / m.totalBytes)}%` : "—"),
                  h("td", {}, String(m.writeUnavailableMs)),
                  h("td", {}, m.error ?? ""),
                ),
              ),
            ),
          ),
    );
  }
  const names = new Map(cluster.silos.map((s) => [s.address, s.name]));
  for (const [silo, partitions] of [...bySilo.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    sections.push(
      h("h2", {}, silo === "unavailable" ? "Partitions not answering" : `Partitions on ${names.get(silo) ?? "silo"} (${silo})`),
      h(
        "table",
        { class: "numbers partitions", "data-silo": silo },
        h("thead", {}, h("tr", {}, ...["partition", "rows", "shard bytes", "queued rows", "watermark", "owner", "epoch"].map((t) => h("th", {}, t)))),
        h(
          "tbody",
          {},
          ...partitions.map((p) =>
            p.unavailable
              ? h("tr", { class: "inactive" }, h("td", {}, `${p.dataset}/${p.partition}`), h("td", { colspan: "6" }, p.unavailable))
              : h(
                  "tr",
                  { "data-partition": `${p.dataset}/${p.partition}` },
                  h("td", {}, `${p.dataset}/${p.partition}`),
                  h("td", {}, p.rows ?? ""),
                  h("td", {}, p.shardBytes ?? ""),
                  h("td", {}, p.queuedRows ?? ""),
                  h("td", {}, p.watermark ?? "—"),
                  h("td", {}, p.owner === null || p.owner === undefined ? "—" : String(p.owner)),
                  h("td", {}, p.epoch === null || p.epoch === undefined ? "—" : String(p.epoch)),
                ),
          ),
        ),
      ),
    );
  }
  return sections;
}
