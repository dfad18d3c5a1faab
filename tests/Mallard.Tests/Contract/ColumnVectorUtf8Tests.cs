using System.Text;
using Mallard.Contract;
using Mallard.Partitions;

namespace Mallard.Tests.Contract;

/// <summary>
/// A string column decoded from a body holds UTF-8 bytes; one read back from DuckDB or built from a
/// query holds .NET strings. Both forms must be the same values to everything that reads them:
/// key hashes (dedup against stored keys), partition routing and values.
/// </summary>
public sealed class ColumnVectorUtf8Tests
{
    private static readonly string?[] Texts = [null, "", "a", "Zürich", "😀 emoji", null, new string('x', 300), "line\nbreak"];

    [Fact]
    public void Build_utf8Form_holdsTheSameValuesAsTheStringForm_nullsIncluded()
    {
        var (utf8, strings) = BothForms(Texts);

        Assert.NotNull(utf8.Utf8);
        Assert.Null(utf8.Strings);
        Assert.NotNull(strings.Strings);
        Assert.Equal(Texts.Length, utf8.Count);
        for (var row = 0; row < Texts.Length; row++)
        {
            Assert.Equal(strings.IsNull(row), utf8.IsNull(row));
            Assert.Equal(strings.GetValue(row), utf8.GetValue(row));
        }
    }

    [Fact]
    public void RecordKeyHash_utf8AndStringForms_hashAlike()
    {
        var (utf8, strings) = BothForms(Texts);

        Assert.Equal(RecordKey.Hashes([strings], Texts.Length), RecordKey.Hashes([utf8], Texts.Length));
        Assert.Equal(Texts.Length - 1, RecordKey.Hashes([utf8], Texts.Length).Distinct().Count());
    }

    [Fact]
    public void PartitionOf_utf8AndStringForms_routeAlike_withNullsAndTextsPastTheStackBuffer()
    {
        var dataset = ContractLoader.Parse("""
            version: 1
            datasets:
              d:
                key: [id]
                partition_by: [a, b]
                partitions: 1000
                columns:
                  id: { type: int64 }
                  a: { type: string, nullable: true }
                  b: { type: string, nullable: true }
            """, "two.yaml").Datasets["d"];
        string?[] b = [.. Texts.Reverse()];
        var (utf8A, stringsA) = BothForms(Texts);
        var (utf8B, stringsB) = BothForms(b);
        var ids = new ColumnVectorBuilder(ColumnKind.Int64);
        foreach (var _ in Texts)
        {
            ids.AppendInt64(1);
        }

        var idVector = ids.Build();

        for (var row = 0; row < Texts.Length; row++)
        {
            Assert.Equal(PartitionHasher.PartitionOf(dataset, [idVector, stringsA, stringsB], row), PartitionHasher.PartitionOf(dataset, [idVector, utf8A, utf8B], row));
        }
    }

    [Fact]
    public void Gather_utf8Vector_keepsUtf8_andCopiesTheChosenRows()
    {
        var (utf8, _) = BothForms(Texts);

        var gathered = utf8.Gather([3, 0, 4]);

        Assert.NotNull(gathered.Utf8);
        Assert.Equal(["Zürich", null, "😀 emoji"], Enumerable.Range(0, 3).Select(gathered.GetValue));
    }

    [Fact]
    public void AppendUtf8_intoABuilderHoldingStrings_andTheReverse_keepEveryValue()
    {
        var strings = new ColumnVectorBuilder(ColumnKind.String);
        strings.AppendString("first");
        strings.AppendUtf8("second"u8);
        var bytes = new ColumnVectorBuilder(ColumnKind.String);
        bytes.AppendNull();
        bytes.AppendUtf8("first"u8);
        bytes.AppendString("second");

        Assert.Equal(["first", "second"], Enumerable.Range(0, 2).Select(strings.Build().GetValue));
        Assert.Equal([null, "first", "second"], Enumerable.Range(0, 3).Select(bytes.Build().GetValue));
    }

    [Fact]
    public void Truncate_utf8Builder_dropsTheTail_andAppendsAfterIt()
    {
        var builder = new ColumnVectorBuilder(ColumnKind.String, capacity: 2);
        foreach (var text in new[] { "one", "two", "three", "four", "five" })
        {
            builder.AppendUtf8(Encoding.UTF8.GetBytes(text));
        }

        builder.Truncate(2);
        builder.AppendUtf8("six"u8);
        var vector = builder.Build();

        Assert.Equal(["one", "two", "six"], Enumerable.Range(0, 3).Select(vector.GetValue));
        Assert.Equal("onetwosix"u8.ToArray(), vector.Utf8);
    }

    private static (ColumnVector Utf8, ColumnVector Strings) BothForms(string?[] texts)
    {
        var utf8 = new ColumnVectorBuilder(ColumnKind.String, capacity: 2);
        var strings = new ColumnVectorBuilder(ColumnKind.String, capacity: 2);
        foreach (var text in texts)
        {
            if (text is null)
            {
                utf8.AppendNull();
                strings.AppendNull();
            }
            else
            {
                utf8.AppendUtf8(Encoding.UTF8.GetBytes(text));
                strings.AppendString(text);
            }
        }

        return (utf8.Build(), strings.Build());
    }
}
