using System.Globalization;

namespace Mallard.Contract;

/// <summary>
/// The contract's canonical text form of each value kind, used on the wire (JSON in both
/// directions) and as the bytes the partition hash is computed over. Parsing is strict: a value
/// that cannot be stored exactly is refused, never rounded.
/// </summary>
public static partial class ValueText
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
}
