using Mallard.Cli;
using Mallard.Security;
using Mallard.Tests.Support;

namespace Mallard.Tests.Tooling;

public sealed class KeysCommandTests
{
    [Fact]
    public void Create_printsTheKeyAloneOnItsLastLine_andListNeverShowsIt()
    {
        using var folder = new TempDirectory();
        var file = Path.Combine(folder.Path, "keys.json");
        var created = new StringWriter();

        Assert.Equal(0, KeysCommands.Run(["create", "--keys-file", file, "--name", "loader", "--scope", "ingest:page_views", "--scope", "query:*"], created, created));

        var key = created.ToString().TrimEnd().Split('\n')[^1];
        Assert.Matches("^mk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$", key);
        Assert.Equal("loader", ApiKeyFile.LoadOrCreate(file).Verify(key)?.Name);
        var listed = new StringWriter();
        Assert.Equal(0, KeysCommands.Run(["list", "--keys-file", file], listed, listed));
        Assert.Contains("loader", listed.ToString(), StringComparison.Ordinal);
        Assert.Contains("ingest:page_views query:*", listed.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(key[20..], listed.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(key[20..], File.ReadAllText(file), StringComparison.Ordinal);
    }

    [Fact]
    public void Revoke_activeKey_stopsIt_andAnUnknownNameExits1()
    {
        using var folder = new TempDirectory();
        var file = Path.Combine(folder.Path, "keys.json");
        var output = new StringWriter();
        KeysCommands.Run(["create", "--keys-file", file, "--name", "ops", "--scope", "admin"], output, output);
        var key = output.ToString().TrimEnd().Split('\n')[^1];

        Assert.Equal(0, KeysCommands.Run(["revoke", "--keys-file", file, "--name", "ops"], output, output));
        Assert.Null(ApiKeyFile.LoadOrCreate(file).Verify(key));
        Assert.Equal(1, KeysCommands.Run(["revoke", "--keys-file", file, "--name", "ops"], output, output));
    }

    [Theory]
    [InlineData("create", "--keys-file", "k.json", "--name", "x")]
    [InlineData("create", "--keys-file", "k.json", "--name", "x", "--scope", "superuser")]
    public void Create_withoutAValidScope_isRefused(params string[] args)
    {
        using var folder = new TempDirectory();
        args[2] = Path.Combine(folder.Path, args[2]);
        var error = new StringWriter();
        Assert.Equal(1, KeysCommands.Run(args, error, error));
        Assert.Contains("scope", error.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(args[2]));
    }
}
