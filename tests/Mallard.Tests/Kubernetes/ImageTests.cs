using System.Diagnostics;
using System.Net;
using System.Text;
using Mallard.Tests.Http;
using Mallard.Tests.Support;
using Xunit.Abstractions;

namespace Mallard.Tests.Kubernetes;

/// <summary>
/// Builds both images with the repository's Dockerfile (k8s/build-images.sh) on a private Docker
/// daemon, over a <c>debian:bookworm-slim</c> made locally with debootstrap (no registry is
/// reachable here), and runs them as the manifests do: non-root, read-only root filesystem, all
/// capabilities dropped, only the data volume and /tmp writable. Skipped, with the reason, where
/// no Docker daemon can run.
/// </summary>
[Collection(MachineWideCollection.Name)]
public sealed class ImageTests(ITestOutputHelper output)
{
    private static readonly string Cache = Path.Combine(
        Environment.GetEnvironmentVariable("XDG_CACHE_HOME") ?? Path.Combine(Environment.GetEnvironmentVariable("HOME") ?? "/tmp", ".cache"), "mallard-tests");

    [SkippableFact]
    public async Task Images_builtFromTheDockerfile_runNonRootOnAReadOnlyRoot_andServeIngestAndQueries()
    {
        Skip.IfNot(File.Exists("/usr/sbin/dockerd") && File.Exists("/usr/sbin/debootstrap"), "dockerd or debootstrap is not installed (./test.sh installs docker.io and debootstrap when it runs as root)");
        Skip.IfNot(Environment.UserName == "root", "a private Docker daemon needs root");
        using var run = new TempDirectory("mallard-image");
        await using var daemon = await DockerDaemon.StartAsync(Path.Combine(Cache, "docker"), run.Path);
        Skip.If(daemon.Failure is not null, "dockerd could not start here: " + daemon.Failure);

        var clock = Stopwatch.StartNew();
        EnsureBaseImage(daemon);
        output.WriteLine($"base image ready after {clock.Elapsed.TotalSeconds:0} s");
        Sh(daemon, "k8s/build-images.sh test", timeoutSeconds: 600);
        output.WriteLine($"images built after {clock.Elapsed.TotalSeconds:0} s");

        // The silo, embedded, as the pod runs it: its own address, read-only root, a data volume.
        var data = Path.Combine(run.Path, "data");
        Directory.CreateDirectory(data);
        Sh(daemon, $"chown 10001:10001 {data}");
        var (siloHttp, siloPort, gatewayPort, apiPort) = (FreePort.Next(), FreePort.Next(), FreePort.Next(), FreePort.Next());
        const string locked = "--network host --read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges";
        Sh(daemon, $"docker run -d --name mallard-silo-image {locked} -v {data}:/data "
            + $"-v {RepositoryPaths.File("schema.yaml")}:/etc/mallard/contract/schema.yaml:ro -e Mallard__Schema=/etc/mallard/contract/schema.yaml "
            + $"-e POD_IP=127.0.0.95 -e Mallard__Silo__HttpPort={siloHttp} -e Mallard__Cluster__SiloPort={siloPort} -e Mallard__Cluster__GatewayPort={gatewayPort} mallard-silo:test");
        using var silo = new HttpClient { BaseAddress = new Uri($"http://127.0.0.95:{siloHttp}"), Timeout = TimeSpan.FromSeconds(5) };
        await WaitForAsync(daemon, silo, "/readyz", "mallard-silo-image");
        Assert.Equal("ok", await silo.GetStringAsync("/healthz"));
        Assert.Equal("10001", Sh(daemon, "docker exec mallard-silo-image id -u").Trim());
        Assert.Contains("Read-only file system", Sh(daemon, "docker exec mallard-silo-image sh -c 'touch /app/x 2>&1; true'"), StringComparison.Ordinal);

        // The gateway image, keys off on its pod address, reaches the silo and DuckDB answers.
        Sh(daemon, $"docker run -d --name mallard-gateway-image {locked} "
            + $"-v {RepositoryPaths.File("schema.yaml")}:/etc/mallard/contract/schema.yaml:ro -e Mallard__Schema=/etc/mallard/contract/schema.yaml "
            + $"-e ASPNETCORE_URLS=http://127.0.0.96:{apiPort} -e Mallard__Auth__Mode=None -e Mallard__Cluster__GatewayPort={gatewayPort} mallard-gateway:test");
        using var gateway = new HttpClient { BaseAddress = new Uri($"http://127.0.0.96:{apiPort}"), Timeout = TimeSpan.FromSeconds(30) };
        await WaitForAsync(daemon, gateway, "/readyz", "mallard-gateway-image");
        using (var ingest = await gateway.PostAsync("/v1/datasets/page_views/records", new StringContent(PageView.JsonArray(PageView.Generate(25, seed: 9)), Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, ingest.StatusCode);
        }

        using var query = await gateway.PostAsync("/v1/datasets/page_views/query", new StringContent("""{"aggregates": [{"fn": "count", "as": "n"}]}""", Encoding.UTF8, "application/json"));
        var answer = await HttpJson.ReadJsonAsync(query, HttpStatusCode.OK);
        Assert.Equal("25", answer.GetProperty("rows")[0].GetProperty("n").GetString());
        Assert.True(File.Exists(Path.Combine(data, "shards", "page_views", "0.duckdb")) || Directory.GetFiles(Path.Combine(data, "shards", "page_views"), "*.duckdb").Length > 0);
        output.WriteLine($"images ran and answered after {clock.Elapsed.TotalSeconds:0} s");
    }

    // debootstrap's minimal Debian 12 under the base image's own name, so the Dockerfile is the
    // production one; the root is cached between runs on a machine.
    private void EnsureBaseImage(DockerDaemon daemon)
    {
        if (Sh(daemon, "docker images -q debian:bookworm-slim").Trim().Length > 0)
        {
            return;
        }

        Directory.CreateDirectory(Cache);
        var tarball = Path.Combine(Cache, "bookworm-minbase.tar");
        if (!File.Exists(tarball))
        {
            // The Debian mirror apt is already configured with.
            var root = Path.Combine(Cache, "bookworm-root");
            Sh(daemon, $"rm -rf {root} && mirror=$(grep -rhs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{{print $2}}' | grep -i debian | head -n 1); "
                + $"[ -n \"$mirror\" ] || mirror=$(grep -hs '^deb ' /etc/apt/sources.list | awk '{{print $2}}' | grep -i debian | head -n 1); "
                + $"debootstrap --variant=minbase bookworm {root} \"$mirror\" >/dev/null && tar -C {root} -cf {tarball}.part . && mv {tarball}.part {tarball} && rm -rf {root}", timeoutSeconds: 600);
        }

        Sh(daemon, $"docker import {tarball} debian:bookworm-slim");
    }

    private static async Task WaitForAsync(DockerDaemon daemon, HttpClient http, string path, string container)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(path);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                Assert.Fail($"{container} did not answer {path} in 60 s:\n{Sh(daemon, $"docker logs --tail 30 {container} 2>&1; true")}");
            }

