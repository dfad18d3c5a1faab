namespace Mallard.Api.Health;

/// <summary>
/// <c>GET /</c>: a small status page for operators that lists every partition (from
/// <c>/v1/cluster</c>) and links to the Orleans dashboard, the metrics and the contract.
/// </summary>
public static class StatusPage
{
    private const string Html = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>Mallard</title>
        <style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{padding:2px 10px;border-bottom:1px solid #ddd;text-align:right}th{text-align:left}td:first-child,td:nth-child(2){text-align:left}</style>
        </head><body>
        <h1>Mallard</h1>
        <p><a href="/ui">web console</a> · <a href="/reference/v1">API reference</a> · <a href="/dashboard">Orleans dashboard</a> · <a href="/metrics">metrics</a> · <a href="/v1/cluster">/v1/cluster</a> · <a href="/v1/contract">contract</a> · <a href="/readyz">readiness</a></p>
        <h2>Silos</h2><ul id="silos"></ul>
        <h2>Partitions</h2>
        <table><thead><tr><th>partition</th><th>silo</th><th>rows</th><th>shard bytes</th><th>queued rows</th><th>watermark</th></tr></thead><tbody id="partitions"></tbody></table>
        <script>
        fetch('/v1/cluster').then(r => r.json()).then(c => {
          const text = s => document.createTextNode(s ?? '');
          for (const s of c.silos) { const li = document.createElement('li'); li.append(text(`${s.name} ${s.address} ${s.status}`)); document.getElementById('silos').append(li); }
          for (const p of c.partitions) {
            const tr = document.createElement('tr');
            for (const v of [`${p.dataset}/${p.partition}`, p.silo ?? p.unavailable, p.rows, p.shardBytes, p.queuedRows, p.watermark]) { const td = document.createElement('td'); td.append(text(v)); tr.append(td); }
            document.getElementById('partitions').append(tr);
          }
        });
        </script>
        </body></html>
        """;

    /// <summary>Maps the status page.</summary>
    public static IEndpointRouteBuilder MapStatusPage(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/", () => Results.Content(Html, "text/html; charset=utf-8"))
            .Produces<string>(contentType: "text/html").WithName("getStatusPage").WithTags("pages").WithSummary("Status page (HTML): links to the console, the API reference, the dashboard and the metrics");
        return routes;
    }
}
