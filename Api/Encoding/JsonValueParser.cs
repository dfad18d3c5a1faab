using System.Globalization;
using System.Text.Json;
using Mallard.Contract;
using Mallard.Partitions;

namespace Mallard.Api.Encoding;

/// <summary>
/// Turns one JSON value into a typed value of a contract column, by the contract's encoding table.
/// Shared by record ingestion and query filter values, so both accept exactly the same forms.
/// </summary>
public static class JsonValueParser
{
    /// <summary>
    /// Parses a non-null JSON value and appends it to <paramref name="builder"/>. <paramref name="text"/> is
    /// the unescaped content of a string token or the literal text of a number token.
    /// </summary>
    /// <returns>Null on success, else the error code and message.</returns>
    public static (string Code, string Message)? TryAppend(ColumnType type, JsonTokenType token, ReadOnlySpan<char> text, ColumnVectorBuilder builder)
    {
        switch (type.Kind)
        {
            case ColumnKind.String:
                if (token != JsonTokenType.String)
                {
                    return WrongType(type, token);
                }

                if (text.Contains('\0'))
                {
                    return (RecordErrorCodes.InvalidString, "string contains a NUL character, which is not stored");
                }

                if (HasLoneSurrogate(text))
                {
                    return (RecordErrorCodes.InvalidString, "string contains an unpaired UTF-16 surrogate");
                }

                builder.AppendString(text.ToString());
                return null;

            case ColumnKind.Bool:
                if (token is not (JsonTokenType.True or JsonTokenType.False))
                {
                    return WrongType(type, token);
                }

                builder.AppendBool(token == JsonTokenType.True);
                return null;

            case ColumnKind.Int32:
                if (token != JsonTokenType.Number)
                {
                    return WrongType(type, token);
                }

                switch (ValueText.TryParseInt64(text, out var int32Candidate))
                {
                    case ParseStatus.Ok when int32Candidate is >= int.MinValue and <= int.MaxValue:
                        builder.AppendInt32((int)int32Candidate);
                        return null;
                    case ParseStatus.Ok or ParseStatus.OutOfRange:
                        return (RecordErrorCodes.OutOfRange, $"{Shorten(text)} is outside the int32 range");
                    default:
                        return (RecordErrorCodes.WrongType, $"expected an integer for int32, got {Shorten(text)}");
                }

            case ColumnKind.Int64:
                if (token is not (JsonTokenType.String or JsonTokenType.Number))
                {
                    return WrongType(type, token);
                }

                switch (ValueText.TryParseInt64(text, out var int64))
                {
                    case ParseStatus.Ok:
                        builder.AppendInt64(int64);
                        return null;
                    case ParseStatus.OutOfRange:
                        return (RecordErrorCodes.OutOfRange, $"{Shorten(text)} is outside the int64 range");
                    default:
                        return (RecordErrorCodes.InvalidFormat, $"expected a string of digits for int64, got {Quote(token, text)}");
                }

            case ColumnKind.Float64:
                if (token != JsonTokenType.Number)
                {
                    return WrongType(type, token);
                }

                if (ValueText.TryParseFloat64(text, out var float64) != ParseStatus.Ok)
                {
                    return (RecordErrorCodes.OutOfRange, $"{Shorten(text)} is not a finite float64");
                }

                builder.AppendFloat64(float64);
                return null;

            case ColumnKind.Decimal:
                if (token is not (JsonTokenType.String or JsonTokenType.Number))
                {
                    return WrongType(type, token);
                }

                switch (ValueText.TryParseDecimal(text, type.Precision, type.Scale, out var decimalValue))
                {
                    case ParseStatus.Ok:
                        builder.AppendDecimal(decimalValue);
                        return null;
                    case ParseStatus.TooPrecise:
                        return (RecordErrorCodes.TooPrecise, $"{Quote(token, text)} has more fractional digits than {type} stores; it would be rounded");
                    case ParseStatus.OutOfRange:
                        return (RecordErrorCodes.OutOfRange, $"{Quote(token, text)} has more integer digits than {type} stores");
                    default:
                        return (RecordErrorCodes.InvalidFormat, $"expected a decimal number for {type}, got {Quote(token, text)}");
                }

            case ColumnKind.Timestamp:
                if (token != JsonTokenType.String)
                {
                    return WrongType(type, token);
                }

                switch (ValueText.TryParseTimestamp(text, out var micros))
                {
                    case ParseStatus.Ok:
                        builder.AppendInt64(micros);
                        return null;
                    case ParseStatus.TooPrecise:
                        return (RecordErrorCodes.TooPrecise, $"\"{Shorten(text)}\" is more precise than a microsecond");
                    case ParseStatus.OutOfRange:
                        return (RecordErrorCodes.OutOfRange, $"\"{Shorten(text)}\" is not a valid instant between years 0001 and 9999");
                    default:
                        return (RecordErrorCodes.InvalidFormat, $"expected an RFC 3339 timestamp such as 2024-05-01T12:00:00.123456Z, got \"{Shorten(text)}\"");
                }

            case ColumnKind.Date:
                if (token != JsonTokenType.String)
                {
                    return WrongType(type, token);
                }

                switch (ValueText.TryParseDate(text, out var days))
                {
                    case ParseStatus.Ok:
                        builder.AppendInt32(days);
                        return null;
                    case ParseStatus.OutOfRange:
                        return (RecordErrorCodes.OutOfRange, $"\"{Shorten(text)}\" is not a valid date between years 0001 and 9999");
                    default:
                        return (RecordErrorCodes.InvalidFormat, $"expected a date as YYYY-MM-DD, got \"{Shorten(text)}\"");
                }

            case ColumnKind.Uuid:
                if (token != JsonTokenType.String)
                {
                    return WrongType(type, token);
                }

                if (ValueText.TryParseUuid(text, out var uuid) != ParseStatus.Ok)
                {
                    return (RecordErrorCodes.InvalidFormat, $"expected a UUID as 8-4-4-4-12 hex digits, got \"{Shorten(text)}\"");
                }

                builder.AppendUuid(uuid);
                return null;

            default:
                return (RecordErrorCodes.WrongType, $"unsupported column type {type}");
        }
    }

