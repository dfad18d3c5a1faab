namespace Mallard.Partitions;

/// <summary>
/// Calls many grains at once and keeps each call's own outcome. Some calls of a fan-out may commit
/// while others fail, so a failure must never hide the successes (nor the other way round).
/// </summary>
public static class Fanout
{
    /// <summary>Starts <paramref name="call"/> for every key and waits for all of them.</summary>
    public static async Task<FanoutResult<TKey, T>> CallAsync<TKey, T>(IEnumerable<TKey> keys, Func<TKey, Task<T>> call)
        where TKey : notnull
    {
        var calls = keys.Select(key => (Key: key, Call: Start(call, key))).ToList();
        try
        {
            await Task.WhenAll(calls.Select(c => c.Call));
        }
        catch
        {
            // Each call's own outcome is read below.
        }

        var succeeded = new Dictionary<TKey, T>();
        var failed = new Dictionary<TKey, Exception>();
        foreach (var (key, task) in calls)
        {
            if (task.IsCompletedSuccessfully)
            {
                succeeded[key] = task.Result;
            }
            else
            {
                failed[key] = task.Exception?.InnerException ?? new TaskCanceledException(task);
            }
        }

        return new FanoutResult<TKey, T>(succeeded, failed);
    }

    // A call that throws before returning its task fails alone, like one that fails later.
    private static async Task<T> Start<TKey, T>(Func<TKey, Task<T>> call, TKey key) => await call(key);
}
