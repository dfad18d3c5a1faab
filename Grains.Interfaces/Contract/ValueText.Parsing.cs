using System.Buffers.Text;
using System.Globalization;
using System.Numerics;

namespace Mallard.Contract;

// Each parser reads UTF-16 text (JSON strings once unescaped, query values, CLI input) or the
// UTF-8 bytes of a request body as they are (no transcoding on the ingest path). Both forms run the
// same generic code: the contract's forms are ASCII, and an ASCII character is the same number in
// either encoding, so the two overloads accept exactly the same values. (UUIDs: the UTF-8 form
// takes the canonical 36 characters only, where the platform's UTF-16 parser also trims white
// space; a caller falls back to the UTF-16 form, as the ingest path does.)
public static partial class ValueText
{
    /// <summary>
    /// Parses an RFC 3339 timestamp (<c>YYYY-MM-DDTHH:MM:SS[.f{1,6}](Z|±HH:MM)</c>) to UTC microseconds.
    /// An offset is converted exactly; more than six non-zero fractional digits are refused.
    /// </summary>
    public static ParseStatus TryParseTimestamp(ReadOnlySpan<char> s, out long micros) => ParseTimestamp(s, out micros);

    /// <inheritdoc cref="TryParseTimestamp(ReadOnlySpan{char}, out long)"/>
    public static ParseStatus TryParseTimestamp(ReadOnlySpan<byte> utf8, out long micros) => ParseTimestamp(utf8, out micros);

    /// <summary>Parses <c>YYYY-MM-DD</c> to days since the Unix epoch.</summary>
    public static ParseStatus TryParseDate(ReadOnlySpan<char> s, out int days) => ParseDate(s, out days);

    /// <inheritdoc cref="TryParseDate(ReadOnlySpan{char}, out int)"/>
    public static ParseStatus TryParseDate(ReadOnlySpan<byte> utf8, out int days) => ParseDate(utf8, out days);

    /// <summary>Parses a UUID in canonical 8-4-4-4-12 hex form (either case).</summary>
    public static ParseStatus TryParseUuid(ReadOnlySpan<char> s, out Guid value) =>
        Guid.TryParseExact(s, "D", out value) ? ParseStatus.Ok : ParseStatus.InvalidFormat;

    /// <summary>Parses a UUID written as exactly 8-4-4-4-12 hex digits (either case), nothing around it.</summary>
    public static ParseStatus TryParseUuid(ReadOnlySpan<byte> utf8, out Guid value) =>
        IsCanonicalUuid(utf8) && Utf8Parser.TryParse(utf8, out value, out var consumed, 'D') && consumed == 36
            ? ParseStatus.Ok
            : Fail(out value);

    // Exactly 8-4-4-4-12 hex digits: the two platform parsers differ at the edges (the UTF-16 one
    // trims white space), and neither edge is taken here.
    private static bool IsCanonicalUuid(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length != 36)
        {
            return false;
        }

        for (var i = 0; i < 36; i++)
        {
            var ok = i is 8 or 13 or 18 or 23 ? utf8[i] == '-' : char.IsAsciiHexDigit((char)utf8[i]);
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Parses an optionally signed string of decimal digits to an int64.</summary>
    public static ParseStatus TryParseInt64(ReadOnlySpan<char> s, out long value) => ParseInt64(s, out value);

    /// <inheritdoc cref="TryParseInt64(ReadOnlySpan{char}, out long)"/>
    public static ParseStatus TryParseInt64(ReadOnlySpan<byte> utf8, out long value) => ParseInt64(utf8, out value);

    /// <summary>
    /// Parses a plain decimal literal (<c>-?digits[.digits][e±digits]</c>) for <c>decimal(p,s)</c>. Fractional
    /// digits beyond the scale must be zero, and integer digits must fit <c>p - s</c>; nothing is rounded.
    /// </summary>
    public static ParseStatus TryParseDecimal(ReadOnlySpan<char> s, int precision, int scale, out decimal value) =>
        ParseDecimal(s, precision, scale, out value);

    /// <inheritdoc cref="TryParseDecimal(ReadOnlySpan{char}, int, int, out decimal)"/>
    public static ParseStatus TryParseDecimal(ReadOnlySpan<byte> utf8, int precision, int scale, out decimal value) =>
        ParseDecimal(utf8, precision, scale, out value);

    /// <summary>Parses a JSON number's literal as a finite float64.</summary>
    public static ParseStatus TryParseFloat64(ReadOnlySpan<char> s, out double value) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value) ? ParseStatus.Ok : ParseStatus.OutOfRange;

    /// <inheritdoc cref="TryParseFloat64(ReadOnlySpan{char}, out double)"/>
    public static ParseStatus TryParseFloat64(ReadOnlySpan<byte> utf8, out double value) =>
        double.TryParse(utf8, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value) ? ParseStatus.Ok : ParseStatus.OutOfRange;

