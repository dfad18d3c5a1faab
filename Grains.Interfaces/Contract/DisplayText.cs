namespace Mallard.Contract;

/// <summary>
/// How client- or driver-supplied text is echoed in error messages and logs: a short prefix, enough
/// to find the value, never a payload.
/// </summary>
public static class DisplayText
{
    /// <summary>The longest name (a field, dataset or column name) echoed whole.</summary>
    public const int MaxName = 64;

    /// <summary>The longest value echoed whole.</summary>
    public const int MaxValue = 40;

    /// <summary><paramref name="text"/>, cut to <paramref name="max"/> characters with an ellipsis when longer.</summary>
    public static string Shorten(ReadOnlySpan<char> text, int max = MaxName) =>
        text.Length <= max ? text.ToString() : string.Concat(text[..max], "…");

    /// <summary>The first line of a (driver's) multi-line message.</summary>
    public static string FirstLine(string message)
    {
        var newline = message.IndexOf('\n', StringComparison.Ordinal);
        return newline < 0 ? message : message[..newline];
    }
}
