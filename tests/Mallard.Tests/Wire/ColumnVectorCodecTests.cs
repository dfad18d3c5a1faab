using System.Runtime.CompilerServices;
using Mallard.Contract;
using Mallard.Partitions;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Mallard.Tests.Wire;

public sealed class ColumnVectorCodecTests
{
    private static readonly byte[] FieldsFixture = WireSamples.FieldsFixture();

    [Theory]
    [InlineData(ColumnWireFormat.Packed)]
    [InlineData(ColumnWireFormat.Fields)]
    public void Deserialize_batchTheBuildBeforeWrote_readsEveryValueOnAnySetting(ColumnWireFormat format)
    {
        var batch = Serializer(format).Deserialize<RecordBatch>(FieldsFixture)!;

        AssertSameBatch(WireSamples.Batch(), batch);
    }

    [Fact]
    public void Serialize_fieldsSetting_writesByteForByteWhatTheBuildBeforeWrote()
    {
        var bytes = Serializer(ColumnWireFormat.Fields).SerializeToArray(WireSamples.Batch());

        Assert.Equal(FieldsFixture, bytes);
    }

    [Fact]
    public void RoundTrip_packed_keepsEveryKindNullAndStringForm()
    {
        var serializer = Serializer(ColumnWireFormat.Packed);

        var bytes = serializer.SerializeToArray(WireSamples.Batch());
        var batch = serializer.Deserialize<RecordBatch>(bytes)!;

        Assert.NotEqual(FieldsFixture, bytes);
        AssertSameBatch(WireSamples.Batch(), batch);
    }

    [Theory]
    [InlineData(ColumnWireFormat.Packed, ColumnWireFormat.Packed)]
    [InlineData(ColumnWireFormat.Packed, ColumnWireFormat.Fields)]
    [InlineData(ColumnWireFormat.Fields, ColumnWireFormat.Packed)]
    public void RoundTrip_randomVectorsBetweenSettings_readsWhatWasWritten(ColumnWireFormat writerFormat, ColumnWireFormat readerFormat)
    {
        var random = new Random(29);
        var writer = Serializer(writerFormat);
        var reader = Serializer(readerFormat);
        for (var round = 0; round < 200; round++)
        {
            var kind = (ColumnKind)random.Next(0, 9);
            var count = random.Next(0, 3) == 0 ? random.Next(0, 3) : random.Next(0, 2_000);
            var vector = RandomVector(random, kind, count, withNulls: random.Next(2) == 0);

            var read = reader.Deserialize<ColumnVector[]>(writer.SerializeToArray(new[] { vector, vector }))!;

            AssertSameVector(vector, read[0], $"round {round}, {kind}×{count}");
            Assert.Same(read[0], read[1]);
        }
    }

    [Fact]
    public void Deserialize_fieldsSettingByTheEarlierBuildsCodec_readsEveryValue()
    {
        var serializer = Serializer(ColumnWireFormat.Fields);
        foreach (var vector in WireSamples.Batch().Columns)
        {
            var legacy = serializer.Deserialize<LegacyColumnVector>(serializer.SerializeToArray(vector))!;

            AssertSameVector(vector, new ColumnVector { Kind = legacy.Kind, Count = legacy.Count, Nulls = legacy.Nulls, Strings = legacy.Strings, Bools = legacy.Bools, Int32s = legacy.Int32s, Int64s = legacy.Int64s, Float64s = legacy.Float64s, Decimals = legacy.Decimals, Uuids = legacy.Uuids, Utf8 = legacy.Utf8, Utf8Offsets = legacy.Utf8Offsets }, $"{vector.Kind}");
        }
    }

    [Fact]
    public void Deserialize_packedByTheEarlierBuildsCodec_failsRatherThanReadingNoValues()
    {
        var serializer = Serializer(ColumnWireFormat.Packed);
        foreach (var vector in WireSamples.Batch().Columns)
        {
            var bytes = serializer.SerializeToArray(vector);

            Assert.ThrowsAny<Exception>(() => serializer.Deserialize<LegacyColumnVector>(bytes));
        }
    }

