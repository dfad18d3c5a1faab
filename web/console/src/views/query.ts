import { api, type Schemas } from "../client";
import { h, replace } from "../dom";
import type { Access } from "../session";
import { formatValue, kindOf, parseFilterValue } from "../values";
import { errorBox } from "./common";

type Query = Schemas["Query"];
type Filter = Schemas["Filter"];
type Aggregate = Schemas["Aggregate"];

const ops: Filter["op"][] = ["eq", "ne", "lt", "lte", "gt", "gte", "in", "isNull", "notNull"];
const fns: Aggregate["fn"][] = ["count", "sum", "min", "max", "avg"];

/**
 * The query builder: filters, group by, aggregates, order and limit compose the JSON query shown
 * beside them (which may be edited directly); the result table shows every value exactly as the
 * API sent it.
 */
export async function queryView(root: HTMLElement, access: Access): Promise<void> {
  const datasets = (await api.datasets()).datasets.filter((d) => access.may("query", d.name));
  if (datasets.length === 0) {
    replace(root, h("p", {}, "This key may query no dataset."));
    return;
  }
  const picker = h("select", { id: "query-dataset", "aria-label": "dataset" }, ...datasets.map((d) => h("option", { value: d.name }, d.name)));
  const builder = h("div", { class: "builder" });
  const json = h("textarea", { id: "query-json", rows: "10", spellcheck: "false", "aria-label": "query as JSON" });
  const run = h("button", { id: "query-run", type: "button" }, "Run query");
  const result = h("div", { id: "query-result" });
  replace(root, h("div", { class: "toolbar" }, h("label", {}, "Dataset ", picker)), h("div", { class: "query-layout" }, builder, h("div", {}, h("label", { for: "query-json" }, "Query (JSON)"), json, run)), result);

  let state = blank();
  const dataset = () => datasets.find((d) => d.name === picker.value)!;
  const sync = () => {
    json.value = JSON.stringify(compact(state), null, 2);
  };
  const redraw = () => {
    replace(builder, ...buildForm(dataset(), state, () => {
      sync();
    }, redraw));
    sync();
  };
  picker.addEventListener("change", () => {
    state = blank();
    replace(result);
    redraw();
  });
  run.addEventListener("click", async () => {
    let query: Query;
    try {
      query = JSON.parse(json.value) as Query;
    } catch (error) {
      replace(result, errorBox(new Error(`the query is not JSON: ${(error as Error).message}`)));
      return;
    }
    replace(result, h("p", {}, "Running…"));
    try {
      replace(result, resultTable(await api.query(dataset().name, query)));
    } catch (error) {
      replace(result, errorBox(error));
    }
  });
  redraw();
}

function blank() {
  return { filter: [] as Filter[], aggregates: [] as Aggregate[], groupBy: [] as string[], orderBy: [] as NonNullable<Query["orderBy"]>, limit: 100 };
}

function compact(query: Query): Query {
  const out: Query = {};
  if (query.select?.length) out.select = query.select;
  if (query.filter?.length) out.filter = query.filter;
  if (query.groupBy?.length) out.groupBy = query.groupBy;
  if (query.aggregates?.length) out.aggregates = query.aggregates;
  if (query.orderBy?.length) out.orderBy = query.orderBy;
  if (query.limit !== undefined) out.limit = query.limit;
  return out;
}

