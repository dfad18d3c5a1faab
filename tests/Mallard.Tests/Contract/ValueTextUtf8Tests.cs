using System.Globalization;
using System.Text;
using Mallard.Contract;

namespace Mallard.Tests.Contract;

/// <summary>
/// The ingest path parses values from a body's UTF-8 bytes; every other caller parses UTF-16 text.
/// Both must accept exactly the same values and produce exactly the same results.
/// </summary>
public sealed class ValueTextUtf8Tests
{
    private static readonly string[] Seeds =
    [
        "2026-11-26T10:00:00.123456Z", "2024-05-01T14:30:00+02:30", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z",
        "2024-05-01t12:00:00.1234560z", "2024-05-01 12:00:00-00:00", "2026-11-26", "2024-02-29", "0000-01-01",
        "0b6f3c1e-8d1a-4c39-9a5e-1f2d3c4b5a60", "0B6F3C1E-8D1A-4C39-9A5E-1F2D3C4B5A60", " 0b6f3c1e-8d1a-4c39-9a5e-1f2d3c4b5a60 ",
        "0", "-0", "007", "9223372036854775807", "-9223372036854775808", "9223372036854775808", "-9223372036854775809",
        "99999999999999999999x", "+5", "12.34", "-0.01", "1.5e2", "125e-2", "1e+2", "1e100", "1e-100", "1e101", "1e", "1e+",
        "0.000000000000000000000000001", "1234567890123456789012345678", ".5", "5.", "0.5", "1E400", "-1e-400", "3.14159",
    ];

    // Characters that the parsers look for, and some they must refuse (one of each UTF-8 length).
    private static readonly string[] Alphabet =
        [.. "0123456789-+.:eETtZz xaF".Select(c => c.ToString()), "\u00e9", "\u20ac", "\U0001F600"];

    // The seeds and 40 random edits of each (1,640 texts), the same on every run.
    private static IEnumerable<string> Inputs()
    {
        var random = new Random(20261129);
        foreach (var seed in Seeds)
        {
            yield return seed;
            for (var variant = 0; variant < 40; variant++)
            {
                yield return Mutate(seed, random);
            }
        }
    }

    [Fact]
    public void Utf8AndUtf16Parsers_sameText_sameStatusAndValue()
    {
        foreach (var text in Inputs())
        {
            AssertSameResults(text);
        }
    }

    [Fact]
    public void TryParseInt64_anyText_agreesWithThePlatformParserOfDigits()
    {
        foreach (var text in Inputs())
        {
            // The former implementation: digits (after an optional '-') checked first, then the platform's range.
            var digits = text.StartsWith('-') ? text[1..] : text;
            var expected = digits.Length == 0 || digits.AsSpan().ContainsAnyExcept("0123456789")
                ? (ParseStatus.InvalidFormat, 0L)
                : long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed) ? (ParseStatus.Ok, parsed) : (ParseStatus.OutOfRange, 0L);

            Assert.True(expected == (ValueText.TryParseInt64(text, out var value), value), $"'{text}': expected {expected}, got {value}");
        }
    }

    private static void AssertSameResults(string text)
    {
        var utf8 = Encoding.UTF8.GetBytes(text);

        Assert.Equal(Result(text, ValueText.TryParseTimestamp(text, out var a), a), Result(text, ValueText.TryParseTimestamp(utf8, out var b), b));
        Assert.Equal(Result(text, ValueText.TryParseDate(text, out var c), c), Result(text, ValueText.TryParseDate(utf8, out var d), d));
        Assert.Equal(Result(text, ValueText.TryParseInt64(text, out var e), e), Result(text, ValueText.TryParseInt64(utf8, out var f), f));
        Assert.Equal(Result(text, ValueText.TryParseFloat64(text, out var g), g), Result(text, ValueText.TryParseFloat64(utf8, out var h), h));
        foreach (var (precision, scale) in new[] { (12, 2), (28, 0), (28, 10), (1, 0) })
        {
            Assert.Equal(
                Result(text, ValueText.TryParseDecimal(text, precision, scale, out var i), i),
                Result(text, ValueText.TryParseDecimal(utf8, precision, scale, out var j), j));
        }

        // The UTF-8 form takes the canonical text only (the UTF-16 form also trims white space);
        // on the canonical text both agree.
        var strict = ValueText.TryParseUuid(utf8, out var uuid);
        var lenient = ValueText.TryParseUuid(text, out var same);
        if (strict == ParseStatus.Ok || (lenient == ParseStatus.Ok && text.Trim() == text))
        {
            Assert.Equal((text, lenient, same), (text, strict, uuid));
        }
    }

    [Theory]
    [InlineData("0b6f3c1e-8d1a-4c39-9a5e-1f2d3c4b5a60")]
    [InlineData("0B6F3C1E-8D1A-4C39-9A5E-1F2D3C4B5A60")]
    public void TryParseUuid_canonicalUtf8_isAccepted(string text)
    {
        Assert.Equal(ParseStatus.Ok, ValueText.TryParseUuid(Encoding.UTF8.GetBytes(text), out var uuid));
        Assert.Equal(Guid.Parse(text), uuid);
    }

    // The text goes along so that a failure names it.
    private static (string, ParseStatus, string?) Result<T>(string text, ParseStatus status, T value) =>
        (text, status, status == ParseStatus.Ok ? Convert.ToString(value, CultureInfo.InvariantCulture) : null);

    private static string Mutate(string seed, Random random)
    {
        var text = new StringBuilder(seed);
        for (var edit = random.Next(1, 3); edit > 0; edit--)
        {
            var position = random.Next(text.Length + 1);
            var character = Alphabet[random.Next(Alphabet.Length)];
            switch (random.Next(3))
            {
                case 0 when position < text.Length:
                    text.Remove(position, 1);
                    break;
                case 1 when position < text.Length:
                    text.Remove(position, 1).Insert(position, character);
                    break;
                default:
                    text.Insert(position, character);
                    break;
            }
        }

        return text.ToString();
    }
}
