using System.Reflection;
using System.Text.RegularExpressions;
using Mallard.Partitions;
using Mallard.Tests.Support;

namespace Mallard.Tests.Errors;

/// <summary>The error catalogue is the one place codes live: every code is in it, documented, and spelled nowhere else.</summary>
public sealed partial class ErrorCatalogTests
{
    private static readonly string[] SourceFolders = ["Api", "Grains", "Grains.Interfaces", "Silo", "Shared", "cli"];

    [Fact]
    public void Every_error_code_constant_is_catalogued_once()
    {
        var constants = Constants(typeof(ErrorCodes));
        Assert.Equal(constants.Order(StringComparer.Ordinal), ErrorCatalog.All.Select(e => e.Code).Order(StringComparer.Ordinal));
        Assert.Equal(ErrorCatalog.All.Count, ErrorCatalog.All.Select(e => e.Code).Distinct().Count());
        Assert.Equal(Constants(typeof(RecordErrorCodes)).Order(StringComparer.Ordinal), ErrorCatalog.RecordErrors.Select(e => e.Code).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Catalogue_statuses_are_client_errors_or_retryable_unavailability()
    {
        // A retryable answer is one the client may send again unchanged: 408 (sent too slowly),
        // 409 (in flight), 429, 503.
        Assert.All(ErrorCatalog.All, e => Assert.True(
            e.Retryable ? e.Status is 408 or 409 or 429 or 503 : e.Status is >= 400 and < 500,
            $"{e.Code}: status {e.Status}, retryable {e.Retryable}"));
    }

    [Fact]
    public void Docs_errors_md_lists_every_code_with_its_status_and_retry()
    {
        var rows = File.ReadAllLines(RepositoryPaths.File("docs/errors.md"))
            .Select(line => DocRow().Match(line))
            .Where(m => m.Success)
            .ToList();
        var problems = rows.Where(m => m.Groups["status"].Success)
            .Select(m => (Code: m.Groups["code"].Value, Status: int.Parse(m.Groups["status"].Value, System.Globalization.CultureInfo.InvariantCulture), Retry: m.Groups["retry"].Value == "yes"))
            .ToList();
        var records = rows.Where(m => !m.Groups["status"].Success).Select(m => m.Groups["code"].Value).ToList();

        Assert.Equal(ErrorCatalog.All.Select(e => (e.Code, e.Status, e.Retryable)), problems);
        Assert.Equal(ErrorCatalog.RecordErrors.Select(e => e.Code), records);
    }

    [Fact]
    public void No_source_file_spells_a_catalogued_code_as_a_literal()
    {
        var codes = ErrorCatalog.All.Select(e => e.Code).Concat(ErrorCatalog.RecordErrors.Select(e => e.Code)).ToHashSet(StringComparer.Ordinal);
        var catalogue = new[] { "ErrorCodes.cs", "RecordErrorCodes.cs" };
        var found = new List<string>();
        foreach (var folder in SourceFolders)
        {
            foreach (var file in Directory.EnumerateFiles(RepositoryPaths.File(folder), "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal) && !catalogue.Contains(Path.GetFileName(f))))
            {
                var lines = File.ReadAllLines(file);
                for (var i = 0; i < lines.Length; i++)
                {
                    found.AddRange(Literal().Matches(lines[i]).Select(m => m.Groups[1].Value).Where(codes.Contains)
                        .Select(code => $"{Path.GetRelativePath(RepositoryPaths.Root, file)}:{i + 1} spells \"{code}\""));
                    // A code handed over as a literal, catalogued or not (a one-word code has no underscore to find it by).
                    found.AddRange(CodeArgument().Matches(lines[i])
                        .Select(m => $"{Path.GetRelativePath(RepositoryPaths.Root, file)}:{i + 1} passes the literal code {m.Value.Trim()}"));
                }
            }
        }

        Assert.True(found.Count == 0, "use the ErrorCodes / RecordErrorCodes constants:\n" + string.Join("\n", found));
    }

    [Fact]
    public void Describe_refuses_a_code_that_is_not_catalogued()
    {
        var e = Assert.Throws<KeyNotFoundException>(() => ErrorCatalog.Describe("made_up"));
        Assert.Contains("made_up", e.Message, StringComparison.Ordinal);
    }

    private static List<string> Constants(Type type) =>
        type.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToList();

    [GeneratedRegex(@"^\| `(?<code>[a-z_]+)` \|(?: (?<status>\d{3}) \| (?<retry>yes|no) \|)?")]
    private static partial Regex DocRow();

    [GeneratedRegex("\"([a-z]+(?:_[a-z]+)+)\"")]
    private static partial Regex Literal();

    // new PartitionException("…", Problems.Create("…", AddError(i, f, "…", new RecordError(i, f, "…", and ("…", message) tuples.
    [GeneratedRegex(@"(new PartitionException\(\s*""|Problems\.Create\(\s*""|AddError\([^,]+,[^,]+,\s*""|new RecordError\([^,]+,[^,]+,\s*""|return \(\s*""[a-z_]+"",)")]
    private static partial Regex CodeArgument();
}