function buildForm(
  dataset: Schemas["DatasetView"],
  state: ReturnType<typeof blank>,
  changed: () => void,
  redraw: () => void,
): HTMLElement[] {
  const columns = dataset.columns;
  const columnSelect = (value: string | undefined, onChange: (v: string) => void, allowNone = false) => {
    const select = h("select", {}, ...(allowNone ? [h("option", { value: "" }, "(rows)")] : []), ...columns.map((c) => h("option", { value: c.name }, `${c.name} (${c.type})`)));
    select.value = value ?? (allowNone ? "" : columns[0]!.name);
    select.addEventListener("change", () => onChange(select.value));
    return select;
  };
  const section = (title: string, ...children: (Node | string)[]) => h("fieldset", {}, h("legend", {}, title), ...children);
  const remove = () =>
    h("button", { type: "button", class: "remove", "aria-label": "remove" }, "×");

  const filters = state.filter.map((filter, i) => {
    const column = columnSelect(filter.column, (v) => {
      filter.column = v;
      changed();
    });
    const op = h("select", {}, ...ops.map((o) => h("option", { value: o }, o)));
    op.value = filter.op;
    const value = h("input", { type: "text", placeholder: filter.op === "in" ? "a, b, c" : "value", value: valueText(filter.value) });
    const error = h("span", { class: "field-error" });
    const update = () => {
      filter.op = op.value as Filter["op"];
      const kind = kindOf(columns.find((c) => c.name === filter.column)!.type);
      error.textContent = "";
      value.disabled = filter.op === "isNull" || filter.op === "notNull";
      try {
        if (value.disabled) delete filter.value;
        else if (filter.op === "in") filter.value = value.value.split(",").map((part) => parseFilterValue(kind, part.trim()));
        else filter.value = parseFilterValue(kind, value.value);
      } catch (e) {
        error.textContent = (e as Error).message;
      }
      changed();
    };
    op.addEventListener("change", update);
    value.addEventListener("input", update);
    column.addEventListener("change", update);
    const x = remove();
    x.addEventListener("click", () => {
      state.filter.splice(i, 1);
      redraw();
    });
    return h("div", { class: "row filter" }, column, op, value, x, error);
  });
  const addFilter = h("button", { type: "button", id: "add-filter" }, "+ filter");
  addFilter.addEventListener("click", () => {
    state.filter.push({ column: columns[0]!.name, op: "eq", value: "" });
    redraw();
  });

  const groupBy = h(
    "div",
    { class: "checks" },
    ...columns.map((c) => {
      const box = h("input", { type: "checkbox", value: c.name, checked: state.groupBy.includes(c.name) });
      box.addEventListener("change", () => {
        state.groupBy = columns.map((x) => x.name).filter((name) => name === c.name ? box.checked : state.groupBy.includes(name));
        changed();
      });
      return h("label", {}, box, c.name);
    }),
  );

  const aggregates = state.aggregates.map((aggregate, i) => {
    const fn = h("select", {}, ...fns.map((f) => h("option", { value: f }, f)));
    fn.value = aggregate.fn;
    const column = columnSelect(aggregate.column, (v) => {
      if (v) aggregate.column = v;
      else delete aggregate.column;
      changed();
    }, true);
    const alias = h("input", { type: "text", placeholder: "as", value: aggregate.as ?? "" });
    fn.addEventListener("change", () => {
      aggregate.fn = fn.value as Aggregate["fn"];
      changed();
    });
    alias.addEventListener("input", () => {
      if (alias.value) aggregate.as = alias.value;
      else delete aggregate.as;
      changed();
    });
    const x = remove();
    x.addEventListener("click", () => {
      state.aggregates.splice(i, 1);
      redraw();
    });
    return h("div", { class: "row" }, fn, column, alias, x);
  });
  const addAggregate = h("button", { type: "button", id: "add-aggregate" }, "+ aggregate");
  addAggregate.addEventListener("click", () => {
    state.aggregates.push({ fn: "count", as: `n${state.aggregates.length || ""}` });
    redraw();
  });

  const orders = state.orderBy.map((order, i) => {
    const column = h("input", { type: "text", value: order.column, placeholder: "column or aggregate", list: "order-columns" });
    const desc = h("input", { type: "checkbox", checked: order.desc === true });
    column.addEventListener("input", () => {
      order.column = column.value;
      changed();
    });
    desc.addEventListener("change", () => {
      order.desc = desc.checked;
      changed();
    });
    const x = remove();
    x.addEventListener("click", () => {
      state.orderBy.splice(i, 1);
      redraw();
    });
    return h("div", { class: "row" }, column, h("label", {}, desc, "descending"), x);
  });
  const addOrder = h("button", { type: "button", id: "add-order" }, "+ order");
  addOrder.addEventListener("click", () => {
    state.orderBy.push({ column: columns[0]!.name, desc: false });
    redraw();
  });
  const orderColumns = h("datalist", { id: "order-columns" }, ...columns.map((c) => h("option", { value: c.name })));

  const limit = h("input", { type: "number", min: "1", max: "10000", value: String(state.limit ?? 100), id: "query-limit" });
  limit.addEventListener("input", () => {
    const n = Number(limit.value);
    if (Number.isInteger(n) && n > 0) state.limit = n;
    changed();
  });

  return [
    section("Filters", ...filters, addFilter),
    section("Group by", groupBy),
    section("Aggregates", ...aggregates, addAggregate),
    section("Order by", ...orders, addOrder, orderColumns),
    section("Limit", limit),
  ];
}

function valueText(value: unknown): string {
  if (value === undefined || value === null) return "";
  return Array.isArray(value) ? value.map(String).join(", ") : String(value);
}

/** The answer as a table: one column per result column, each cell in its type's exact text. */
export function resultTable(result: Schemas["QueryResult"]): HTMLElement {
  const head = h("tr", {}, ...result.columns.map((c) => h("th", { title: c.type }, c.name)));
  const rows = result.rows.map((row) =>
    h(
      "tr",
      {},
      ...result.columns.map((c) => {
        const text = formatValue(c.type, (row as Record<string, unknown>)[c.name]);
        return text === null ? h("td", { class: "null" }, "null") : h("td", { class: kindOf(c.type) }, text);
      }),
    ),
  );
  return h(
    "div",
    {},
    h("p", { class: "facts" }, `${result.rows.length} rows · ${result.stats.partitions} partitions · ${result.stats.elapsedMs} ms${result.partial ? ` · partial: missing ${result.missingPartitions.join(", ")}` : ""}`),
    h("table", { class: "result" }, h("thead", {}, head), h("tbody", {}, ...rows)),
  );
}