    private static ParseStatus Fail<T>(out T value)
    {
        value = default!;
        return ParseStatus.InvalidFormat;
    }

    private static ParseStatus ParseTimestamp<TChar>(ReadOnlySpan<TChar> s, out long micros)
        where TChar : unmanaged, IBinaryInteger<TChar>
    {
        micros = 0;
        if (s.Length < 20 || At(s, 4) != '-' || At(s, 7) != '-' || (At(s, 10) != 'T' && At(s, 10) != 't' && At(s, 10) != ' ') || At(s, 13) != ':' || At(s, 16) != ':')
        {
            return ParseStatus.InvalidFormat;
        }

        if (!Digits(s[..4], out var year) || !Digits(s.Slice(5, 2), out var month) || !Digits(s.Slice(8, 2), out var day)
            || !Digits(s.Slice(11, 2), out var hour) || !Digits(s.Slice(14, 2), out var minute) || !Digits(s.Slice(17, 2), out var second))
        {
            return ParseStatus.InvalidFormat;
        }

        var i = 19;
        long fractionMicros = 0;
        if (i < s.Length && At(s, i) == '.')
        {
            i++;
            var start = i;
            while (i < s.Length && IsDigit(At(s, i)))
            {
                var digit = At(s, i) - '0';
                var position = i - start;
                if (position < 6)
                {
                    fractionMicros = fractionMicros * 10 + digit;
                }
                else if (digit != 0)
                {
                    return ParseStatus.TooPrecise;
                }

                i++;
            }

            var count = i - start;
            if (count == 0)
            {
                return ParseStatus.InvalidFormat;
            }

            for (var pad = count; pad < 6; pad++)
            {
                fractionMicros *= 10;
            }
        }

        long offsetMinutes;
        var zone = s[i..];
        if (zone.Length == 1 && At(zone, 0) is 'Z' or 'z')
        {
            offsetMinutes = 0;
        }
        else if (zone.Length == 6 && (At(zone, 0) == '+' || At(zone, 0) == '-') && At(zone, 3) == ':'
            && Digits(zone.Slice(1, 2), out var offsetHours) && Digits(zone.Slice(4, 2), out var offsetMins)
            && offsetHours < 24 && offsetMins < 60)
        {
            offsetMinutes = (offsetHours * 60 + offsetMins) * (At(zone, 0) == '-' ? -1 : 1);
        }
        else
        {
            return ParseStatus.InvalidFormat;
        }

        if (year < 1 || month < 1 || month > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return ParseStatus.OutOfRange;
        }

        var local = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified);
        var value = DateTimeToTimestamp(local) + fractionMicros - offsetMinutes * 60_000_000L;
        if (value < MinTimestampMicros || value > MaxTimestampMicros)
        {
            return ParseStatus.OutOfRange;
        }