    /// <summary>
    /// The ingest fast path: parses a non-null JSON value straight from the body's UTF-8 bytes
    /// (<paramref name="utf8"/>: a string token's content without escapes, or a number's literal)
    /// and appends it when it is valid. Returns false, appending nothing, for anything else;
    /// <see cref="TryAppend"/> then names the error. String columns have their own UTF-8 path.
    /// </summary>
    public static bool TryAppendUtf8(ColumnType type, JsonTokenType token, ReadOnlySpan<byte> utf8, ColumnVectorBuilder builder)
    {
        switch (type.Kind)
        {
            case ColumnKind.Int32 when token == JsonTokenType.Number
                && ValueText.TryParseInt64(utf8, out var int32) == ParseStatus.Ok && int32 is >= int.MinValue and <= int.MaxValue:
                builder.AppendInt32((int)int32);
                return true;
            case ColumnKind.Int64 when token is JsonTokenType.String or JsonTokenType.Number
                && ValueText.TryParseInt64(utf8, out var int64) == ParseStatus.Ok:
                builder.AppendInt64(int64);
                return true;
            case ColumnKind.Float64 when token == JsonTokenType.Number && ValueText.TryParseFloat64(utf8, out var float64) == ParseStatus.Ok:
                builder.AppendFloat64(float64);
                return true;
            case ColumnKind.Decimal when token is JsonTokenType.String or JsonTokenType.Number
                && ValueText.TryParseDecimal(utf8, type.Precision, type.Scale, out var decimalValue) == ParseStatus.Ok:
                builder.AppendDecimal(decimalValue);
                return true;
            case ColumnKind.Timestamp when token == JsonTokenType.String && ValueText.TryParseTimestamp(utf8, out var micros) == ParseStatus.Ok:
                builder.AppendInt64(micros);
                return true;
            case ColumnKind.Date when token == JsonTokenType.String && ValueText.TryParseDate(utf8, out var days) == ParseStatus.Ok:
                builder.AppendInt32(days);
                return true;
            case ColumnKind.Uuid when token == JsonTokenType.String && ValueText.TryParseUuid(utf8, out var uuid) == ParseStatus.Ok:
                builder.AppendUuid(uuid);
                return true;
            default:
                return false;
        }
    }

    private static (string, string) WrongType(ColumnType type, JsonTokenType token)
    {
        var expected = type.Kind switch
        {
            ColumnKind.String or ColumnKind.Timestamp or ColumnKind.Date or ColumnKind.Uuid => "a JSON string",
            ColumnKind.Bool => "true or false",
            ColumnKind.Int32 or ColumnKind.Float64 => "a JSON number",
            _ => "a JSON string (or an exact JSON number)",
        };
        return (RecordErrorCodes.WrongType, $"expected {expected} for {type}, got {Describe(token)}");
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };

    private static string Quote(JsonTokenType token, ReadOnlySpan<char> text) =>
        token == JsonTokenType.String ? $"\"{Shorten(text)}\"" : Shorten(text);

    private static string Shorten(ReadOnlySpan<char> text) => DisplayText.Shorten(text, DisplayText.MaxValue);

    private static bool HasLoneSurrogate(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]))
            {
                if (i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]))
                {
                    return true;
                }

                i++;
            }
            else if (char.IsLowSurrogate(text[i]))
            {
                return true;
            }
        }

        return false;
    }
}
