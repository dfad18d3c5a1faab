using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Mallard.Api.Encoding;
using Mallard.Contract;
using Mallard.Partitions;

namespace Mallard.Api.Ingest;

/// <summary>
/// Decodes a whole batch body against one dataset into column vectors, collecting every record
/// error rather than stopping at the first, so a client can fix a batch in one round trip.
/// </summary>
public sealed class RecordDecoder
{
    private const int MaxNameLength = 63;
    private readonly DatasetDefinition _dataset;
    private readonly int _maxRecords;
    private readonly int _maxReportedErrors;
    private readonly ColumnDefinition[] _columns;
    private ColumnVectorBuilder[] _builders = [];
    private readonly bool[] _seen;
    private readonly byte[][] _namesUtf8;
    private readonly int[] _previousOrder;
    private readonly List<RecordError> _errors = [];
    private int _totalErrors;
    private int _records;
    private readonly int _maxStringBytes;

    /// <summary>Creates a decoder for one body.</summary>
    public RecordDecoder(DatasetDefinition dataset, int maxRecords, int maxReportedErrors, int maxStringBytes = 64 * 1024)
    {
        _maxStringBytes = maxStringBytes;
        _dataset = dataset;
        _maxRecords = maxRecords;
        _maxReportedErrors = maxReportedErrors;
        _columns = [.. dataset.Columns];
        _seen = new bool[dataset.Columns.Count];
        _namesUtf8 = [.. dataset.Columns.Select(c => System.Text.Encoding.UTF8.GetBytes(c.Name))];
        _previousOrder = [.. Enumerable.Repeat(-1, dataset.Columns.Count)];
    }

    /// <summary>Decodes <paramref name="body"/>.</summary>
    public DecodedBatch Decode(ReadOnlySpan<byte> body, BodyFormat format)
    {
        // Builders sized for the records a body holds grow no arrays and hand theirs over as they
        // are. NDJSON holds at most a record per line, and none under 16 bytes is expected often
        // (a shorter one only makes the builders grow); an array's count is not known up front.
        var capacity = format == BodyFormat.NdJson
            ? (int)Math.Clamp(Math.Min(body.Count((byte)'\n') + 1L, (body.Length / 16) + 1L), 16, Math.Max(_maxRecords, 16))
            : 1024;
        _builders = [.. _dataset.Columns.Select(c => new ColumnVectorBuilder(c.Type.Kind, capacity))];
        try
        {
            var tooMany = format == BodyFormat.JsonArray ? DecodeArray(body) : DecodeLines(body);
            if (tooMany)
            {
                return new DecodedBatch { RecordCount = _records, TooManyRecords = true };
            }
        }
        catch (MalformedBodyException e)
        {
            return new DecodedBatch { RecordCount = _records, MalformedBody = e.Message };
        }

        return new DecodedBatch
        {
            RecordCount = _records,
            Columns = _totalErrors == 0 ? _builders.Select(b => b.Build()).ToArray() : [],
            Errors = _errors,
            TotalErrors = _totalErrors,
        };
    }

