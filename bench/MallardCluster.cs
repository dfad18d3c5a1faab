using System.Diagnostics;

namespace Mallard.Bench;

/// <summary>A silo and a gateway started from the Release build, as run.sh starts them, on a fresh data folder.</summary>
public sealed class MallardCluster : IDisposable
{
    private readonly string _data;

    private MallardCluster(Process silo, Process api, string gateway, string siloMetrics, string data)
    {
        SiloMetrics = siloMetrics;
        Silo = silo;
        Api = api;
        Gateway = gateway;
        _data = data;
    }

    public Process Silo { get; }

    public Process Api { get; }

    public string Gateway { get; }

    /// <summary>The silo's Prometheus endpoint.</summary>
    public string SiloMetrics { get; }

    public static MallardCluster Start(string schema, params string[] siloArgs) => Start(schema, [], siloArgs);

    public static MallardCluster Start(string schema, string[] apiArgs, string[] siloArgs)
    {
        var root = IngestBenchmark.FindRoot();
        var data = Path.Combine(Path.GetTempPath(), $"mallard-bench-{Guid.NewGuid():N}");
        var (siloPort, gatewayPort, siloHttp, apiPort) = (IngestBenchmark.FreePort(), IngestBenchmark.FreePort(), IngestBenchmark.FreePort(), IngestBenchmark.FreePort());
        string[] common = [$"--Mallard:Schema={schema}", $"--Mallard:Cluster:SiloPort={siloPort}", $"--Mallard:Cluster:GatewayPort={gatewayPort}", "--Logging:LogLevel:Default=Warning"];
        var silo = IngestBenchmark.Start(Path.Combine(root, "Silo/bin/Release/net10.0/Mallard.Silo.dll"), [.. common, $"--Mallard:Shards:DataDirectory={data}", $"--Mallard:Silo:HttpPort={siloHttp}", .. siloArgs]);
        IngestBenchmark.WaitFor($"http://127.0.0.1:{siloHttp}/healthz", silo);
        var api = IngestBenchmark.Start(Path.Combine(root, "Api/bin/Release/net10.0/Mallard.Api.dll"), [.. common, $"--urls=http://127.0.0.1:{apiPort}", .. apiArgs]);
        IngestBenchmark.WaitFor($"http://127.0.0.1:{apiPort}/readyz", api);
        return new MallardCluster(silo, api, $"http://127.0.0.1:{apiPort}", $"http://127.0.0.1:{siloHttp}/metrics", data);
    }

    public void Dispose()
    {
        foreach (var process in new[] { Api, Silo })
        {
            if (!process.HasExited)
            {
                process.Kill();
                process.WaitForExit();
            }

            process.Dispose();
        }

        Directory.Delete(_data, recursive: true);
    }
}
