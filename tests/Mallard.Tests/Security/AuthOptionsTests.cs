using Mallard.Api.Auth;
using Mallard.Tests.Support;
using Microsoft.Extensions.Configuration;

namespace Mallard.Tests.Security;

public sealed class AuthOptionsTests
{
    [Theory]
    [InlineData("http://0.0.0.0:8080")]
    [InlineData("http://*:8080")]
    [InlineData("http://+:8080")]
    [InlineData("http://[::]:8080")]
    [InlineData("http://10.1.2.3:8080")]
    [InlineData("http://127.0.0.1:8080;http://mallard.internal:8080")]
    public void Read_exposedWithoutKeys_refusesToStartSayingWhy(string urls)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Read(new() { ["urls"] = urls }));
        Assert.Contains("without API keys", error.Message, StringComparison.Ordinal);
        Assert.Contains("Mallard:Auth:Mode=None", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080")]
    [InlineData("http://localhost:8080")]
    [InlineData("http://[::1]:8080")]
    public void Read_loopbackWithoutKeys_isOpen(string urls) =>
        Assert.Equal(AuthMode.None, Read(new() { ["urls"] = urls }).Effective);

    [Fact]
    public void Read_nothingConfigured_isLoopbackAndOpen() => Assert.Equal(AuthMode.None, Read([]).Effective);

    [Fact]
    public void Read_portsOnly_bindEveryInterface_andAreRefusedWithoutKeys() =>
        Assert.Throws<InvalidOperationException>(() => Read(new() { ["http_ports"] = "8080" }));

    [Fact]
    public void Read_exposedWithModeNone_isOpenOnPurpose() =>
        Assert.Equal(AuthMode.None, Read(new() { ["urls"] = "http://0.0.0.0:8080", ["Mallard:Auth:Mode"] = "None" }).Effective);

    [Fact]
    public void Read_keysFile_turnsKeysOn_evenOnLoopback()
    {
        using var folder = new TempDirectory();
        var file = folder.Write("keys.json", "{}");
        Assert.Equal(AuthMode.Keys, Read(new() { ["urls"] = "http://127.0.0.1:8080", ["Mallard:Auth:KeysFile"] = file }).Effective);
    }

    [Fact]
    public void Read_keysFileMissing_refusesNamingIt()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Read(new() { ["Mallard:Auth:KeysFile"] = "/nonexistent/keys.json" }));
        Assert.Contains("/nonexistent/keys.json", error.Message, StringComparison.Ordinal);
    }

    private static AuthOptions Read(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return AuthOptions.Read(configuration, ListenAddresses.From(configuration));
    }
}