    private bool DecodeArray(ReadOnlySpan<byte> body)
    {
        if (body.Trim(" \t\r\n"u8).IsEmpty)
        {
            throw new MalformedBodyException("the body is empty; expected a JSON array of records");
        }

        var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 64 });
        try
        {
            if (!reader.Read())
            {
                throw new MalformedBodyException("the body is empty; expected a JSON array of records");
            }

            if (reader.TokenType != JsonTokenType.StartArray)
            {
                throw new MalformedBodyException("expected a JSON array of records (use application/x-ndjson for one record per line)");
            }

            while (Next(ref reader) != JsonTokenType.EndArray)
            {
                if (_records == _maxRecords)
                {
                    return true;
                }

                DecodeRecord(ref reader);
            }

            if (reader.Read())
            {
                throw new MalformedBodyException($"unexpected content after the closing ']' at byte offset {reader.TokenStartIndex}");
            }
        }
        catch (JsonException e)
        {
            throw new MalformedBodyException(
                $"malformed JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1} of that line: {FirstSentence(e.Message)}");
        }

        return false;
    }

    private bool DecodeLines(ReadOnlySpan<byte> body)
    {
        var lineNumber = 0;
        while (!body.IsEmpty)
        {
            lineNumber++;
            var end = body.IndexOf((byte)'\n');
            var line = end < 0 ? body : body[..end];
            body = end < 0 ? default : body[(end + 1)..];
            if (line.Trim(" \t\r"u8).IsEmpty)
            {
                continue;
            }

            if (_records == _maxRecords)
            {
                return true;
            }

            var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = 64 });
            try
            {
                Next(ref reader);
                DecodeRecord(ref reader);
                if (reader.Read())
                {
                    throw new MalformedBodyException($"line {lineNumber} holds more than one JSON value");
                }
            }
            catch (JsonException e)
            {
                throw new MalformedBodyException(
                    $"malformed JSON on line {lineNumber}, byte {e.BytePositionInLine + 1} of that line: {FirstSentence(e.Message)}");
            }
        }

        return false;
    }

    private void DecodeRecord(ref Utf8JsonReader reader)
    {
        var index = _records++;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            AddError(index, null, RecordErrorCodes.NotAnObject, "each record must be a JSON object");
            reader.Skip();
            AppendPlaceholders();
            return;
        }

        Array.Clear(_seen);
        Span<char> nameBuffer = stackalloc char[MaxNameLength + 1];
        var lookup = _dataset.ColumnLookup;
        var position = 0;
        while (Next(ref reader) != JsonTokenType.EndObject)
        {
            // Records of one body almost always list their fields in the same order: the column
            // at this position in the previous record is tried first, on the name's own bytes.
            var field = position++;
            ColumnDefinition? column = null;
            if (field < _previousOrder.Length && _previousOrder[field] is var guess and >= 0
                && !reader.ValueIsEscaped && !reader.HasValueSequence && reader.ValueSpan.SequenceEqual(_namesUtf8[guess]))
            {
                column = _columns[guess];
            }
            else
            {
                var nameLength = reader.ValueIsEscaped || reader.ValueSpan.Length > MaxNameLength * 3
                    ? -1
                    : CopyName(reader.ValueSpan, nameBuffer);
                var name = nameLength >= 0 ? nameBuffer[..nameLength] : reader.GetString().AsSpan();
                if (lookup.TryGetValue(name, out var found))
                {
                    column = found;
                    if (field < _previousOrder.Length)
                    {
                        _previousOrder[field] = found.Ordinal;
                    }
                }
            }

            if (column is null)
            {
                var name = reader.GetString().AsSpan();
                var unknown = DisplayText.Shorten(name);
                AddError(index, unknown, RecordErrorCodes.UnknownField, $"'{unknown}' is not a column of '{_dataset.Name}'");
                Next(ref reader);
                reader.Skip();
                continue;
            }

            Next(ref reader);
            if (_seen[column.Ordinal])
            {
                AddError(index, column.Name, RecordErrorCodes.DuplicateField, $"'{column.Name}' appears more than once in the record");
                reader.Skip();
                continue;
            }

            _seen[column.Ordinal] = true;
            DecodeValue(ref reader, index, column);
        }

        foreach (var column in _columns)
        {
            if (_seen[column.Ordinal])
            {
                continue;
            }

            if (!column.Nullable)
            {
                AddError(index, column.Name, RecordErrorCodes.Missing, $"required {column.Type} field '{column.Name}' is missing");
            }

            _builders[column.Ordinal].AppendNull();
        }
    }

    private void DecodeValue(ref Utf8JsonReader reader, int index, ColumnDefinition column)
    {
        var builder = _builders[column.Ordinal];
        var token = reader.TokenType;
        if (token == JsonTokenType.Null)
        {
            if (!column.Nullable)
            {
                AddError(index, column.Name, RecordErrorCodes.NullNotAllowed, $"'{column.Name}' is required ({column.Type}) and cannot be null");
            }

            builder.AppendNull();
            return;
        }

        if (token is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            reader.Skip();
            AddError(index, column.Name, RecordErrorCodes.WrongType, $"'{column.Name}': expected a {column.Type} value, got {(token == JsonTokenType.StartObject ? "an object" : "an array")}");
            builder.AppendNull();
            return;
        }

        (string Code, string Message)? error;
        if (token is JsonTokenType.String or JsonTokenType.Number)
        {
            var length = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;

            // An escape (\uXXXX, 6 bytes) unescapes to at least one UTF-8 byte: a text longer than
            // six times the limit is too long without copying it.
            if (token == JsonTokenType.String && length > _maxStringBytes && (length > 6L * _maxStringBytes || UnescapedUtf8Length(ref reader) > _maxStringBytes))
            {
                AddError(index, column.Name, RecordErrorCodes.TooLong, $"'{column.Name}': the string is longer than the gateway's limit of {_maxStringBytes} UTF-8 bytes (Mallard:Gateway:MaxStringBytes)");
                builder.AppendNull();
                return;
            }

            if (token == JsonTokenType.String && column.Type.Kind == ColumnKind.String)
            {
                error = AppendUtf8String(ref reader, length, builder);
                if (error is { } invalid)
                {
                    AddError(index, column.Name, invalid.Code, $"'{column.Name}': {invalid.Message}");
                    builder.AppendNull();
                }

                return;
            }

            if (!reader.ValueIsEscaped && !reader.HasValueSequence && JsonValueParser.TryAppendUtf8(column.Type, token, reader.ValueSpan, builder))
            {
                return;
            }

            char[]? rented = null;
            var buffer = length <= 256 ? stackalloc char[256] : (rented = ArrayPool<char>.Shared.Rent(length));
            try
            {
                int written;
                if (token == JsonTokenType.String)
                {
                    try
                    {
                        written = reader.CopyString(buffer);
                    }
                    catch (InvalidOperationException)
                    {
                        AddError(index, column.Name, RecordErrorCodes.InvalidString, $"'{column.Name}': string is not valid Unicode text");
                        builder.AppendNull();
                        return;
                    }
                }
                else
                {
                    written = System.Text.Encoding.UTF8.GetChars(reader.ValueSpan, buffer);
                }

                error = JsonValueParser.TryAppend(column.Type, token, buffer[..written], builder);
            }
            finally
            {
                if (rented is not null)
                {
                    ArrayPool<char>.Shared.Return(rented);
                }
            }
        }
        else
        {
            error = JsonValueParser.TryAppend(column.Type, token, default, builder);
        }

        if (error is { } e)
        {
            AddError(index, column.Name, e.Code, $"'{column.Name}': {e.Message}");
            builder.AppendNull();
        }
    }

    // A string column's value goes to the vector as the body's own UTF-8 bytes (unescaped when it
    // has escapes), never as a .NET string: no transcoding, no object per value.
    private static (string Code, string Message)? AppendUtf8String(ref Utf8JsonReader reader, int length, ColumnVectorBuilder builder)
    {
        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            // The reader does not check the UTF-8 of unescaped text; a raw NUL cannot occur in JSON.
            if (!System.Text.Unicode.Utf8.IsValid(reader.ValueSpan))
            {
                return (RecordErrorCodes.InvalidString, "string is not valid Unicode text");
            }

            builder.AppendUtf8(reader.ValueSpan);
            return null;
        }

        // Unescaping never makes text longer.
        byte[]? rented = null;
        var buffer = length <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            int written;
            try
            {
                written = reader.CopyString(buffer);
            }
            catch (InvalidOperationException)
            {
                return (RecordErrorCodes.InvalidString, "string is not valid Unicode text");
            }

            var text = buffer[..written];
            if (!System.Text.Unicode.Utf8.IsValid(text))
            {
                return (RecordErrorCodes.InvalidString, "string is not valid Unicode text");
            }

            if (text.Contains((byte)0))
            {
                return (RecordErrorCodes.InvalidString, "string contains a NUL character, which is not stored");
            }

            builder.AppendUtf8(text);
            return null;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static long UnescapedUtf8Length(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped)
        {
            return reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        }

        try
        {
            return System.Text.Encoding.UTF8.GetByteCount(reader.GetString()!);
        }
        catch (InvalidOperationException)
        {
            // Not valid text: the copy below reports it as invalid_string.
            return 0;
        }
    }

    private static int CopyName(ReadOnlySpan<byte> bytes, Span<char> buffer)
    {
        return System.Text.Encoding.UTF8.TryGetChars(bytes, buffer, out var written) ? written : -1;
    }

    // Keeps every column vector one value per record even when a whole record is refused.
    private void AppendPlaceholders()
    {
        foreach (var builder in _builders)
        {
            builder.AppendNull();
        }
    }

    private void AddError(int index, string? field, string code, string message)
    {
        _totalErrors++;
        if (_errors.Count < _maxReportedErrors)
        {
            _errors.Add(new RecordError(index, field, code, message));
        }
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            throw new MalformedBodyException("the body ends before the JSON is complete");
        }

        return reader.TokenType;
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return cut < 0 ? message : message[..cut].TrimEnd('.', ' ') + ".";
    }

    private sealed class MalformedBodyException(string message) : Exception(message);
}
