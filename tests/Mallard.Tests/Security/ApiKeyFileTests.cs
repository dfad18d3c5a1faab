using Mallard.Security;
using Mallard.Tests.Support;

namespace Mallard.Tests.Security;

public sealed class ApiKeyFileTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Create_savedAndLoaded_verifiesTheKey_andStoresNoPartOfItsSecret()
    {
        using var folder = new TempDirectory();
        var path = Path.Combine(folder.Path, "keys.json");
        var keys = ApiKeyFile.CreateEmpty();
        var (entry, key) = keys.Create("loader", ["ingest:page_views", "query:*"], Now);
        keys.Save(path);

        var loaded = ApiKeyFile.LoadOrCreate(path);
        Assert.Equal(entry.Id, loaded.Verify(key)?.Id);
        Assert.Equal(["ingest:page_views", "query:*"], loaded.Verify(key)!.Scopes);
        var secret = key[(key.LastIndexOf('_', 20) + 1)..][..20];
        Assert.DoesNotContain(secret, File.ReadAllText(path), StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("mk_")]
    [InlineData("Bearer")]
    [InlineData("mk_0123456789abcdef")]
    [InlineData("mk_0123456789abcdef_")]
    [InlineData("mk_0123456789abcdef_notthesecret")]
    public void Verify_malformedOrUnknownKey_isNull(string presented)
    {
        var keys = ApiKeyFile.CreateEmpty();
        keys.Create("a", ["admin"], Now);
        Assert.Null(keys.Verify(presented));
    }

    [Fact]
    public void Verify_rightIdWrongSecret_isNull()
    {
        var keys = ApiKeyFile.CreateEmpty();
        var (_, key) = keys.Create("a", ["admin"], Now);
        var tampered = key[..^1] + (key[^1] == 'A' ? 'B' : 'A');
        Assert.Null(keys.Verify(tampered));
    }

    [Fact]
    public void Revoke_activeKey_stopsItVerifying_andKeepsItListed()
    {
        var keys = ApiKeyFile.CreateEmpty();
        var (entry, key) = keys.Create("a", ["admin"], Now);

        Assert.True(keys.Revoke("a", Now));

        Assert.Null(keys.Verify(key));
        Assert.Equal(Now, keys.Keys.Single(k => k.Id == entry.Id).Revoked);
        Assert.False(keys.Revoke("a", Now));
    }

    [Theory]
    [InlineData("root")]
    [InlineData("ingest")]
    [InlineData("ingest:")]
    [InlineData("delete:page_views")]
    [InlineData("query:Page Views")]
    public void Create_malformedScope_isRefusedNamingIt(string scope)
    {
        var error = Assert.Throws<ArgumentException>(() => ApiKeyFile.CreateEmpty().Create("a", [scope], Now));
        Assert.Contains(scope, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_nameOfAnActiveKey_isRefused()
    {
        var keys = ApiKeyFile.CreateEmpty();
        keys.Create("a", ["admin"], Now);
        Assert.Throws<ArgumentException>(() => keys.Create("a", ["admin"], Now));
    }

    [Fact]
    public void Parse_notAKeysFile_namesTheFile()
    {
        var error = Assert.Throws<InvalidDataException>(() => ApiKeyFile.Parse("{\"keys\": 3}", "/etc/keys.json"));
        Assert.Contains("/etc/keys.json", error.Message, StringComparison.Ordinal);
    }
}
