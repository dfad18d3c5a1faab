using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Mallard.Tests.Support;

namespace Mallard.Tests.Kubernetes;

/// <summary>
/// One pod of a rendered workload, run as a process the way its container would run: the
/// container's command (mapped to the built assembly) and env, with fieldRef values filled in
/// (<c>POD_NAME</c>, <c>POD_NAMESPACE</c>, <c>POD_IP</c>: a loopback address of its own), Secret
/// keys from the emulated Secrets, and every ConfigMap, Secret and volume mounted where the manifest
/// mounts it (under the pod's own folder: env values naming a mount path point there). Its probes
/// are polled at their declared paths, ports, periods and thresholds, and every answer recorded.
/// </summary>
public sealed partial class EmulatedPod : IAsyncDisposable
{
    private readonly JsonNode _container;
    private readonly JsonNode _podSpec;
    private readonly RenderedManifests _manifests;
    private readonly IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> _secrets;
    private readonly IReadOnlyDictionary<string, string> _overrides;
    private readonly string _root;
    private readonly Stopwatch _clock;
    private readonly List<ProbeResult> _timeline = [];
    private MallardProcess? _process;
    private CancellationTokenSource? _probing;
    private Task[] _probes = [];

    public EmulatedPod(
        RenderedManifests manifests,
        JsonObject workload,
        string name,
        string podIp,
        string root,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> secrets,
        IReadOnlyDictionary<string, string> overrides,
        Stopwatch clock)
    {
        _manifests = manifests;
        _podSpec = workload["spec"]!["template"]!["spec"]!;
        _container = _podSpec["containers"]![0]!;
        _secrets = secrets;
        _overrides = overrides;
        _root = root;
        _clock = clock;
        Name = name;
        PodIp = podIp;
        Namespace = (string?)workload["metadata"]!["namespace"] ?? "default";
        Directory.CreateDirectory(root);
    }

    public string Name { get; }

    public string PodIp { get; }

    public string Namespace { get; }

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Whether the kubelet would count the pod ready now: startup passed and readiness not failing past its threshold.</summary>
    public bool IsReady { get; private set; }

    /// <summary>When the last process ended (clock time), or null while running.</summary>
    public TimeSpan? ExitedAt { get; private set; }

    public string Log => _process?.Log ?? "";

    /// <summary>Everything the pod's current process wrote.</summary>
    public string FullLog => _process?.FullLog ?? "";

    public IReadOnlyList<ProbeResult> Timeline
    {
        get
        {
            lock (_timeline)
            {
                return [.. _timeline];
            }
        }
    }

    /// <summary>The container's environment as the kubelet would set it.</summary>
    public Dictionary<string, string> Environment()
    {
        var mounts = Mounts();
        var resolved = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var variable in _container["env"]!.AsArray())
        {
            var name = (string)variable!["name"]!;
            string? value;
            if (variable["valueFrom"] is { } from)
            {
                value = from["fieldRef"] is { } field
                    ? (string?)field["fieldPath"] switch
                    {
                        "metadata.name" => Name,
                        "metadata.namespace" => Namespace,
                        "status.podIP" => PodIp,
                        var other => throw new InvalidOperationException($"{Name}: no emulation for fieldRef {other}"),
                    }
                    : from["secretKeyRef"] is { } secret
                        ? _secrets[BaseName((string)secret["name"]!)][(string)secret["key"]!]
                        : throw new InvalidOperationException($"{Name}: no emulation for {from.ToJsonString()}");
            }
            else
            {
                // $(VAR) expands only variables declared earlier, as the kubelet does.
                value = Reference().Replace((string?)variable["value"] ?? "", m => resolved.GetValueOrDefault(m.Groups[1].Value, m.Value));
            }

            // A path under a mount points into the pod's folder, where the mount's files are.
            foreach (var (mountPath, hostPath) in mounts.OrderByDescending(m => m.MountPath.Length))
            {
                if (value == mountPath || value!.StartsWith(mountPath + "/", StringComparison.Ordinal))
                {
                    value = hostPath + value[mountPath.Length..];
                    break;
                }
            }

            resolved[name] = value!;
        }

