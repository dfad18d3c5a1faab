import { api, type Schemas } from "../client";
import { h, replace, svg } from "../dom";
import { errorBox, every } from "./common";

const width = 720;
const height = 180;
const pad = { left: 56, right: 12, top: 10, bottom: 22 };

/** Records per second and refused batches of one dataset, from the gateway's ingest-rate API, refreshed every 5 s. */
export function ingestChart(container: HTMLElement, dataset: string, signal: AbortSignal): Promise<void> {
  return every(5000, signal, async () => {
    try {
      const rate = await api.ingestRate(dataset, 5, 5);
      replace(container, draw(rate), legend(rate));
    } catch (error) {
      replace(container, errorBox(error));
    }
  });
}

function draw(rate: Schemas["IngestRateView"]): SVGElement {
  const points = rate.points;
  const refused = points.map((p) => p.rejected + p.unavailable + p.refusedAtDoor);
  const maxRate = Math.max(1, ...points.map((p) => p.recordsPerSecond));
  const maxRefused = Math.max(1, ...refused);
  const x = (i: number) => pad.left + (i * (width - pad.left - pad.right)) / Math.max(1, points.length - 1);
  const y = (v: number, max: number) => height - pad.bottom - (v * (height - pad.top - pad.bottom)) / max;
  const line = points.map((p, i) => `${i === 0 ? "M" : "L"}${x(i).toFixed(1)},${y(p.recordsPerSecond, maxRate).toFixed(1)}`).join(" ");
  const bars = points.map((_, i) =>
    refused[i]! > 0
      ? svg("rect", { class: "refused", x: (x(i) - 2).toFixed(1), y: y(refused[i]!, maxRefused).toFixed(1), width: 4, height: (height - pad.bottom - y(refused[i]!, maxRefused)).toFixed(1) })
      : null,
  ).filter((b): b is SVGElement => b !== null);
  const label = (text: string, attributes: Record<string, string | number>) => {
    const t = svg("text", attributes);
    t.textContent = text;
    return t;
  };
  return svg(
    "svg",
    { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", "aria-label": `ingest rate of ${rate.dataset}` },
    svg("line", { class: "axis", x1: pad.left, y1: height - pad.bottom, x2: width - pad.right, y2: height - pad.bottom }),
    svg("line", { class: "axis", x1: pad.left, y1: pad.top, x2: pad.left, y2: height - pad.bottom }),
    label(`${Math.round(maxRate).toLocaleString("en-US")}/s`, { x: pad.left - 4, y: pad.top + 8, "text-anchor": "end", class: "tick" }),
    label("0", { x: pad.left - 4, y: height - pad.bottom, "text-anchor": "end", class: "tick" }),
    label(`−${(points.length * rate.stepSeconds) / 60} min`, { x: pad.left, y: height - 6, class: "tick" }),
    label("now", { x: width - pad.right, y: height - 6, "text-anchor": "end", class: "tick" }),
    ...bars,
    svg("path", { class: "rate", d: line }),
  );
}

function legend(rate: Schemas["IngestRateView"]): HTMLElement {
  const sum = (f: (p: Schemas["IngestRatePoint"]) => number) => rate.points.reduce((total, p) => total + f(p), 0);
  return h(
    "p",
    { class: "legend", id: "ingest-totals" },
    h("span", { class: "swatch rate" }),
    ` ${sum((p) => p.records).toLocaleString("en-US")} records in ${sum((p) => p.batches)} batches (${sum((p) => p.duplicates)} duplicates) `,
    h("span", { class: "swatch refused" }),
    ` refused: ${sum((p) => p.rejected)} invalid, ${sum((p) => p.unavailable)} retryable, ${sum((p) => p.refusedAtDoor)} at the door (all datasets)`,
  );
}
