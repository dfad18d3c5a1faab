using System.Diagnostics;

namespace Mallard.Grains.Shards;

/// <summary>
/// Test-only crash injection. <c>MALLARD_FAILPOINT=shard.before_commit@3</c> kills this process
/// (SIGKILL, no cleanup) the third time a shard reaches the point between writing a batch and
/// committing it. <c>MALLARD_PAUSEPOINT=partition.after_commit@1:3000</c> makes the first pass
/// through a pause point wait 3 s (a stalled process, without blocking the scheduler).
/// <c>MALLARD_MISPLACE=page_views/3@1</c> makes this silo's first placement of that partition
/// choose a silo that does not own it (what a stale directory entry does). Without the variables
/// every point is a no-op.
/// </summary>
internal static class FailPoints
{
    private static readonly (string Name, int At)? Configured = Parse(Environment.GetEnvironmentVariable("MALLARD_FAILPOINT"));
    private static readonly (string Name, int At, int Milliseconds)? Pause = ParsePause(Environment.GetEnvironmentVariable("MALLARD_PAUSEPOINT"));
    private static readonly (string Name, int At)? Misplaced = Parse(Environment.GetEnvironmentVariable("MALLARD_MISPLACE"));
    private static int _hits;
    private static int _misplacements;
    private static int _pauses;

    public static Task PauseAsync(string name) =>
        Pause is { } point && point.Name == name && Interlocked.Increment(ref _pauses) == point.At
            ? Task.Delay(point.Milliseconds)
            : Task.CompletedTask;

    private static (string, int, int)? ParsePause(string? value)
    {
        var colon = value?.LastIndexOf(':') ?? -1;
        return colon > 0 && Parse(value![..colon]) is { } point && int.TryParse(value.AsSpan(colon + 1), out var milliseconds) && milliseconds > 0
            ? (point.Item1, point.Item2, milliseconds)
            : null;
    }

    /// <summary>True when this placement of <paramref name="partitionKey"/> is the one to put on a wrong silo.</summary>
    public static bool Misplace(string partitionKey) =>
        Misplaced is { } point && point.Name == partitionKey && Interlocked.Increment(ref _misplacements) == point.At;

    public static void Hit(string name)
    {
        if (Configured is { } point && point.Name == name && Interlocked.Increment(ref _hits) == point.At)
        {
            Console.Error.WriteLine($"fail point {name}@{point.At}: killing the process");
            Console.Error.Flush();
            Process.GetCurrentProcess().Kill();
        }
    }

    private static (string, int)? Parse(string? value)
    {
        var at = value?.IndexOf('@', StringComparison.Ordinal) ?? -1;
        return at > 0 && int.TryParse(value.AsSpan(at + 1), out var count) && count > 0 ? (value![..at], count) : null;
    }
}
