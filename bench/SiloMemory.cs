using System.Globalization;

namespace Mallard.Bench;

/// <summary>The silo's memory by part, read from its Prometheus endpoint (MiB; -1 when a gauge is missing).</summary>
public sealed record SiloMemory(long DuckDbMiB, long DuckDbLimitMiB, long KeyHashMiB, long HeapMiB, string HeapParts = "")
{
    public static SiloMemory Read(HttpClient http, string url)
    {
        try
        {
            var text = http.GetStringAsync(url).GetAwaiter().GetResult();
            var parts = string.Join(" ", new[] { "gen0", "gen1", "gen2", "loh", "poh" }.Select(g => $"{g} {MiB(text, "dotnet_gc_last_collection_heap_size_bytes", $"gc_heap_generation=\"{g}\"")}"));
            return new SiloMemory(MiB(text, "mallard_duckdb_memory_bytes"), MiB(text, "mallard_duckdb_memory_limit_bytes"), MiB(text, "mallard_shard_key_hashes_memory_bytes"), MiB(text, "dotnet_gc_last_collection_heap_size_bytes"), parts);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return new SiloMemory(-1, -1, -1, -1);
        }
    }

    public override string ToString() => $"DuckDB {DuckDbMiB:N0} of {DuckDbLimitMiB:N0}, key hashes {KeyHashMiB:N0}, heap {HeapMiB:N0}: {HeapParts}";

    // Sums every series of the metric (the heap has one per generation).
    private static long MiB(string text, string metric, string? label = null)
    {
        var found = false;
        var sum = 0.0;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(metric, StringComparison.Ordinal) && (line.Length == metric.Length || line[metric.Length] is ' ' or '{') && (label is null || line.Contains(label, StringComparison.Ordinal)))
            {
                found = true;
                sum += double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return found ? (long)(sum / (1024 * 1024)) : -1;
    }
}
