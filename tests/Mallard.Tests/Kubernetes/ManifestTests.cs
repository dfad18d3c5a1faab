using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Mallard.Tests.Support;

namespace Mallard.Tests.Kubernetes;

/// <summary>
/// The kustomize overlays render, every object passes the Kubernetes OpenAPI schemas (offline, with
/// kubernetes-models), and the pods would run Mallard as it needs to run.
/// </summary>
public sealed partial class ManifestTests
{
    public static TheoryData<string> Overlays => new() { "local", "production" };

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Overlay_rendered_passesTheKubernetesSchemas(string overlay)
    {
        var rendered = RenderedManifests.Render(overlay);
        using var folder = new TempDirectory("mallard-k8s");
        var file = Path.Combine(folder.Path, overlay + ".yaml");
        File.WriteAllText(file, rendered.Yaml);

        var (exitCode, output) = RenderedManifests.Run("node", $"k8s/validate/validate.mjs {file}", throwOnFailure: false);

        Assert.True(exitCode == 0, output);
        Assert.Equal(rendered.Objects.Count, output.Split('\n').Count(l => l.StartsWith("ok ", StringComparison.Ordinal)));
    }

    [Fact]
    public void IngressExample_passesTheKubernetesSchemas_andNamesTheGatewayService()
    {
        var example = RepositoryPaths.File("k8s", "examples", "ingress.yaml");

        var (exitCode, output) = RenderedManifests.Run("node", $"k8s/validate/validate.mjs {example}", throwOnFailure: false);

        Assert.True(exitCode == 0, output);
        var service = RenderedManifests.Render("production").Single("Service", "mallard-gateway");
        Assert.Contains($"name: {(string?)service["metadata"]!["name"]}", File.ReadAllText(example), StringComparison.Ordinal);
    }

