using Mallard.Contract;

namespace Mallard.Cli;

/// <summary>
/// <c>mallard contract check OLD NEW</c>: lists every change, classified, and exits 1 on a breaking change
/// without a migration. <c>mallard contract types SCHEMA OUT</c>: writes the TypeScript types.
/// </summary>
public static class ContractCommands
{
    /// <summary>Exit code when the proposed contract is refused.</summary>
    public const int Breaking = 1;

    /// <summary>Exit code for a usage error or an unreadable contract.</summary>
    public const int Invalid = 2;

    private const string Usage = """
        usage:
          mallard contract check CURRENT.yaml PROPOSED.yaml   classify every change; exit 1 if any is breaking
          mallard contract types SCHEMA.yaml OUT.ts           generate TypeScript types for the contract
          mallard cluster status|rebalance|drain|undrain --gateway URL [--ordinal N] [--dry-run]
        """;

    /// <summary>Runs a command line; returns the process exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        try
        {
            return args switch
            {
                ["contract", "check", var current, var proposed] => Check(ContractLoader.LoadFile(current), ContractLoader.LoadFile(proposed), output),
                ["contract", "types", var schema, var target] => Types(ContractLoader.LoadFile(schema), target, output),
                _ => UsageError(error),
            };
        }
        catch (ContractException e)
        {
            error.WriteLine($"invalid contract: {e.Message}");
            return Invalid;
        }
    }

    private static int Check(ContractDefinition current, ContractDefinition proposed, TextWriter output)
    {
        var changes = ContractComparer.Compare(current, proposed);
        output.WriteLine($"{current.SourcePath} v{current.Version} -> {proposed.SourcePath} v{proposed.Version}");
        if (changes.Count == 0)
        {
            output.WriteLine("no changes");
            return 0;
        }

        foreach (var change in changes)
        {
            var label = change.Class switch
            {
                ChangeClass.Compatible => "compatible",
                ChangeClass.Migration => "breaking-with-migration",
                _ => "BREAKING",
            };
            output.WriteLine($"{label,-24} {change.Dataset ?? "(contract)",-20} {change.Description}");
        }

        var breaking = changes.Count(c => c.Class == ChangeClass.Breaking);
        output.WriteLine(
            $"{changes.Count} change(s): {changes.Count(c => c.Class == ChangeClass.Compatible)} compatible, "
            + $"{changes.Count(c => c.Class == ChangeClass.Migration)} breaking-with-migration, {breaking} breaking");
        return breaking > 0 ? Breaking : 0;
    }

    private static int Types(ContractDefinition contract, string target, TextWriter output)
    {
        var text = TypeScriptGenerator.Generate(contract, Path.GetFileName(contract.SourcePath));
        var folder = Path.GetDirectoryName(Path.GetFullPath(target));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }

        File.WriteAllText(target, text);
        output.WriteLine($"wrote {target} for contract v{contract.Version} ({contract.Datasets.Count} dataset(s))");
        return 0;
    }

    private static int UsageError(TextWriter error)
    {
        error.WriteLine(Usage);
        return Invalid;
    }
}