        micros = value;
        return ParseStatus.Ok;
    }

    private static ParseStatus ParseDate<TChar>(ReadOnlySpan<TChar> s, out int days)
        where TChar : unmanaged, IBinaryInteger<TChar>
    {
        days = 0;
        if (s.Length != 10 || At(s, 4) != '-' || At(s, 7) != '-'
            || !Digits(s[..4], out var year) || !Digits(s.Slice(5, 2), out var month) || !Digits(s.Slice(8, 2), out var day))
        {
            return ParseStatus.InvalidFormat;
        }

        if (year < 1 || month < 1 || month > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return ParseStatus.OutOfRange;
        }

        days = DateOnlyToDate(new DateOnly(year, month, day));
        return ParseStatus.Ok;
    }

    private static ParseStatus ParseInt64<TChar>(ReadOnlySpan<TChar> s, out long value)
        where TChar : unmanaged, IBinaryInteger<TChar>
    {
        value = 0;
        var negative = s.Length > 0 && At(s, 0) == '-';
        var digits = negative ? s[1..] : s;
        if (digits.IsEmpty)
        {
            return ParseStatus.InvalidFormat;
        }

        // Every character is checked before the range, so "99…9x" is a format error, not a range one.
        foreach (var c in digits)
        {
            if (!IsDigit(int.CreateTruncating(c)))
            {
                return ParseStatus.InvalidFormat;
            }
        }

        var limit = negative ? (ulong)long.MaxValue + 1 : long.MaxValue;
        ulong magnitude = 0;
        foreach (var c in digits)
        {
            var digit = (ulong)(int.CreateTruncating(c) - '0');
            if (magnitude > (limit - digit) / 10)
            {
                return ParseStatus.OutOfRange;
            }

            magnitude = magnitude * 10 + digit;
        }

        value = negative ? (long)(0 - magnitude) : (long)magnitude;
        return ParseStatus.Ok;
    }

    private static ParseStatus ParseDecimal<TChar>(ReadOnlySpan<TChar> s, int precision, int scale, out decimal value)
        where TChar : unmanaged, IBinaryInteger<TChar>
    {
        value = 0;
        var i = 0;
        var negative = false;
        if (i < s.Length && At(s, i) == '-')
        {
            negative = true;
            i++;
        }

        var integerStart = i;
        while (i < s.Length && IsDigit(At(s, i)))
        {
            i++;
        }

        var integerDigits = s[integerStart..i];
        ReadOnlySpan<TChar> fractionDigits = default;
        if (i < s.Length && At(s, i) == '.')
        {
            var fractionStart = ++i;
            while (i < s.Length && IsDigit(At(s, i)))
            {
                i++;
            }

            fractionDigits = s[fractionStart..i];
            if (fractionDigits.IsEmpty)
            {
                return ParseStatus.InvalidFormat;
            }
        }

        var exponent = 0;
        if (i < s.Length && (At(s, i) == 'e' || At(s, i) == 'E'))
        {
            i++;
            var exponentNegative = i < s.Length && At(s, i) == '-';
            if (i < s.Length && (At(s, i) == '+' || At(s, i) == '-'))
            {
                i++;
            }

            var exponentStart = i;
            while (i < s.Length && IsDigit(At(s, i)))
            {
                // Capped: anything past 100 is refused below, however long the digits run.
                exponent = Math.Min(exponent * 10 + (At(s, i) - '0'), 1000);
                i++;
            }

            if (i == exponentStart || exponent > 100)
            {
                return ParseStatus.InvalidFormat;
            }

            exponent = exponentNegative ? -exponent : exponent;
        }

        if (i != s.Length || integerDigits.IsEmpty)
        {
            return ParseStatus.InvalidFormat;
        }

        // Every digit keeps its place value: the digit at fraction index f (0 = first digit after the
        // point, negative = integer part) contributes digit * 10^(scale - 1 - f) to the unscaled value.
        var pointPosition = integerDigits.Length + exponent;
        UInt128 unscaled = 0;
        var limit = Pow10(precision);
        for (var d = 0; d < integerDigits.Length + fractionDigits.Length; d++)
        {
            var digit = (d < integerDigits.Length ? At(integerDigits, d) : At(fractionDigits, d - integerDigits.Length)) - '0';
            if (digit == 0)
            {
                continue;
            }

            var fractionIndex = d - pointPosition;
            if (fractionIndex >= scale)
            {
                return ParseStatus.TooPrecise;
            }

            var power = scale - 1 - fractionIndex;
            if (power >= precision)
            {
                return ParseStatus.OutOfRange;
            }

            // power < precision <= 28, so every term and the running sum stay below 10^29 < 2^128.
            unscaled += (UInt128)digit * Pow10(power);
        }

        if (unscaled >= limit)
        {
            return ParseStatus.OutOfRange;
        }

        value = DecimalOf(unscaled, negative, scale);
        return ParseStatus.Ok;
    }

    /// <summary>
    /// The decimal <c>±magnitude / 10^scale</c>, exactly; <paramref name="magnitude"/> must be below
    /// 10^28 (so below 2^96, a decimal's mantissa). A zero is never negative.
    /// </summary>
    public static decimal DecimalOf(UInt128 magnitude, bool negative, int scale) =>
        new((int)(uint)magnitude, (int)(uint)(magnitude >> 32), (int)(uint)(magnitude >> 64), negative && magnitude != 0, (byte)scale);

    /// <summary>10^<paramref name="exponent"/>, for 0 ≤ exponent ≤ 38.</summary>
    public static UInt128 Pow10(int exponent) => PowersOf10[exponent];

    // Looked up, not multiplied out: decimal parsing asks for a power per digit.
    private static readonly UInt128[] PowersOf10 = BuildPowersOf10();

    private static UInt128[] BuildPowersOf10()
    {
        var powers = new UInt128[39];
        powers[0] = 1;
        for (var i = 1; i < powers.Length; i++)
        {
            powers[i] = powers[i - 1] * 10;
        }

        return powers;
    }

    // The code unit at i as a number: a UTF-16 unit or a UTF-8 byte (non-ASCII text matches no
    // character the parsers look for, in either form).
    private static int At<TChar>(ReadOnlySpan<TChar> s, int i)
        where TChar : unmanaged, IBinaryInteger<TChar> => int.CreateTruncating(s[i]);

    private static bool IsDigit(int c) => (uint)(c - '0') <= 9;

    private static bool Digits<TChar>(ReadOnlySpan<TChar> s, out int value)
        where TChar : unmanaged, IBinaryInteger<TChar>
    {
        value = 0;
        foreach (var unit in s)
        {
            var c = int.CreateTruncating(unit);
            if (!IsDigit(c))
            {
                return false;
            }

            value = value * 10 + (c - '0');
        }

        return true;
    }
}