    [Fact]
    public void Deserialize_packedVersionThisBuildDoesNotKnow_isRefusedNamingIt()
    {
        var serializer = Serializer(ColumnWireFormat.Packed);
        var bytes = serializer.SerializeToArray(new ColumnVector { Kind = ColumnKind.Int32, Count = 1, Int32s = [7] });

        // Field 2, length-prefixed (0x42), of length 1 (a varint: 0x03), version 1.
        var at = bytes.AsSpan().IndexOf([(byte)0x42, (byte)0x03, (byte)0x01]);
        Assert.True(at > 0, Convert.ToHexString(bytes));
        bytes[at + 2] = 2;
        var error = Assert.ThrowsAny<Exception>(() => serializer.Deserialize<ColumnVector>(bytes));

        Assert.Contains("wire form version 2; this build reads version 1", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ColumnKind.Int64)]
    [InlineData(ColumnKind.String)]
    [InlineData(ColumnKind.Uuid)]
    public void RoundTrip_packedEmptyVectorWithoutArrays_readsNoArrays(ColumnKind kind)
    {
        var serializer = Serializer(ColumnWireFormat.Packed);
        var vector = new ColumnVector { Kind = kind, Count = 0 };

        var read = serializer.Deserialize<ColumnVector>(serializer.SerializeToArray(vector))!;

        AssertSameVector(vector, read, $"{kind}×0");
    }

    [Fact]
    public void Serialize_packedInt64Column_carriesEachValueInItsEightBytes()
    {
        var vector = new ColumnVector { Kind = ColumnKind.Int64, Count = 10_000, Int64s = Enumerable.Range(0, 10_000).Select(i => (long)i * 1_000_003).ToArray() };

        var packed = Serializer(ColumnWireFormat.Packed).SerializeToArray(vector);

        Assert.InRange(packed.Length, 80_000, 80_040);
    }

