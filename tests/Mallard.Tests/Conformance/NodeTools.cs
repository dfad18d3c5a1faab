using System.Diagnostics;
using Mallard.Tests.Support;

namespace Mallard.Tests.Conformance;

/// <summary>Runs the Node.js tools installed in <c>web/</c> (./test.sh runs <c>npm ci</c> there).</summary>
public static class NodeTools
{
    public static string Web => RepositoryPaths.File("web");

    public static Task<(int ExitCode, string Output)> RunAsync(string file, params string[] args) =>
        RunWithAsync(file, new Dictionary<string, string>(), TimeSpan.FromMinutes(2), args);

    /// <summary>Runs <paramref name="file"/> in web/ with extra environment variables; stdout then stderr.</summary>
    public static async Task<(int ExitCode, string Output)> RunWithAsync(string file, IReadOnlyDictionary<string, string> environment, TimeSpan timeout, params string[] args)
    {
        if (!Directory.Exists(Path.Combine(Web, "node_modules", "@duckdb")) || !File.Exists(Path.Combine(Web, "node_modules", ".bin", "tsc")))
        {
            throw new InvalidOperationException("web/node_modules is missing: run `npm ci` in web/ (./test.sh does this)");
        }

        var start = new ProcessStartInfo(file, args)
        {
            WorkingDirectory = Web,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // No update checks or telemetry from npm tools: tests run offline.
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        start.Environment["NO_UPDATE_NOTIFIER"] = "1";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(file)} {string.Join(' ', args.Take(2))} ran longer than {timeout.TotalSeconds:0} s");
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    public static Task<(int ExitCode, string Output)> TypeCheckAsync(string file) =>
        RunAsync(Path.Combine(Web, "node_modules", ".bin", "tsc"), "--noEmit", "--strict", "--target", "ES2022", "--module", "ES2022", "--moduleResolution", "bundler", file);
}