            await Task.Delay(200);
        }
    }

    private static string Sh(DockerDaemon daemon, string script, int timeoutSeconds = 120)
    {
        var start = new ProcessStartInfo("bash", ["-c", script])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryPaths.Root,
        };
        start.Environment["DOCKER_HOST"] = daemon.Host;
        start.Environment["DOCKER_BUILDKIT"] = "0";
        start.Environment["DOCKER_BUILD_FLAGS"] = "--network host";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{script} did not finish in {timeoutSeconds} s");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} exited with {process.ExitCode}:\n{stderr.Result}\n{stdout.Result}");
        }

        return stdout.Result;
    }

    /// <summary>A dockerd of the test's own (its socket in a temp folder, its images in the cache), without a bridge network.</summary>
    private sealed class DockerDaemon : IAsyncDisposable
    {
        private Process? _process;
        private readonly StringBuilder _log = new();

        public string Host { get; private set; } = "";

        public string? Failure { get; private set; }

        public static async Task<DockerDaemon> StartAsync(string dataRoot, string runFolder)
        {
            var daemon = new DockerDaemon();
            Directory.CreateDirectory(dataRoot);
            var socket = Path.Combine(runFolder, "docker.sock");
            daemon.Host = "unix://" + socket;
            var start = new ProcessStartInfo(
                "/usr/sbin/dockerd",
                ["--bridge=none", "--iptables=false", "--ip6tables=false", "--data-root", dataRoot, "--exec-root", Path.Combine(runFolder, "exec"),
                 "--host", daemon.Host, "--pidfile", Path.Combine(runFolder, "docker.pid")])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            daemon._process = Process.Start(start)!;
            daemon._process.OutputDataReceived += (_, e) => daemon.Append(e.Data);
            daemon._process.ErrorDataReceived += (_, e) => daemon.Append(e.Data);
            daemon._process.BeginOutputReadLine();
            daemon._process.BeginErrorReadLine();
            var deadline = Stopwatch.StartNew();
            while (!File.Exists(socket) || !Responds(daemon.Host))
            {
                if (daemon._process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(30))
                {
                    lock (daemon._log)
                    {
                        daemon.Failure = daemon._log.ToString().Split('\n').LastOrDefault(l => l.Contains("level=error", StringComparison.Ordinal) || l.Contains("failed", StringComparison.OrdinalIgnoreCase)) ?? "no answer in 30 s";
                    }

                    break;
                }

                await Task.Delay(200);
            }

            return daemon;
        }

        public async ValueTask DisposeAsync()
        {
            if (_process is null)
            {
                return;
            }

            if (!_process.HasExited && Failure is null)
            {
                foreach (var container in new[] { "mallard-silo-image", "mallard-gateway-image" })
                {
                    using var rm = Process.Start(new ProcessStartInfo("docker", ["rm", "-f", container]) { Environment = { ["DOCKER_HOST"] = Host }, RedirectStandardOutput = true, RedirectStandardError = true })!;
                    await rm.WaitForExitAsync();
                }
            }

            if (!_process.HasExited)
            {
                using var term = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
                await term.WaitForExitAsync();
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                try
                {
                    await _process.WaitForExitAsync(wait.Token);
                }
                catch (OperationCanceledException)
                {
                    _process.Kill(entireProcessTree: true);
                }
            }

            _process.Dispose();
        }

        private static bool Responds(string host)
        {
            using var info = Process.Start(new ProcessStartInfo("docker", ["version", "--format", "{{.Server.Version}}"]) { Environment = { ["DOCKER_HOST"] = host }, RedirectStandardOutput = true, RedirectStandardError = true })!;
            info.WaitForExit();
            return info.ExitCode == 0;
        }

        private void Append(string? line)
        {
            if (line is not null)
            {
                lock (_log)
                {
                    _log.AppendLine(line);
                }
            }
        }
    }
}
