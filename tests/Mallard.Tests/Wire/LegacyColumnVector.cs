using Mallard.Contract;

namespace Mallard.Tests.Wire;

/// <summary>
/// <see cref="Partitions.ColumnVector"/> as builds before the packed form declared it, so that
/// Orleans generates the codec those builds read with: the tests read the new forms through it.
/// </summary>
[GenerateSerializer, Alias("mallard.tests.LegacyColumnVector")]
public sealed class LegacyColumnVector
{
    [Id(0)] public ColumnKind Kind { get; init; }

    [Id(1)] public int Count { get; init; }

    [Id(2)] public bool[]? Nulls { get; init; }

    [Id(3)] public string?[]? Strings { get; init; }

    [Id(4)] public bool[]? Bools { get; init; }

    [Id(5)] public int[]? Int32s { get; init; }

    [Id(6)] public long[]? Int64s { get; init; }

    [Id(7)] public double[]? Float64s { get; init; }

    [Id(8)] public decimal[]? Decimals { get; init; }

    [Id(9)] public Guid[]? Uuids { get; init; }

    [Id(10)] public byte[]? Utf8 { get; init; }

    [Id(11)] public int[]? Utf8Offsets { get; init; }
}
