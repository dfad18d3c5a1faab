namespace Mallard.Api.Admission;

/// <summary>The outcome of reading a request body, and the bytes when it is complete.</summary>
public readonly record struct BodyRead(BodyReadOutcome Outcome, ReadOnlyMemory<byte> Bytes, string? Problem = null)
{
    /// <summary>A body that did not arrive whole.</summary>
    public static BodyRead Failed(BodyReadOutcome outcome) => new(outcome, ReadOnlyMemory<byte>.Empty);

    /// <summary>A compressed body that does not decompress; <paramref name="problem"/> says why.</summary>
    public static BodyRead Corrupt(string problem) => new(BodyReadOutcome.Corrupt, ReadOnlyMemory<byte>.Empty, problem);
}
