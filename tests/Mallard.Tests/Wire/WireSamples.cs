using System.Text;
using Mallard.Contract;
using Mallard.Partitions;

namespace Mallard.Tests.Wire;

/// <summary>
/// Fixed batches for the wire tests: every column kind, with and without nulls, strings both as
/// UTF-8 and as .NET strings, an empty vector. <c>tests/fixtures/wire-v1</c> holds
/// <see cref="Batch"/> as the generated codec of the build before the packed form wrote it, so
/// these values must never change.
/// </summary>
internal static class WireSamples
{
    /// <summary><see cref="Batch"/> as the generated codec of the build before the packed form wrote it.</summary>
    public static byte[] FieldsFixture() => File.ReadAllBytes(Support.RepositoryPaths.File("tests", "fixtures", "wire-v1", "record-batch.bin"));

    public static RecordBatch Batch() => new(
        "batch-wire-v1",
        4,
        [
            Utf8(["a", null, "ünïcødé ✓", ""]),
            new ColumnVector { Kind = ColumnKind.String, Count = 4, Strings = ["x", "y", null, "zz"], Nulls = [false, false, true, false] },
            new ColumnVector { Kind = ColumnKind.Bool, Count = 4, Bools = [true, false, false, true], Nulls = [false, false, true, false] },
            new ColumnVector { Kind = ColumnKind.Int32, Count = 4, Int32s = [0, -1, int.MaxValue, int.MinValue] },
            new ColumnVector { Kind = ColumnKind.Date, Count = 4, Int32s = [20_418, 0, -1, 2_932_896] },
            new ColumnVector { Kind = ColumnKind.Int64, Count = 4, Int64s = [0, -1, long.MaxValue, long.MinValue], Nulls = [true, false, false, false] },
            new ColumnVector { Kind = ColumnKind.Timestamp, Count = 4, Int64s = [1_764_151_200_000_000, 0, -62_135_596_800_000_000, 253_402_300_799_999_999] },
            new ColumnVector { Kind = ColumnKind.Float64, Count = 4, Float64s = [0.5, double.NegativeInfinity, double.Epsilon, -0.0] },
            new ColumnVector { Kind = ColumnKind.Decimal, Count = 4, Decimals = [9.99m, -0.01m, 79_228_162_514_264_337_593_543_950_335m, 0.0000000000000000000000000001m], Nulls = [false, false, false, true] },
            new ColumnVector { Kind = ColumnKind.Uuid, Count = 4, Uuids = [Guid.Empty, Guid.Parse("3b6f1c2e-8d4a-4f51-9c0e-7a2b5d6e8f90"), Guid.Parse("ffffffff-ffff-ffff-ffff-ffffffffffff"), Guid.Parse("00000000-0000-0000-0000-000000000001")] },
            new ColumnVector { Kind = ColumnKind.String, Count = 0, Utf8 = [], Utf8Offsets = [0] },
        ],
        new ContractStamp(3, "c0ffee"),
        [0, 2, 5, 7],
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");

    /// <summary>A string vector of UTF-8 bytes, as the gateway decodes one from a body.</summary>
    public static ColumnVector Utf8(string?[] values)
    {
        var offsets = new int[values.Length + 1];
        var bytes = new List<byte>();
        for (var i = 0; i < values.Length; i++)
        {
            bytes.AddRange(Encoding.UTF8.GetBytes(values[i] ?? string.Empty));
            offsets[i + 1] = bytes.Count;
        }

        return new ColumnVector
        {
            Kind = ColumnKind.String,
            Count = values.Length,
            Utf8 = [.. bytes],
            Utf8Offsets = offsets,
            Nulls = values.Any(v => v is null) ? values.Select(v => v is null).ToArray() : null,
        };
    }
}
