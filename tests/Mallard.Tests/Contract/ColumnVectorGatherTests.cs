using Mallard.Contract;
using Mallard.Partitions;

namespace Mallard.Tests.Contract;

public sealed class ColumnVectorGatherTests
{
    [Theory]
    [InlineData(ColumnKind.String)]
    [InlineData(ColumnKind.Bool)]
    [InlineData(ColumnKind.Int32)]
    [InlineData(ColumnKind.Date)]
    [InlineData(ColumnKind.Int64)]
    [InlineData(ColumnKind.Timestamp)]
    [InlineData(ColumnKind.Float64)]
    [InlineData(ColumnKind.Decimal)]
    [InlineData(ColumnKind.Uuid)]
    public void Gather_anyKindWithNulls_copiesTheChosenRowsInOrder(ColumnKind kind)
    {
        // Rows 1 and 4 are null; the rest hold distinct values.
        var builder = new ColumnVectorBuilder(kind);
        for (var row = 0; row < 6; row++)
        {
            if (row is 1 or 4)
            {
                builder.AppendNull();
            }
            else
            {
                Append(builder, kind, row);
            }
        }

        var source = builder.Build();
        int[] rows = [5, 1, 0, 0, 3];

        var gathered = source.Gather(rows);
        var withoutNulls = source.Gather([0, 2]);

        Assert.Equal(rows.Length, gathered.Count);
        Assert.Equal(rows.Select(source.GetValue), Enumerable.Range(0, rows.Length).Select(gathered.GetValue));
        Assert.Null(withoutNulls.Nulls);
        Assert.Equal([source.GetValue(0), source.GetValue(2)], Enumerable.Range(0, 2).Select(withoutNulls.GetValue));
    }

    private static void Append(ColumnVectorBuilder builder, ColumnKind kind, int row)
    {
        switch (kind)
        {
            case ColumnKind.String: builder.AppendUtf8(System.Text.Encoding.UTF8.GetBytes($"text-{row}")); break;
            case ColumnKind.Bool: builder.AppendBool(row % 2 == 0); break;
            case ColumnKind.Int32 or ColumnKind.Date: builder.AppendInt32(7 * row); break;
            case ColumnKind.Int64 or ColumnKind.Timestamp: builder.AppendInt64(1_700_000_000_000_000L + row); break;
            case ColumnKind.Float64: builder.AppendFloat64(2.5 * row); break;
            case ColumnKind.Decimal: builder.AppendDecimal(12.30m + row); break;
            case ColumnKind.Uuid: builder.AppendUuid(Guid.Parse($"0b6f3c1e-8d1a-4c39-9a5e-1f2d3c4b5a6{row}")); break;
        }
    }
}
