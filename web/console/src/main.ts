import "./styles.css";
import { api, ApiError } from "./client";
import { h, replace } from "./dom";
import { currentAccess, type Access } from "./session";
import { clusterView } from "./views/cluster";
import { errorBox } from "./views/common";
import { datasetsView } from "./views/datasets";
import { ingestView } from "./views/ingest";
import { queryView } from "./views/query";

type Tab = { id: string; title: string; show: (root: HTMLElement, access: Access, signal: AbortSignal) => Promise<void>; allowed: (access: Access) => boolean };

// What each view needs: datasets and queries for a data key; partitions, silos and moves for admin.
const tabs: Tab[] = [
  { id: "datasets", title: "Datasets", show: datasetsView, allowed: () => true },
  { id: "query", title: "Query", show: (root, access) => queryView(root, access), allowed: (access) => access.mayAny("query") },
  { id: "ingest", title: "Ingest", show: (root, access) => ingestView(root, access), allowed: (access) => access.mayAny("ingest") },
  { id: "cluster", title: "Cluster", show: (root, _access, signal) => clusterView(root, signal), allowed: (access) => access.admin },
];

const view = document.getElementById("view")!;
const nav = document.getElementById("tabs")!;
const sessionBox = document.getElementById("session")!;
let running: AbortController | null = null;

async function start(): Promise<void> {
  let access: Access | null;
  try {
    access = await currentAccess();
  } catch (error) {
    replace(view, errorBox(error));
    return;
  }
  if (!access) {
    signInForm();
    return;
  }
  const allowed = tabs.filter((t) => t.allowed(access));
  replace(nav, ...allowed.map((t) => h("a", { href: `#${t.id}`, id: `tab-${t.id}` }, t.title)));
  replace(sessionBox, ...sessionLine(access));
  const route = () => {
    const tab = allowed.find((t) => `#${t.id}` === location.hash) ?? (access.admin ? allowed.find((t) => t.id === "cluster")! : allowed[0]!);
    for (const link of nav.querySelectorAll("a")) link.classList.toggle("active", link.id === `tab-${tab.id}`);
    running?.abort();
    running = new AbortController();
    replace(view, h("p", {}, "Loading…"));
    tab.show(view, access, running.signal).catch((error: unknown) => replace(view, errorBox(error)));
  };
  window.onhashchange = route;
  route();
}

function sessionLine(access: Access): (Node | string)[] {
  if (access.session.open) return [h("span", { class: "open" }, "open gateway (no keys)")];
  const out = h("button", { type: "button", id: "sign-out" }, "Sign out");
  out.addEventListener("click", async () => {
    await api.signOut();
    running?.abort();
    replace(nav);
    replace(view);
    signInForm();
  });
  return [h("span", { id: "signed-in" }, `${access.session.name} (${access.session.keyId}): ${access.session.scopes.join(" ")}`), " ", out];
}

function signInForm(): void {
  replace(nav);
  replace(sessionBox);
  const key = h("input", { type: "password", id: "api-key", autocomplete: "off", placeholder: "mk_…", "aria-label": "API key" });
  const submit = h("button", { type: "submit" }, "Sign in");
  const message = h("div", {});
  const form = h("form", { id: "sign-in" }, h("p", {}, "This gateway asks for an API key. It is exchanged for a session cookie and not stored by the page."), key, " ", submit, message);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api.signIn(key.value.trim());
      key.value = "";
      await start();
    } catch (error) {
      replace(message, error instanceof ApiError && error.status === 401 ? errorBox(new Error("that key is not valid (unknown, revoked or expired)")) : errorBox(error));
    }
  });
  replace(view, form);
}

void start();
