using System.Diagnostics;

namespace Mallard.Grains.Shards;

/// <summary>
/// Test-only crash injection. <c>MALLARD_FAILPOINT=shard.before_commit@3</c> kills this process
/// (SIGKILL, no cleanup) the third time a shard reaches the point between writing a batch and
/// committing it. Without the variable every fail point is a no-op.
/// </summary>
internal static class FailPoints
{
    private static readonly (string Name, int At)? Configured = Parse(Environment.GetEnvironmentVariable("MALLARD_FAILPOINT"));
    private static int _hits;

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
