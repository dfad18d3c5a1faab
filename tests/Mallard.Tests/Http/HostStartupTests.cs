using Mallard.Tests.Support;

namespace Mallard.Tests.Http;

/// <summary>A malformed contract or setting stops each host at start, naming the file, line or key and the problem.</summary>
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

    [Theory]
    [InlineData("Mallard.Silo.dll", "--Mallard:Shards:Threads=0", "Mallard:Shards:Threads")]
    [InlineData("Mallard.Silo.dll", "--Mallard:Silo:HttpPort=70000", "Mallard:Silo:HttpPort")]
    [InlineData("Mallard.Silo.dll", "--Mallard:Cluster:GatewayPort=many", "Mallard:Cluster:GatewayPort")]
    [InlineData("Mallard.Api.dll", "--Mallard:Gateway:MaxBodyBytes=0", "Mallard:Gateway:MaxBodyBytes")]
    [InlineData("Mallard.Api.dll", "--Mallard:Cluster:Mode=Zookeeper", "Mallard:Cluster:Mode")]
    [InlineData("Mallard.Api.dll", "--Mallard:Cluster:ColumnWire=v2", "Mallard:Cluster:ColumnWire")]
    public async Task Host_with_a_bad_setting_exits_2_naming_the_key(string host, string setting, string key)
    {
        using var folder = new TempDirectory();
        using var process = MallardProcess.Start(host, [$"--Mallard:Schema={RepositoryPaths.File("schema.yaml")}", $"--Mallard:Shards:DataDirectory={folder.Path}", setting]);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(2, process.ExitCode);
        Assert.Contains(key, process.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", process.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gateway_onANonLoopbackAddressWithoutKeys_refusesToStart_sayingWhy()
    {
        using var process = MallardProcess.Start("Mallard.Api.dll", [$"--Mallard:Schema={RepositoryPaths.File("schema.yaml")}", $"--urls=http://0.0.0.0:{FreePort.Next()}"]);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(2, process.ExitCode);
        Assert.Contains("without API keys", process.Log, StringComparison.Ordinal);
        Assert.Contains("Mallard:Auth:KeysFile", process.Log, StringComparison.Ordinal);
    }
}