        foreach (var (name, value) in _overrides)
        {
            resolved[name] = value;
        }

        return resolved;
    }

    /// <summary>Starts the container's process and its probes.</summary>
    public void Start()
    {
        var command = (string)_container["command"]![0]!;
        var assembly = Path.GetFileName(command) + ".dll";
        _process = MallardProcess.Start(assembly, [], Environment());
        ExitedAt = null;
        IsReady = false;
        _probing = new CancellationTokenSource();
        _probes = [ProbeAsync("startupProbe", _probing.Token)];
    }

    /// <summary>
    /// SIGTERM, then waits up to the pod's grace period (SIGKILL after it). Meanwhile readiness is
    /// probed every 100 ms until it first fails, as the endpoints controller watches a terminating
    /// pod: the timeline shows whether the pod turned unready before its process ended.
    /// </summary>
    public async Task<int> TerminateAsync()
    {
        var process = _process ?? throw new InvalidOperationException($"{Name} is not running");
        var grace = TimeSpan.FromSeconds(int.Parse((string?)_podSpec["terminationGracePeriodSeconds"] ?? "30", CultureInfo.InvariantCulture));
        using var deadline = new CancellationTokenSource(grace);
        await process.SignalTerminateAsync(CancellationToken.None);
        Record("signal", "SIGTERM");
        var exit = process.WaitForExitAsync(deadline.Token);
        if (_container["readinessProbe"] is { } readiness)
        {
            while (!exit.IsCompleted && await ProbeOnceAsync("readinessProbe", readiness))
            {
                await Task.WhenAny(exit, Task.Delay(100));
            }
        }

        try
        {
            await exit;
        }
        catch (OperationCanceledException)
        {
            await process.KillAsync();
            Record("signal", "SIGKILL after the grace period");
        }

        return await StoppedAsync();
    }

    /// <summary>SIGKILL, as a node that disappears.</summary>
    public async Task KillAsync()
    {
        var process = _process ?? throw new InvalidOperationException($"{Name} is not running");
        Record("signal", "SIGKILL");
        await process.KillAsync();
        await StoppedAsync();
    }

    /// <summary>Waits until the pod is ready by its own probes (at most <paramref name="timeout"/>).</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (!IsReady)
        {
            if (_process is { HasExited: true } exited)
            {
                throw new InvalidOperationException($"{Name} exited with {exited.ExitCode} before it was ready:\n{exited.Log}");
            }

            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"{Name} not ready after {timeout}; probes:\n{string.Join("\n", Timeline.TakeLast(10))}\n{Log}");
            }

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.KillAsync();
            await StoppedAsync();
        }
    }

    private async Task<int> StoppedAsync()
    {
        var process = _process!;
        ExitedAt = _clock.Elapsed;
        Record("exit", process.ExitCode.ToString(CultureInfo.InvariantCulture));
        IsReady = false;
        if (_probing is not null)
        {
            await _probing.CancelAsync();
            await Task.WhenAll(_probes.Select(p => p.ContinueWith(_ => { }, TaskScheduler.Default)));
            _probing.Dispose();
            _probing = null;
        }

        var code = process.ExitCode;
        process.Dispose();
        _process = null;
        return code;
    }

    // The kubelet's loop for one probe: startup first, then readiness and liveness.
    private async Task ProbeAsync(string kind, CancellationToken cancellationToken)
    {
        var probe = _container[kind];
        if (probe is null)
        {
            if (kind == "startupProbe")
            {
                StartedUp(cancellationToken);
            }

            return;
        }

        var period = TimeSpan.FromSeconds(Seconds(probe, "periodSeconds", 10));
        var threshold = Seconds(probe, "failureThreshold", 3);
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var ok = await ProbeOnceAsync(kind, probe);
            failures = ok ? 0 : failures + 1;
            switch (kind)
            {
                case "startupProbe" when ok:
                    StartedUp(cancellationToken);
                    return;
                case "startupProbe" when failures >= threshold:
                    Record(kind, "failed its threshold: the kubelet would restart the container");
                    return;
                case "readinessProbe":
                    IsReady = ok || (IsReady && failures < threshold);
                    break;
                case "livenessProbe" when failures >= threshold:
                    Record(kind, "failed its threshold: the kubelet would restart the container");
                    return;
            }

            try
            {
                await Task.Delay(period, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void StartedUp(CancellationToken cancellationToken) =>
        _probes = [.. _probes, ProbeAsync("readinessProbe", cancellationToken), ProbeAsync("livenessProbe", cancellationToken)];

    private async Task<bool> ProbeOnceAsync(string kind, JsonNode probe)
    {
        var get = probe["httpGet"]!;
        var port = PortNumber((string)get["port"]!);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(Seconds(probe, "timeoutSeconds", 1)) };
        string outcome;
        var ok = false;
        try
        {
            using var response = await http.GetAsync($"http://{PodIp}:{port}{(string)get["path"]!}");
            ok = (int)response.StatusCode is >= 200 and < 400;
            outcome = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            outcome = e is TaskCanceledException ? "timeout" : "refused";
        }

        Record(kind, outcome, ok);
        return ok;
    }

    private int PortNumber(string port) =>
        int.TryParse(port, CultureInfo.InvariantCulture, out var number)
            ? number
            : int.Parse((string)_container["ports"]!.AsArray().Single(p => (string?)p!["name"] == port)!["containerPort"]!, CultureInfo.InvariantCulture);

    // Mount path → the pod's folder for it, with ConfigMap and Secret files written in.
    private List<(string MountPath, string HostPath)> Mounts()
    {
        var volumes = (_podSpec["volumes"]?.AsArray() ?? []).ToDictionary(v => (string)v!["name"]!, v => v!);
        var mounts = new List<(string, string)>();
        foreach (var mount in _container["volumeMounts"]!.AsArray())
        {
            var name = (string)mount!["name"]!;
            var host = Path.Combine(_root, "volumes", name);
            Directory.CreateDirectory(host);
            if (volumes.TryGetValue(name, out var volume))
            {
                if (volume["configMap"] is { } configMap)
                {
                    var data = _manifests.Single("ConfigMap", (string)configMap["name"]!)["data"]!.AsObject();
                    foreach (var (file, content) in data)
                    {
                        File.WriteAllText(Path.Combine(host, file), (string)content!);
                    }
                }
                else if (volume["secret"] is { } secret)
                {
                    foreach (var (file, content) in _secrets[BaseName((string)secret["secretName"]!)])
                    {
                        File.WriteAllText(Path.Combine(host, file), content);
                    }
                }
            }

            mounts.Add(((string)mount["mountPath"]!, host));
        }

        return mounts;
    }

    private void Record(string probe, string outcome, bool ok = false)
    {
        lock (_timeline)
        {
            _timeline.Add(new ProbeResult(_clock.Elapsed, Name, probe, outcome, ok));
        }
    }

    private static int Seconds(JsonNode probe, string field, int fallback) =>
        probe[field] is { } value ? int.Parse((string)value!, CultureInfo.InvariantCulture) : fallback;

    // kustomize appends a content hash to generated names (mallard-postgres-bkfkh59c88).
    private static string BaseName(string name) => GeneratedSuffix().Replace(name, "");

    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex Reference();

    [GeneratedRegex(@"-[a-z0-9]{10}$")]
    private static partial Regex GeneratedSuffix();

    /// <summary>One probe answer (or signal, or exit) at a moment of the test's clock.</summary>
    public sealed record ProbeResult(TimeSpan At, string Pod, string Probe, string Outcome, bool Ok)
    {
        public override string ToString() => $"{At.TotalSeconds,8:0.00}s {Pod} {Probe} {Outcome}";
    }
}
