using System.Buffers.Text;
using System.Globalization;

namespace Mallard.Contract;

/// <summary>
/// The contract's canonical text form of each value kind, used on the wire (JSON in both
/// directions) and as the bytes the partition hash is computed over. Parsing is strict: a value
/// that cannot be stored exactly is refused, never rounded.
/// </summary>
public static class ValueText
{
    /// <summary>Microseconds per day.</summary>
    public const long MicrosPerDay = 86_400_000_000L;

    /// <summary>Smallest storable timestamp: 0001-01-01T00:00:00Z, in microseconds since the Unix epoch.</summary>
    public static readonly long MinTimestampMicros = (DateTime.MinValue.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    /// <summary>Largest storable timestamp: 9999-12-31T23:59:59.999999Z, in microseconds since the Unix epoch.</summary>
    public static readonly long MaxTimestampMicros = (DateTime.MaxValue.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    private static readonly int UnixEpochDayNumber = DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;

    /// <summary>Formats a timestamp as RFC 3339 UTC with exactly six fractional digits.</summary>
    public static string FormatTimestamp(long micros) =>
        TimestampToDateTime(micros).ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'ffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Formats a date as <c>YYYY-MM-DD</c>.</summary>
    public static string FormatDate(int days) =>
        DateToDateOnly(days).ToString("yyyy'-'MM'-'dd", CultureInfo.InvariantCulture);

    /// <summary>Formats a decimal with exactly <paramref name="scale"/> fractional digits.</summary>
    public static string FormatDecimal(decimal value, int scale) =>
        value.ToString("F" + scale.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    /// <summary>Formats a UUID in canonical lower-case 8-4-4-4-12 form.</summary>
    public static string FormatUuid(Guid value) => value.ToString("D");

    /// <summary>Formats an int64 as decimal digits.</summary>
    public static string FormatInt64(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Converts microseconds since the Unix epoch to a UTC <see cref="DateTime"/>.</summary>
    public static DateTime TimestampToDateTime(long micros) =>
        new(DateTime.UnixEpoch.Ticks + micros * 10, DateTimeKind.Utc);

    /// <summary>Converts a <see cref="DateTime"/> to microseconds since the Unix epoch (sub-microsecond ticks truncate).</summary>
    public static long DateTimeToTimestamp(DateTime value) => (value.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    /// <summary>Converts days since the Unix epoch to a <see cref="DateOnly"/>.</summary>
    public static DateOnly DateToDateOnly(int days) => DateOnly.FromDayNumber(UnixEpochDayNumber + days);

    /// <summary>Converts a <see cref="DateOnly"/> to days since the Unix epoch.</summary>
    public static int DateOnlyToDate(DateOnly value) => value.DayNumber - UnixEpochDayNumber;

    /// <summary>
    /// Parses an RFC 3339 timestamp (<c>YYYY-MM-DDTHH:MM:SS[.f{1,6}](Z|±HH:MM)</c>) to UTC microseconds.
    /// An offset is converted exactly; more than six non-zero fractional digits are refused.
    /// </summary>
    public static ParseStatus TryParseTimestamp(ReadOnlySpan<char> s, out long micros)
    {
        micros = 0;
        if (s.Length < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' || s[16] != ':')
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
        if (i < s.Length && s[i] == '.')
        {
            i++;
            var start = i;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                var digit = s[i] - '0';
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
        if (zone is "Z" or "z")
        {
            offsetMinutes = 0;
        }
        else if (zone.Length == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':'
            && Digits(zone.Slice(1, 2), out var offsetHours) && Digits(zone.Slice(4, 2), out var offsetMins)
            && offsetHours < 24 && offsetMins < 60)
        {
            offsetMinutes = (offsetHours * 60 + offsetMins) * (zone[0] == '-' ? -1 : 1);
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

    /// <summary>Parses <c>YYYY-MM-DD</c> to days since the Unix epoch.</summary>
    public static ParseStatus TryParseDate(ReadOnlySpan<char> s, out int days)
    {
        days = 0;
        if (s.Length != 10 || s[4] != '-' || s[7] != '-'
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

    /// <summary>Parses a UUID in canonical 8-4-4-4-12 hex form (either case).</summary>
    public static ParseStatus TryParseUuid(ReadOnlySpan<char> s, out Guid value) =>
        Guid.TryParseExact(s, "D", out value) ? ParseStatus.Ok : ParseStatus.InvalidFormat;

    /// <summary>Parses an optionally signed string of decimal digits to an int64.</summary>
    public static ParseStatus TryParseInt64(ReadOnlySpan<char> s, out long value)
    {
        value = 0;
        var digits = s.Length > 0 && s[0] == '-' ? s[1..] : s;
        if (digits.Length == 0 || digits.ContainsAnyExcept("0123456789"))
        {
            return ParseStatus.InvalidFormat;
        }

        return long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value)
            ? ParseStatus.Ok
            : ParseStatus.OutOfRange;
    }

    /// <summary>
    /// Parses a plain decimal literal (<c>-?digits[.digits][e±digits]</c>) for <c>decimal(p,s)</c>. Fractional
    /// digits beyond the scale must be zero, and integer digits must fit <c>p - s</c>; nothing is rounded.
    /// </summary>
    public static ParseStatus TryParseDecimal(ReadOnlySpan<char> s, int precision, int scale, out decimal value)
    {
        value = 0;
        var i = 0;
        var negative = false;
        if (i < s.Length && s[i] == '-')
        {
            negative = true;
            i++;
        }

        var integerStart = i;
        while (i < s.Length && char.IsAsciiDigit(s[i]))
        {
            i++;
        }

        var integerDigits = s[integerStart..i];
        ReadOnlySpan<char> fractionDigits = default;
        if (i < s.Length && s[i] == '.')
        {
            var fractionStart = ++i;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
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
        if (i < s.Length && (s[i] == 'e' || s[i] == 'E'))
        {
            i++;
            var exponentStart = i;
            if (i < s.Length && (s[i] == '+' || s[i] == '-'))
            {
                i++;
            }

            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
            }

            if (!int.TryParse(s[exponentStart..i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out exponent) || Math.Abs(exponent) > 100)
            {
                return ParseStatus.InvalidFormat;
            }
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
            var digit = (d < integerDigits.Length ? integerDigits[d] : fractionDigits[d - integerDigits.Length]) - '0';
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

        // unscaled < 10^28 < 2^96, so it fits a decimal's 96-bit mantissa exactly.
        value = new decimal((int)(uint)unscaled, (int)(uint)(unscaled >> 32), (int)(uint)(unscaled >> 64), negative && unscaled != 0, (byte)scale);
        return ParseStatus.Ok;
    }

    // Looked up, not multiplied out: decimal parsing asks for a power per digit.
    private static readonly UInt128[] PowersOf10 = BuildPowersOf10();

    private static UInt128 Pow10(int exponent) => PowersOf10[exponent];

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

    private static bool Digits(ReadOnlySpan<char> s, out int value)
    {
        value = 0;
        foreach (var c in s)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            value = value * 10 + (c - '0');
        }

        return true;
    }
}
