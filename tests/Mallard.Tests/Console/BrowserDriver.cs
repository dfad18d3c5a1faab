using System.Text.Json;
using System.Text.Json.Nodes;
using Mallard.Tests.Conformance;
using Mallard.Tests.Support;

namespace Mallard.Tests.Console;

/// <summary>
/// Runs one scenario of <c>web/console/test/drive.mjs</c> in Debian's headless Chromium (via
/// playwright-core) against a gateway, and returns what the page showed. Screenshots go to
/// <c>.test-results/screenshots/</c>. Every scenario fails on a request to another address.
/// </summary>
public static class BrowserDriver
{
    public static string Chromium =>
        Environment.GetEnvironmentVariable("MALLARD_CHROMIUM") is { Length: > 0 } path ? path
        : File.Exists("/usr/bin/chromium") ? "/usr/bin/chromium"
        : throw new InvalidOperationException("Chromium is missing: ./test.sh installs Debian's chromium package (or set MALLARD_CHROMIUM)");

    public static string Screenshots
    {
        get
        {
            var folder = RepositoryPaths.File(".test-results", "screenshots");
            Directory.CreateDirectory(folder);
            return folder;
        }
    }

    /// <summary>Runs <paramref name="scenario"/> with <paramref name="input"/>'s fields and returns the page's observations.</summary>
    public static async Task<JsonElement> RunAsync(Uri gateway, string scenario, JsonObject? input = null)
    {
        input ??= [];
        input["base"] = gateway.ToString();
        input["chromium"] = Chromium;
        input["screenshots"] = Screenshots;
        input["scenario"] = scenario;
        var (exitCode, output) = await NodeTools.RunWithAsync("node", new Dictionary<string, string>(), TimeSpan.FromMinutes(2), Path.Combine(NodeTools.Web, "console", "test", "drive.mjs"), input.ToJsonString());
        Assert.True(exitCode == 0, $"the browser scenario {scenario} failed:\n{output}");
        var line = output.Split('\n').Last(l => l.StartsWith("{\"foreign\"", StringComparison.Ordinal));
        var result = JsonDocument.Parse(line).RootElement;
        var foreign = result.GetProperty("foreign").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.True(foreign.Count == 0, $"the page asked another address than the gateway's: {string.Join(", ", foreign)}");
        return result;
    }

    /// <summary>Script errors on the page, without the browser's own notes about HTTP errors the page handled.</summary>
    public static List<string> PageErrors(JsonElement result) =>
        [.. result.GetProperty("pageErrors").EnumerateArray().Select(e => e.GetString()!).Where(e => !e.Contains("Failed to load resource", StringComparison.Ordinal))];
}
