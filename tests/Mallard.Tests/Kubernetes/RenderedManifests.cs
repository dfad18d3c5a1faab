using System.Diagnostics;
using System.Text.Json.Nodes;
using Mallard.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace Mallard.Tests.Kubernetes;

/// <summary>An overlay rendered by <c>kubectl kustomize</c>, as JSON nodes (every scalar a string).</summary>
public sealed class RenderedManifests
{
    private RenderedManifests(string yaml, List<JsonObject> objects)
    {
        Yaml = yaml;
        Objects = objects;
    }

    public string Yaml { get; }

    public IReadOnlyList<JsonObject> Objects { get; }

    public static RenderedManifests Render(string overlay)
    {
        var yaml = Run("kubectl", $"kustomize {RepositoryPaths.File("k8s", "overlays", overlay)}").Output;
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return new RenderedManifests(yaml, stream.Documents.Select(d => (JsonObject)ToJson(d.RootNode)!).ToList());
    }

    public IEnumerable<JsonObject> OfKind(string kind) => Objects.Where(o => (string?)o["kind"] == kind);

    public JsonObject Single(string kind, string name) =>
        Objects.Single(o => (string?)o["kind"] == kind && ((string?)o["metadata"]!["name"])!.StartsWith(name, StringComparison.Ordinal));

    /// <summary>Runs a tool to completion; throws with its output when it fails.</summary>
    public static (int ExitCode, string Output) Run(string file, string arguments, bool throwOnFailure = true)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryPaths.Root,
        })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (throwOnFailure && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {arguments} exited with {process.ExitCode}: {error.Result}{output.Result}");
        }

        return (process.ExitCode, output.Result + error.Result);
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, ToJson(c.Value)))),
        YamlSequenceNode list => new JsonArray([.. list.Children.Select(ToJson)]),
        YamlScalarNode scalar => scalar.Value is null ? null : JsonValue.Create(scalar.Value),
        _ => null,
    };
}
