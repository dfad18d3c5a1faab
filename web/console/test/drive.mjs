// Drives the web console in headless Chromium (Debian's, via playwright-core) for the C# browser
// tests (tests/Mallard.Tests/Console/ConsoleBrowserTests.cs): it performs one scenario and prints
// what the page showed as JSON; the test decides what is right. Every request to an address other
// than the gateway's is reported, so a test can fail on it.
//   node drive.mjs '<json: {base, chromium, screenshots, scenario, ...}>'
import { chromium } from "playwright-core";

const input = JSON.parse(process.argv[2]);
const base = new URL(input.base);
const browser = await chromium.launch({ executablePath: input.chromium, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
const output = { foreign: [], failedRequests: [], pageErrors: [] };
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(input.timeoutMs ?? 30000);
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.protocol !== "data:" && url.origin !== base.origin) output.foreign.push(request.url());
  });
  page.on("requestfailed", (request) => output.failedRequests.push(`${request.url()}: ${request.failure()?.errorText}`));
  page.on("pageerror", (error) => output.pageErrors.push(String(error)));
  page.on("console", (message) => {
    if (message.type() === "error") output.pageErrors.push(`console: ${message.text()}`);
  });
  const shot = (name) => page.screenshot({ path: `${input.screenshots}/${name}.png`, fullPage: true });
  const open = async (hash) => {
    await page.goto(new URL(`/ui${hash}`, base).href);
    if (input.key) {
      await page.locator("#api-key").fill(input.key);
      await page.locator("#sign-in button[type=submit]").click();
      await page.locator("#signed-in").waitFor();
    }
  };

  switch (input.scenario) {
    case "cluster": {
      await open("#cluster");
      await page.locator("table.partitions tr[data-partition]").first().waitFor();
      output.tabs = await page.locator("#tabs a").evaluateAll((links) => links.map((a) => a.id));
      output.partitions = await page.locator("table.partitions").evaluateAll((tables) =>
        tables.flatMap((table) =>
          [...table.querySelectorAll("tr[data-partition]")].map((tr) => ({
            silo: table.getAttribute("data-silo"),
            partition: tr.getAttribute("data-partition"),
            cells: [...tr.querySelectorAll("td")].map((td) => td.textContent),
          })),
        ),
      );
      output.moves = await page.locator("#moves").textContent();
      await shot(input.screenshot ?? "console-cluster");
      break;
    }
    case "datasets": {
      await open("#datasets");
      await page.locator("#ingest-totals").waitFor();
      await page.locator("#dataset-stats table").waitFor();
      output.tabs = await page.locator("#tabs a").evaluateAll((links) => links.map((a) => a.id));
      output.columns = await page.locator("table.contract tbody tr td:first-child").allTextContents();
      output.totals = await page.locator("#ingest-totals").textContent();
      output.chart = await page.locator("#ingest-chart svg path.rate").count();
      await shot(input.screenshot ?? "console-datasets");
      break;
    }
    case "query": {
      await open("#query");
      await page.locator("#query-dataset").selectOption(input.dataset);
      await page.locator("#query-json").fill(JSON.stringify(input.query));
      await page.locator("#query-run").click();
      await page.locator("#query-result table.result, #query-result .error").first().waitFor();
      output.error = (await page.locator("#query-result .error").count()) > 0 ? await page.locator("#query-result .error").textContent() : null;
      output.headers = await page.locator("#query-result table.result th").allTextContents();
      output.rows = await page.locator("#query-result table.result tbody tr").evaluateAll((rows) =>
        rows.map((tr) => [...tr.querySelectorAll("td")].map((td) => (td.classList.contains("null") ? null : td.textContent))),
      );
      await shot(input.screenshot ?? "console-query");
      break;
    }
    case "build-query": {
      // The builder itself: one filter, a group-by column and a count, composed into the JSON.
      await open("#query");
      await page.locator("#query-dataset").selectOption(input.dataset);
      await page.locator("#add-filter").click();
      const filter = page.locator(".filter").first();
      await filter.locator("select").first().selectOption(input.filterColumn);
      await filter.locator("select").nth(1).selectOption("eq");
      await filter.locator("input").fill(input.filterValue);
      await page.locator(`.checks input[value="${input.groupBy}"]`).check();
      await page.locator("#add-aggregate").click();
      output.json = JSON.parse(await page.locator("#query-json").inputValue());
      await page.locator("#query-run").click();
      await page.locator("#query-result table.result, #query-result .error").first().waitFor();
      output.headers = await page.locator("#query-result table.result th").allTextContents();
      output.rows = await page.locator("#query-result table.result tbody tr").evaluateAll((rows) => rows.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)));
      break;
    }
    case "ingest": {
      await open("#ingest");
      await page.locator("#ingest-dataset").selectOption(input.dataset);
      if (input.upload) {
        // Chosen as a file, as a user uploads one: the page reads it into the text box.
        await page.locator("#ingest-file").setInputFiles({ name: "records.ndjson", mimeType: "application/x-ndjson", buffer: Buffer.from(input.ndjson) });
        await page.waitForFunction((expected) => document.querySelector("#ingest-text").value === expected, input.ndjson);
      } else {
        await page.locator("#ingest-text").fill(input.ndjson);
      }
      await page.locator("#ingest-send").click();
      await page.locator("#ingest-outcome .error, #ingest-outcome .receipt").first().waitFor();
      output.receipt = (await page.locator("#ingest-outcome .receipt").count()) > 0 ? await page.locator("#ingest-outcome .receipt").textContent() : null;
      output.error = (await page.locator("#ingest-outcome .error").count()) > 0 ? await page.locator("#ingest-outcome .error").textContent() : null;
      output.refused = await page.locator("table.refused-records tbody tr").evaluateAll((rows) =>
        rows.map((tr) => ({ record: tr.getAttribute("data-record"), cells: [...tr.querySelectorAll("td")].map((td) => td.textContent) })),
      );
      await shot(input.screenshot ?? "console-ingest");
      break;
    }
    case "sign-in": {
      // A key typed into the sign-in form; reports the form's message or the signed-in line.
      await page.goto(new URL("/ui", base).href);
      await page.locator("#api-key").fill(input.typedKey);
      await page.locator("#sign-in button[type=submit]").click();
      await page.locator("#sign-in .error, #signed-in").first().waitFor();
      output.error = (await page.locator("#sign-in .error").count()) > 0 ? await page.locator("#sign-in .error").textContent() : null;
      output.signedIn = (await page.locator("#signed-in").count()) > 0 ? await page.locator("#signed-in").textContent() : null;
      output.tabs = await page.locator("#tabs a").evaluateAll((links) => links.map((a) => a.id));
      output.cookies = (await context.cookies()).map((c) => ({ name: c.name, httpOnly: c.httpOnly, sameSite: c.sameSite }));
      await shot(input.screenshot ?? "console-sign-in");
      break;
    }
    case "reference": {
      await page.goto(new URL(input.path, base).href, { waitUntil: "networkidle" });
      if (input.waitForText) await page.getByText(input.waitForText).first().waitFor();
      output.title = await page.title();
      output.text = (await page.locator("body").innerText()).slice(0, 2000);
      await shot(input.screenshot ?? "api-reference");
      break;
    }
    default:
      throw new Error(`unknown scenario ${input.scenario}`);
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(output));
