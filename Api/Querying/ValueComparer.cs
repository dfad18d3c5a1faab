using System.Text;
using Mallard.Contract;

namespace Mallard.Api.Querying;

/// <summary>
/// Orders boxed values the way DuckDB does, so a merge across partitions sorts like one table
/// would: strings by code point (UTF-8 byte order), UUIDs by their canonical text, nulls last.
/// </summary>
public sealed class ValueComparer : IEqualityComparer<object?[]>
{
    /// <summary>Shared instance.</summary>
    public static readonly ValueComparer Instance = new();

    /// <summary>Compares two non-null values of the same kind.</summary>
    public static int Compare(ColumnKind kind, object a, object b) => kind switch
    {
        ColumnKind.String => CompareCodePoints((string)a, (string)b),
        ColumnKind.Uuid => string.CompareOrdinal(((Guid)a).ToString("D"), ((Guid)b).ToString("D")),
        _ => ((IComparable)a).CompareTo(b),
    };

    /// <summary>Compares for a sort key: nulls last in either direction.</summary>
    public static int CompareForSort(ColumnKind kind, object? a, object? b, bool descending)
    {
        if (a is null || b is null)
        {
            return a is null ? (b is null ? 0 : 1) : -1;
        }

        var order = Compare(kind, a, b);
        return descending ? -order : order;
    }

    /// <inheritdoc />
    public bool Equals(object?[]? x, object?[]? y)
    {
        if (x is null || y is null || x.Length != y.Length)
        {
            return x == y;
        }

        for (var i = 0; i < x.Length; i++)
        {
            if (!object.Equals(x[i], y[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public int GetHashCode(object?[] values)
    {
        var hash = new HashCode();
        foreach (var value in values)
        {
            hash.Add(value);
        }

        return hash.ToHashCode();
    }

    private static int CompareCodePoints(string a, string b)
    {
        var left = a.EnumerateRunes();
        var right = b.EnumerateRunes();
        while (true)
        {
            var hasLeft = left.MoveNext();
            var hasRight = right.MoveNext();
            if (!hasLeft || !hasRight)
            {
                return hasLeft ? 1 : hasRight ? -1 : 0;
            }

            var order = left.Current.Value.CompareTo(right.Current.Value);
            if (order != 0)
            {
                return order;
            }
        }
    }
}
