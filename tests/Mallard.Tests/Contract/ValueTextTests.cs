using Mallard.Contract;

namespace Mallard.Tests.Contract;

public sealed class ValueTextTests
{
    [Theory]
    [InlineData("2024-05-01T12:00:00Z", "2024-05-01T12:00:00.000000Z")]
    [InlineData("2024-05-01T12:00:00.1Z", "2024-05-01T12:00:00.100000Z")]
    [InlineData("2024-05-01T12:00:00.123456Z", "2024-05-01T12:00:00.123456Z")]
    [InlineData("2024-05-01T12:00:00.1234560Z", "2024-05-01T12:00:00.123456Z")]
    [InlineData("2024-05-01T14:30:00+02:30", "2024-05-01T12:00:00.000000Z")]
    [InlineData("1969-12-31T23:59:59.999999Z", "1969-12-31T23:59:59.999999Z")]
    [InlineData("0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000000Z")]
    [InlineData("9999-12-31T23:59:59.999999Z", "9999-12-31T23:59:59.999999Z")]
    public void TryParseTimestamp_valid_text_round_trips_to_canonical_form(string input, string canonical)
    {
        Assert.Equal(ParseStatus.Ok, ValueText.TryParseTimestamp(input, out var micros));
        Assert.Equal(canonical, ValueText.FormatTimestamp(micros));
    }

    [Theory]
    [InlineData("2024-05-01T12:00:00.1234567Z", ParseStatus.TooPrecise)]
    [InlineData("2024-05-01T12:00:00", ParseStatus.InvalidFormat)]
    [InlineData("2024-05-01", ParseStatus.InvalidFormat)]
    [InlineData("2024-02-30T00:00:00Z", ParseStatus.OutOfRange)]
    [InlineData("2024-05-01T24:00:00Z", ParseStatus.OutOfRange)]
    [InlineData("0000-12-31T00:00:00Z", ParseStatus.OutOfRange)]
    [InlineData("9999-12-31T23:00:00-01:00", ParseStatus.OutOfRange)]
    [InlineData("2024-05-01T12:00:00.Z", ParseStatus.InvalidFormat)]
    public void TryParseTimestamp_unstorable_text_is_refused(string input, ParseStatus expected)
    {
        Assert.Equal(expected, ValueText.TryParseTimestamp(input, out _));
    }

    [Theory]
    [InlineData("12.34", 12, 2, "12.34")]
    [InlineData("12.3", 12, 2, "12.30")]
    [InlineData("12.340", 12, 2, "12.34")]
    [InlineData("-0.01", 12, 2, "-0.01")]
    [InlineData("-0", 12, 2, "0.00")]
    [InlineData("9999999999.99", 12, 2, "9999999999.99")]
    [InlineData("1.5e2", 12, 2, "150.00")]
    [InlineData("1e+2", 12, 2, "100.00")]
    [InlineData("0e100", 12, 2, "0.00")]
    [InlineData("1000e-3", 12, 2, "1.00")]
    [InlineData("125e-2", 12, 2, "1.25")]
    [InlineData("1234567890123456789012345678", 28, 0, "1234567890123456789012345678")]
    [InlineData("0.0000000001", 28, 10, "0.0000000001")]
    public void TryParseDecimal_exact_values_are_kept_digit_for_digit(string input, int precision, int scale, string canonical)
    {
        Assert.Equal(ParseStatus.Ok, ValueText.TryParseDecimal(input, precision, scale, out var value));
        Assert.Equal(canonical, ValueText.FormatDecimal(value, scale));
    }

    [Theory]
    [InlineData("12.345", 12, 2, ParseStatus.TooPrecise)]
    [InlineData("0.001", 12, 2, ParseStatus.TooPrecise)]
    [InlineData("1e-3", 12, 2, ParseStatus.TooPrecise)]
    [InlineData("10000000000.00", 12, 2, ParseStatus.OutOfRange)]
    [InlineData("1e10", 12, 2, ParseStatus.OutOfRange)]
    [InlineData("1,5", 12, 2, ParseStatus.InvalidFormat)]
    [InlineData(".5", 12, 2, ParseStatus.InvalidFormat)]
    [InlineData("1e", 12, 2, ParseStatus.InvalidFormat)]
    [InlineData("1e+", 12, 2, ParseStatus.InvalidFormat)]
    [InlineData("1e101", 28, 0, ParseStatus.InvalidFormat)]
    [InlineData("0e-99999999999", 28, 0, ParseStatus.InvalidFormat)]
    [InlineData("5.", 12, 2, ParseStatus.InvalidFormat)]
    [InlineData("+5", 12, 2, ParseStatus.InvalidFormat)]
    [InlineData("", 12, 2, ParseStatus.InvalidFormat)]
    [InlineData("NaN", 12, 2, ParseStatus.InvalidFormat)]
    public void TryParseDecimal_values_that_would_round_or_overflow_are_refused(string input, int precision, int scale, ParseStatus expected)
    {
        Assert.Equal(expected, ValueText.TryParseDecimal(input, precision, scale, out _));
    }

    [Theory]
    [InlineData("9223372036854775807", ParseStatus.Ok)]
    [InlineData("-9223372036854775808", ParseStatus.Ok)]
    [InlineData("9223372036854775808", ParseStatus.OutOfRange)]
    [InlineData("1.0", ParseStatus.InvalidFormat)]
    [InlineData("1e3", ParseStatus.InvalidFormat)]
    [InlineData(" 1", ParseStatus.InvalidFormat)]
    [InlineData("-", ParseStatus.InvalidFormat)]
    public void TryParseInt64_accepts_only_exact_digit_strings(string input, ParseStatus expected)
    {
        Assert.Equal(expected, ValueText.TryParseInt64(input, out _));
    }

    [Theory]
    [InlineData("2024-02-29", ParseStatus.Ok)]
    [InlineData("2023-02-29", ParseStatus.OutOfRange)]
    [InlineData("2024-2-29", ParseStatus.InvalidFormat)]
    [InlineData("2024-02-29T00:00:00Z", ParseStatus.InvalidFormat)]
    public void TryParseDate_accepts_only_real_calendar_dates(string input, ParseStatus expected)
    {
        Assert.Equal(expected, ValueText.TryParseDate(input, out var days));
        if (expected == ParseStatus.Ok)
        {
            Assert.Equal(input, ValueText.FormatDate(days));
        }
    }

    [Fact]
    public void TryParseUuid_accepts_canonical_form_in_either_case_and_formats_lower_case()
    {
        Assert.Equal(ParseStatus.Ok, ValueText.TryParseUuid("0B6F3C1E-8D1A-4C39-9A5E-1F2D3C4B5A60", out var value));
        Assert.Equal("0b6f3c1e-8d1a-4c39-9a5e-1f2d3c4b5a60", ValueText.FormatUuid(value));
        Assert.Equal(ParseStatus.InvalidFormat, ValueText.TryParseUuid("{0b6f3c1e-8d1a-4c39-9a5e-1f2d3c4b5a60}", out _));
        Assert.Equal(ParseStatus.InvalidFormat, ValueText.TryParseUuid("0b6f3c1e8d1a4c399a5e1f2d3c4b5a60", out _));
    }
}
