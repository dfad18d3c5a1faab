namespace Mallard.Partitions;

/// <summary>The outcome of a <see cref="Fanout"/>: each key either succeeded with a value or failed with an exception.</summary>
/// <param name="Succeeded">The calls that returned, by key, in the order the keys were given.</param>
/// <param name="Failed">The calls that threw or were cancelled, by key, with the (unwrapped) exception.</param>
public sealed record FanoutResult<TKey, T>(IReadOnlyDictionary<TKey, T> Succeeded, IReadOnlyDictionary<TKey, Exception> Failed)
    where TKey : notnull
{
    /// <summary>True when every call succeeded.</summary>
    public bool AllSucceeded => Failed.Count == 0;
}
