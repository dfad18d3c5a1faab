using Mallard.Partitions;
using Mallard.Silo.Cluster;
using Microsoft.Extensions.Configuration;

namespace Mallard.Tests.PostgresCluster;

public sealed class SiloClusterSettingsTests
{
    [Fact]
    public void Read_nothing_configured_isEmbeddedOrdinalZeroWithLongTimeout()
    {
        var settings = SiloClusterSettings.Read(Configuration());

        Assert.Equal(ClusterMode.Embedded, settings.Mode);
        Assert.Equal(0, settings.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.ResponseTimeout);
    }

    [Fact]
    public void Read_postgresWithStatefulSetPodName_takesOrdinalFromTheNameSuffix()
    {
        var settings = SiloClusterSettings.Read(Configuration(
            ("Mallard:Cluster:Mode", "postgresql"),
            ("Mallard:Cluster:PostgreSql", "Host=db"),
            ("Mallard:Cluster:Silos", "3"),
            ("POD_NAME", "mallard-silo-2")));

        Assert.Equal(ClusterMode.PostgreSql, settings.Mode);
        Assert.Equal(2, settings.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.ResponseTimeout);
    }

    [Fact]
    public void Read_embeddedWithClusterLeftovers_isOneSiloOwningEverything()
    {
        var settings = SiloClusterSettings.Read(Configuration(
            ("Mallard:Cluster:Silos", "3"),
            ("Mallard:Cluster:Ordinal", "2"),
            ("POD_NAME", "mallard-1")));

        Assert.Equal((ClusterMode.Embedded, 0, 1), (settings.Mode, settings.Ordinal, settings.Silos));
    }

    [Theory]
    [InlineData(null, ColumnWireFormat.Packed)]
    [InlineData("fields", ColumnWireFormat.Fields)]
    [InlineData("Packed", ColumnWireFormat.Packed)]
    public void Read_columnWire_isPackedUnlessSetToFields(string? setting, ColumnWireFormat expected)
    {
        var settings = SiloClusterSettings.Read(setting is null ? Configuration() : Configuration(("Mallard:Cluster:ColumnWire", setting)));

        Assert.Equal(expected, settings.ColumnWire);
    }

    [Fact]
    public void Read_explicitOrdinal_winsOverPodName()
    {
        var settings = SiloClusterSettings.Read(Configuration(
            ("Mallard:Cluster:Mode", "PostgreSql"),
            ("Mallard:Cluster:PostgreSql", "Host=db"),
            ("Mallard:Cluster:Silos", "3"),
            ("Mallard:Cluster:Ordinal", "1"),
            ("POD_NAME", "mallard-2")));

        Assert.Equal(1, settings.Ordinal);
    }

    [Theory]
    [InlineData("Mallard:Cluster:Mode", "Zookeeper", "Mallard:Cluster:Mode")]
    [InlineData("Mallard:Cluster:Ordinal", "-1", "Mallard:Cluster:Ordinal")]
    [InlineData("Mallard:Cluster:Silos", "0", "Mallard:Cluster:Silos")]
    [InlineData("Mallard:Cluster:AdvertisedAddress", "silo.local", "Mallard:Cluster:AdvertisedAddress")]
    [InlineData("POD_IP", "pod-7", "POD_IP")]
    [InlineData("Mallard:Cluster:Kubernetes", "maybe", "Mallard:Cluster:Kubernetes")]
    [InlineData("Mallard:Cluster:ColumnWire", "1", "Mallard:Cluster:ColumnWire")]
    [InlineData("Mallard:Cluster:ColumnWire", "Json", "Mallard:Cluster:ColumnWire")]
    public void Read_badSetting_failsNamingIt(string key, string value, string named)
    {
        var configuration = Configuration(
            ("Mallard:Cluster:Mode", "PostgreSql"),
            ("Mallard:Cluster:PostgreSql", "Host=db"),
            ("Mallard:Cluster:Silos", "3"),
            (key, value));

        var error = Assert.Throws<InvalidOperationException>(() => SiloClusterSettings.Read(configuration));
        Assert.Contains(named, error.Message);
    }

    [Fact]
    public void Read_inAPod_advertisesAndBindsThePodAddress_andTheAgentIsOffWithoutAnApiServer()
    {
        var settings = SiloClusterSettings.Read(Configuration(
            ("Mallard:Cluster:Mode", "PostgreSql"),
            ("Mallard:Cluster:PostgreSql", "Host=db"),
            ("POD_NAME", "mallard-silo-3"),
            ("POD_IP", "127.0.0.13")));

        Assert.Equal((3, "127.0.0.13", "127.0.0.13"), (settings.Ordinal, settings.AdvertisedAddress.ToString(), settings.PodAddress?.ToString()));
        // This machine mounts no service account: Auto leaves the Kubernetes agent off.
        Assert.False(settings.KubernetesHosting);
    }

    [Fact]
    public void Read_explicitAdvertisedAddress_winsOverThePodAddress()
    {
        var settings = SiloClusterSettings.Read(Configuration(
            ("Mallard:Cluster:Mode", "PostgreSql"),
            ("Mallard:Cluster:PostgreSql", "Host=db"),
            ("Mallard:Cluster:AdvertisedAddress", "10.1.2.3"),
            ("POD_IP", "127.0.0.13")));

        Assert.Equal("10.1.2.3", settings.AdvertisedAddress.ToString());
    }

    [Fact]
    public void Read_ordinalBeyondTheOldSiloCount_isAccepted()
    {
        // Ordinals are any non-negative integers: a fourth silo may join a cluster configured for three.
        var settings = SiloClusterSettings.Read(Configuration(
            ("Mallard:Cluster:Mode", "PostgreSql"),
            ("Mallard:Cluster:PostgreSql", "Host=db"),
            ("Mallard:Cluster:Silos", "3"),
            ("Mallard:Cluster:Ordinal", "7")));

        Assert.Equal(7, settings.Ordinal);
    }

    [Fact]
    public void Read_postgresWithoutConnectionString_failsNamingTheKey()
    {
        var error = Assert.Throws<InvalidOperationException>(() => SiloClusterSettings.Read(Configuration(("Mallard:Cluster:Mode", "PostgreSql"))));
        Assert.Contains("Mallard:Cluster:PostgreSql", error.Message);
    }

    // Later values override earlier ones, as a later configuration source would.
    private static IConfiguration Configuration(params (string Key, string Value)[] values)
    {
        var builder = new ConfigurationBuilder();
        foreach (var (key, value) in values)
        {
            builder.AddInMemoryCollection([new KeyValuePair<string, string?>(key, value)]);
        }

        return builder.Build();
    }
}
