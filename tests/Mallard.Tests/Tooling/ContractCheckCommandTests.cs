using Mallard.Cli;
using Mallard.Tests.Support;

namespace Mallard.Tests.Tooling;

public sealed class ContractCheckCommandTests : IDisposable
{
    private readonly TempDirectory _folder = new();
    private readonly string _current;

    public ContractCheckCommandTests()
    {
        _current = _folder.Write("current.yaml", File.ReadAllText(RepositoryPaths.File("schema.yaml")));
    }

    [Fact]
    public void Check_compatible_change_lists_it_and_exits_zero()
    {
        var proposed = Propose("v2.yaml", s => s.Replace("version: 1", "version: 2", StringComparison.Ordinal)
            .Replace("      day:         { type: date }", "      day:         { type: date }\n      referrer:    { type: string, nullable: true }", StringComparison.Ordinal));

        var (code, output) = Run("contract", "check", _current, proposed);

        Assert.Equal(0, code);
        Assert.Contains("compatible", output, StringComparison.Ordinal);
        Assert.Contains("add nullable column 'referrer' (string)", output, StringComparison.Ordinal);
        Assert.Contains("1 change(s): 1 compatible, 0 breaking-with-migration, 0 breaking", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_breaking_change_without_migration_exits_one_naming_it()
    {
        var proposed = Propose("v2.yaml", s => s.Replace("version: 1", "version: 2", StringComparison.Ordinal).Replace("page:", "path:", StringComparison.Ordinal));

        var (code, output) = Run("contract", "check", _current, proposed);

        Assert.Equal(ContractCommands.Breaking, code);
        Assert.Contains("BREAKING", output, StringComparison.Ordinal);
        Assert.Contains("column 'page' was removed or renamed without a migration", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_breaking_change_with_migration_exits_zero()
    {
        var proposed = Propose("v2.yaml", s => s.Replace("version: 1", "version: 2", StringComparison.Ordinal).Replace("page:", "path:", StringComparison.Ordinal)
            + "\nmigrations:\n  - version: 2\n    dataset: page_views\n    rename_column: { from: page, to: path }\n");

        var (code, output) = Run("contract", "check", _current, proposed);

        Assert.Equal(0, code);
        Assert.Contains("breaking-with-migration", output, StringComparison.Ordinal);
        Assert.Contains("rename column page to path (migration v2)", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_malformed_contract_exits_two_naming_the_line()
    {
        var proposed = Propose("bad.yaml", s => s.Replace("type: bool", "type: boolean", StringComparison.Ordinal));

        var (code, output) = Run("contract", "check", _current, proposed);

        Assert.Equal(ContractCommands.Invalid, code);
        Assert.Contains("bad.yaml:19:", output, StringComparison.Ordinal);
        Assert.Contains("unknown type 'boolean'", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Committed_types_ts_is_what_the_generator_produces_from_schema_yaml()
    {
        var contract = Mallard.Contract.ContractLoader.LoadFile(RepositoryPaths.File("schema.yaml"));
        var committed = File.ReadAllText(RepositoryPaths.File("web", "src", "generated", "types.ts"));

        var generated = TypeScriptGenerator.Generate(contract, "schema.yaml");

        Assert.True(committed == generated, "web/src/generated/types.ts is stale: run ./mallard contract types schema.yaml web/src/generated/types.ts");
    }

    public void Dispose() => _folder.Dispose();

    private string Propose(string name, Func<string, string> change) =>
        _folder.Write(name, change(File.ReadAllText(_current)));

    private static (int Code, string Output) Run(params string[] args)
    {
        using var output = new StringWriter();
        var code = ContractCommands.Run(args, output, output);
        return (code, output.ToString());
    }
}