    [Fact]
    public void Validator_givenAStringContainerPort_refusesIt()
    {
        var rendered = RenderedManifests.Render("local");
        using var folder = new TempDirectory("mallard-k8s");
        var file = Path.Combine(folder.Path, "bad.yaml");
        File.WriteAllText(file, rendered.Yaml.Replace("containerPort: 8080", "containerPort: \"8080\"", StringComparison.Ordinal));

        var (exitCode, output) = RenderedManifests.Run("node", $"k8s/validate/validate.mjs {file}", throwOnFailure: false);

        Assert.Equal(1, exitCode);
        Assert.Contains("containerPort must be integer", output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Selectors_matchTheirPodTemplateLabels(string overlay)
    {
        var rendered = RenderedManifests.Render(overlay);
        var podLabels = rendered.Objects.Where(o => (string?)o["kind"] is "Deployment" or "StatefulSet")
            .Select(w =>
            {
                var labels = Labels(w["spec"]!["template"]!["metadata"]!["labels"]);
                Assert.True(Matches(Labels(w["spec"]!["selector"]!["matchLabels"]), labels), $"{w["metadata"]!["name"]}: selector does not match its template");
                return labels;
            })
            .ToList();

        foreach (var selecting in rendered.OfKind("Service").Select(s => s["spec"]!["selector"])
            .Concat(rendered.OfKind("PodDisruptionBudget").Select(p => p["spec"]!["selector"]!["matchLabels"]))
            .Concat(rendered.OfKind("NetworkPolicy").Select(p => p["spec"]!["podSelector"]!["matchLabels"])))
        {
            Assert.Contains(podLabels, labels => Matches(Labels(selecting), labels));
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Probes_targetDeclaredContainerPorts(string overlay)
    {
        foreach (var container in Containers(RenderedManifests.Render(overlay)))
        {
            var ports = container["ports"]!.AsArray().SelectMany(p => new[] { (string?)p!["name"], (string?)p!["containerPort"] }).ToHashSet();
            foreach (var probe in new[] { "startupProbe", "readinessProbe", "livenessProbe" }.Select(p => container[p]).OfType<JsonNode>())
            {
                if (probe["httpGet"] is { } get)
                {
                    Assert.Contains((string?)get["port"], ports);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void Silo_hasEverySettingItNeeds_andItsFilesWhereTheyAreMounted(string overlay)
    {
        var silo = RenderedManifests.Render(overlay).Single("StatefulSet", "mallard-silo");
        var spec = silo["spec"]!;
        var pod = spec["template"]!;
        var container = pod["spec"]!["containers"]![0]!;
        var env = Env(container);

        Assert.Equal("Parallel", (string?)spec["podManagementPolicy"]);
        Assert.Equal("metadata.name", (string?)env["POD_NAME"]!["valueFrom"]!["fieldRef"]!["fieldPath"]);
        Assert.Equal("status.podIP", (string?)env["POD_IP"]!["valueFrom"]!["fieldRef"]!["fieldPath"]);
        Assert.Equal("PostgreSql", Value(env, "Mallard__Cluster__Mode"));
        Assert.NotNull(env["Mallard__Cluster__PostgreSql"]!["valueFrom"]!["secretKeyRef"]);
        Assert.Equal(Value(env, "Mallard__Cluster__ServiceId"), (string?)pod["metadata"]!["labels"]!["orleans/serviceId"]);
        Assert.Equal(Value(env, "Mallard__Cluster__ClusterId"), (string?)pod["metadata"]!["labels"]!["orleans/clusterId"]);

        // The contract comes from a ConfigMap, the shards from the pod's own ReadWriteOnce volume.
        var mounts = container["volumeMounts"]!.AsArray().ToDictionary(m => (string)m!["name"]!, m => (string)m!["mountPath"]!);
        var contractVolume = pod["spec"]!["volumes"]!.AsArray().Single(v => v!["configMap"] is not null)!;
        Assert.StartsWith(mounts[(string)contractVolume["name"]!] + "/", Value(env, "Mallard__Schema"), StringComparison.Ordinal);
        var claim = spec["volumeClaimTemplates"]![0]!;
        Assert.Equal(mounts[(string)claim["metadata"]!["name"]!], Value(env, "Mallard__Shards__DataDirectory"));
        Assert.Equal(["ReadWriteOnce"], claim["spec"]!["accessModes"]!.AsArray().Select(a => (string?)a));

        // SIGTERM drains within the silo's shutdown timeout, which must end before the kubelet's SIGKILL.
        var shutdown = TimeSpan.Parse(Value(env, "Mallard__Silo__ShutdownTimeout")!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(int.Parse((string)pod["spec"]!["terminationGracePeriodSeconds"]!, System.Globalization.CultureInfo.InvariantCulture) > shutdown.TotalSeconds);

        // CPU is requested, never limited.
        Assert.NotNull(container["resources"]!["requests"]!["cpu"]);
        Assert.Null(container["resources"]!["limits"]!["cpu"]);
        Assert.Equal("/readyz", (string?)container["readinessProbe"]!["httpGet"]!["path"]);
        Assert.Equal("/healthz", (string?)container["livenessProbe"]!["httpGet"]!["path"]);
    }

    [Theory]
    [InlineData("local", "None", false)]
    [InlineData("production", "Keys", true)]
    public void Gateway_bindsThePodAddress_andTakesItsKeysAndCertificatesFromSecrets(string overlay, string authMode, bool secured)
    {
        var rendered = RenderedManifests.Render(overlay);
        var gateway = rendered.Single("Deployment", "mallard-gateway");
        var container = gateway["spec"]!["template"]!["spec"]!["containers"]![0]!;
        var env = Env(container);
        var names = container["env"]!.AsArray().Select(e => (string?)e!["name"]).ToList();

        Assert.Equal("http://$(POD_IP):8080", Value(env, "ASPNETCORE_URLS"));
        Assert.True(names.IndexOf("POD_IP") < names.IndexOf("ASPNETCORE_URLS"), "POD_IP must come first for $(POD_IP) to expand");
        Assert.Equal(authMode, Value(env, "Mallard__Auth__Mode"));
        Assert.Equal("0", (string?)gateway["spec"]!["strategy"]!["rollingUpdate"]!["maxUnavailable"]);
        Assert.Equal("/readyz", (string?)container["readinessProbe"]!["httpGet"]!["path"]);

        var secrets = gateway["spec"]!["template"]!["spec"]!["volumes"]!.AsArray().Select(v => (string?)v!["secret"]?["secretName"]).OfType<string>().ToList();
        var siloSecrets = rendered.Single("StatefulSet", "mallard-silo")["spec"]!["template"]!["spec"]!["volumes"]!.AsArray().Select(v => (string?)v!["secret"]?["secretName"]).OfType<string>().ToList();
        if (secured)
        {
            Assert.Equal(["mallard-api-keys", "mallard-cluster-tls"], secrets.Order());
            Assert.Equal(["mallard-cluster-tls"], siloSecrets);
            Assert.All(container["volumeMounts"]!.AsArray().Where(m => (string?)m!["name"] is "api-keys" or "cluster-tls"), m => Assert.Equal("true", (string?)m!["readOnly"]));
            Assert.StartsWith("/etc/mallard/keys/", Value(env, "Mallard__Auth__KeysFile"), StringComparison.Ordinal);
        }
        else
        {
            Assert.Empty(secrets);
            Assert.Empty(siloSecrets);
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void MallardPods_runAsNonRoot_onAReadOnlyRoot_withNoCapabilities(string overlay)
    {
        var rendered = RenderedManifests.Render(overlay);
        foreach (var workload in new[] { rendered.Single("StatefulSet", "mallard-silo"), rendered.Single("Deployment", "mallard-gateway") })
        {
            var pod = workload["spec"]!["template"]!["spec"]!;
            Assert.Equal("true", (string?)pod["securityContext"]!["runAsNonRoot"]);
            Assert.Equal("RuntimeDefault", (string?)pod["securityContext"]!["seccompProfile"]!["type"]);
            var security = pod["containers"]![0]!["securityContext"]!;
            Assert.Equal("true", (string?)security["readOnlyRootFilesystem"]);
            Assert.Equal("false", (string?)security["allowPrivilegeEscalation"]);
            Assert.Equal(["ALL"], security["capabilities"]!["drop"]!.AsArray().Select(c => (string?)c));
            Assert.Contains(pod["containers"]![0]!["volumeMounts"]!.AsArray(), m => (string?)m!["mountPath"] == "/tmp");
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public void ImagesAndCommands_agreeWithTheDockerfile(string overlay)
    {
        var dockerfile = File.ReadAllText(RepositoryPaths.File("Dockerfile"));
        var targets = Target().Matches(dockerfile).ToDictionary(m => m.Groups["target"].Value, m => m.Groups["entrypoint"].Value);
        var rendered = RenderedManifests.Render(overlay);
        foreach (var (workload, target) in new[] { (rendered.Single("StatefulSet", "mallard-silo"), "silo"), (rendered.Single("Deployment", "mallard-gateway"), "gateway") })
        {
            var container = workload["spec"]!["template"]!["spec"]!["containers"]![0]!;
            Assert.StartsWith($"mallard-{target}:", (string?)container["image"], StringComparison.Ordinal);
            Assert.Equal(targets[target], (string?)container["command"]![0]);
        }
    }

    [Fact]
    public void ContractCopies_equalTheRepositoryContract()
    {
        var contract = File.ReadAllText(RepositoryPaths.File("schema.yaml"));
        Assert.Equal(contract, File.ReadAllText(RepositoryPaths.File("k8s", "base", "contract", "silo", "schema.yaml")));
        Assert.Equal(contract, File.ReadAllText(RepositoryPaths.File("k8s", "base", "contract", "gateway", "schema.yaml")));
    }

    private static IEnumerable<JsonNode> Containers(RenderedManifests rendered) =>
        rendered.Objects.Where(o => (string?)o["kind"] is "Deployment" or "StatefulSet")
            .SelectMany(w => w["spec"]!["template"]!["spec"]!["containers"]!.AsArray()).OfType<JsonNode>();

    private static Dictionary<string, string?> Labels(JsonNode? node) =>
        node!.AsObject().ToDictionary(p => p.Key, p => (string?)p.Value);

    private static bool Matches(Dictionary<string, string?> selector, Dictionary<string, string?> labels) =>
        selector.Count > 0 && selector.All(s => labels.TryGetValue(s.Key, out var value) && value == s.Value);

    private static Dictionary<string, JsonNode> Env(JsonNode container)
    {
        var env = new Dictionary<string, JsonNode>(StringComparer.Ordinal);
        foreach (var variable in container["env"]!.AsArray())
        {
            env.Add((string)variable!["name"]!, variable);
        }

        return env;
    }

    private static string? Value(Dictionary<string, JsonNode> env, string name) =>
        env.TryGetValue(name, out var variable) ? (string?)variable["value"] : null;

    [GeneratedRegex(@"FROM \S+ AS (?<target>\w+)(?:(?!FROM ).)*?ENTRYPOINT \[""(?<entrypoint>[^""]+)""", RegexOptions.Singleline)]
    private static partial Regex Target();
}
