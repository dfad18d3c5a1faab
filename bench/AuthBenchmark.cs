using System.Globalization;
using Mallard.Security;

namespace Mallard.Bench;

/// <summary>
/// What API keys cost on the ingest path: the quick ingest row (NDJSON, 10,000-row batches, 4
/// clients) with keys off and on, in interleaved rounds (off/on, then on/off, …) on fresh
/// clusters, so drift of the machine hits both alike; prints each run and the medians.
/// </summary>
public static class AuthBenchmark
{
    public static int Run(string[] args)
    {
        var rounds = Option(args, "--rounds", 3);
        var seconds = Option(args, "--seconds", 5);
        var schema = Path.Combine(IngestBenchmark.FindRoot(), "schema.yaml");
        var folder = Path.Combine(Path.GetTempPath(), $"mallard-auth-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var keysFile = Path.Combine(folder, "keys.json");
        var keys = ApiKeyFile.CreateEmpty();
        var key = keys.Create("bench", ["ingest:page_views"], DateTimeOffset.UtcNow).Key;
        keys.Save(keysFile);
        var template = IngestBenchmark.PayloadTemplate.Create(10_000, ndjson: true);
        var off = new List<double>();
        var on = new List<double>();
        Console.WriteLine($"# API keys off and on: ndjson, 10,000-row batches, 4 clients, {seconds} s per run, {rounds} interleaved rounds, {Environment.ProcessorCount} cores");
        Console.WriteLine();
        Console.WriteLine("| round | keys | rows/s | batch p99 ms | non-200 |");
        Console.WriteLine("|---:|---|---:|---:|---:|");
        try
        {
            for (var round = 1; round <= rounds; round++)
            {
                foreach (var keysOn in round % 2 == 1 ? new[] { false, true } : [true, false])
                {
                    using var cluster = MallardCluster.Start(schema, keysOn ? [$"--Mallard:Auth:KeysFile={keysFile}"] : [], []);
                    IngestBenchmark.RunLoad(cluster.Gateway, template, "ndjson", 4, TimeSpan.FromSeconds(1), key: keysOn ? key : null);
                    var result = IngestBenchmark.RunLoad(cluster.Gateway, template, "ndjson", 4, TimeSpan.FromSeconds(seconds), key: keysOn ? key : null);
                    (keysOn ? on : off).Add(result.RowsPerSecond);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {round} | {(keysOn ? "on" : "off")} | {result.RowsPerSecond:N0} | {result.P99:F1} | {result.Failures} |"));
                }
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        var (medianOff, medianOn) = (Median(off), Median(on));
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median rows/s: keys off {medianOff:N0}, keys on {medianOn:N0}: on/off = {medianOn / medianOff:F3} (target within 5%)"));
        return 0;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