    [Fact]
    public void Deserialize_packedBooleanNeitherZeroNorOne_isRefused()
    {
        var two = (byte)2;
        var vector = new ColumnVector { Kind = ColumnKind.Bool, Count = 2, Bools = [true, Unsafe.As<byte, bool>(ref two)] };
        var serializer = Serializer(ColumnWireFormat.Packed);

        var error = Assert.ThrowsAny<Exception>(() => serializer.Deserialize<ColumnVector>(serializer.SerializeToArray(vector)));

        Assert.Contains("neither 0 nor 1", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Deserialize_packedStringsWhoseOffsetsOverrunTheBytes_isRefused()
    {
        var vector = new ColumnVector { Kind = ColumnKind.String, Count = 1, Utf8 = "abc"u8.ToArray(), Utf8Offsets = [0, 5] };
        var serializer = Serializer(ColumnWireFormat.Packed);

        var error = Assert.ThrowsAny<Exception>(() => serializer.Deserialize<ColumnVector>(serializer.SerializeToArray(vector)));

        Assert.Contains("offsets do not span its bytes", error.ToString(), StringComparison.Ordinal);
    }

    private static Serializer Serializer(ColumnWireFormat format) => new ServiceCollection()
        .AddSerializer()
        .Configure<ColumnWireOptions>(o => o.Format = format)
        .BuildServiceProvider()
        .GetRequiredService<Serializer>();

    private static ColumnVector RandomVector(Random random, ColumnKind kind, int count, bool withNulls)
    {
        var nulls = withNulls ? Enumerable.Range(0, count).Select(_ => random.Next(4) == 0).ToArray() : null;
        return kind switch
        {
            ColumnKind.String when random.Next(4) == 0 => new ColumnVector { Kind = kind, Count = count, Nulls = nulls, Strings = Enumerable.Range(0, count).Select(i => nulls?[i] == true ? null : RandomText(random)).ToArray() },
            ColumnKind.String => WireSamples.Utf8(Enumerable.Range(0, count).Select(i => nulls?[i] == true ? null : RandomText(random)).ToArray()),
            ColumnKind.Bool => new ColumnVector { Kind = kind, Count = count, Nulls = nulls, Bools = Enumerable.Range(0, count).Select(_ => random.Next(2) == 0).ToArray() },
            ColumnKind.Int32 or ColumnKind.Date => new ColumnVector { Kind = kind, Count = count, Nulls = nulls, Int32s = Enumerable.Range(0, count).Select(_ => random.Next(int.MinValue, int.MaxValue)).ToArray() },
            ColumnKind.Int64 or ColumnKind.Timestamp => new ColumnVector { Kind = kind, Count = count, Nulls = nulls, Int64s = Enumerable.Range(0, count).Select(_ => random.NextInt64(long.MinValue, long.MaxValue)).ToArray() },
            ColumnKind.Float64 => new ColumnVector { Kind = kind, Count = count, Nulls = nulls, Float64s = Enumerable.Range(0, count).Select(_ => BitConverter.Int64BitsToDouble(random.NextInt64())).ToArray() },
            ColumnKind.Decimal => new ColumnVector { Kind = kind, Count = count, Nulls = nulls, Decimals = Enumerable.Range(0, count).Select(_ => new decimal(random.Next(), random.Next(), random.Next(), random.Next(2) == 0, (byte)random.Next(0, 29))).ToArray() },
            ColumnKind.Uuid => new ColumnVector { Kind = kind, Count = count, Nulls = nulls, Uuids = Enumerable.Range(0, count).Select(_ => Guid.NewGuid()).ToArray() },
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    private static string RandomText(Random random)
    {
        const string alphabet = "aZ0 é✓€\"\\";
        return new(Enumerable.Range(0, random.Next(0, 12)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
    }

    private static void AssertSameBatch(RecordBatch expected, RecordBatch actual)
    {
        Assert.Equal((expected.BatchId, expected.RowCount, expected.Contract, expected.RequestHash), (actual.BatchId, actual.RowCount, actual.Contract, actual.RequestHash));
        Assert.Equal(expected.RecordIndexes, actual.RecordIndexes);
        Assert.Equal(expected.Columns.Length, actual.Columns.Length);
        for (var c = 0; c < expected.Columns.Length; c++)
        {
            AssertSameVector(expected.Columns[c], actual.Columns[c], $"column {c}");
        }
    }

    private static void AssertSameVector(ColumnVector expected, ColumnVector actual, string where)
    {
        Assert.True(expected.Kind == actual.Kind && expected.Count == actual.Count, $"{where}: {actual.Kind}×{actual.Count}, expected {expected.Kind}×{expected.Count}");
        Assert.True(Equal(expected.Nulls, actual.Nulls), $"{where}: nulls");
        Assert.True(Equal(expected.Strings, actual.Strings), $"{where}: strings");
        Assert.True(Equal(expected.Bools, actual.Bools), $"{where}: bools");
        Assert.True(Equal(expected.Int32s, actual.Int32s), $"{where}: int32s");
        Assert.True(Equal(expected.Int64s, actual.Int64s), $"{where}: int64s");
        Assert.True(Equal(expected.Float64s?.Select(BitConverter.DoubleToInt64Bits).ToArray(), actual.Float64s?.Select(BitConverter.DoubleToInt64Bits).ToArray()), $"{where}: float64s");

        // Bits, not value equality: 9.99 and 9.990 are equal decimals with different scales.
        Assert.True(Equal(expected.Decimals?.SelectMany(decimal.GetBits).ToArray(), actual.Decimals?.SelectMany(decimal.GetBits).ToArray()), $"{where}: decimals");
        Assert.True(Equal(expected.Uuids, actual.Uuids), $"{where}: uuids");
        Assert.True(Equal(expected.Utf8, actual.Utf8), $"{where}: utf8");
        Assert.True(Equal(expected.Utf8Offsets, actual.Utf8Offsets), $"{where}: utf8 offsets");
    }

    private static bool Equal<T>(T[]? expected, T[]? actual) => expected is null ? actual is null : actual is not null && expected.AsSpan().SequenceEqual(actual, EqualityComparer<T>.Default);
}
