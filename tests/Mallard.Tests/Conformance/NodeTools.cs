using System.Diagnostics;
using Mallard.Tests.Support;

namespace Mallard.Tests.Conformance;

/// <summary>Runs the Node.js tools installed in <c>web/</c> (./test.sh runs <c>npm ci</c> there).</summary>
public static class NodeTools
{
    public static string Web => RepositoryPaths.File("web");

    public static async Task<(int ExitCode, string Output)> RunAsync(string file, params string[] args)
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
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return (process.ExitCode, await stdout + await stderr);
    }

    public static Task<(int ExitCode, string Output)> TypeCheckAsync(string file) =>
        RunAsync(Path.Combine(Web, "node_modules", ".bin", "tsc"), "--noEmit", "--strict", "--target", "ES2022", "--module", "ES2022", "--moduleResolution", "bundler", file);
}
