using Mallard.Tests.Support;

namespace Mallard.Tests.Http;

/// <summary>A malformed contract stops each host at start, naming the file, line and problem.</summary>
public sealed class HostStartupTests
{
    [Theory]
    [InlineData("Mallard.Silo.dll")]
    [InlineData("Mallard.Api.dll")]
    public async Task Host_with_malformed_contract_exits_naming_file_line_and_problem(string host)
    {
        using var folder = new TempDirectory();
        var schema = folder.Write("schema.yaml", "version: 1\ndatasets:\n  d:\n    key: [a]\n    partition_by: [a]\n    partitions: 1\n    columns:\n      a: { type: varchar }\n");
        using var process = MallardProcess.Start(host, [$"--Mallard:Schema={schema}"]);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(2, process.ExitCode);
        Assert.Contains($"{schema}:8:", process.Log, StringComparison.Ordinal);
        Assert.Contains("unknown type 'varchar'", process.Log, StringComparison.Ordinal);
    }
}
