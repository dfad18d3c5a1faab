using Mallard.Tests.Conformance;
using Mallard.Tests.Support;

namespace Mallard.Tests.Console;

/// <summary>
/// The console's sources against what the gateway serves: the committed build is what the
/// sources give, they type-check with <c>tsc --strict</c> against the generated types, a contract or
/// API change they do not handle fails that check, and their unit tests pass.
/// </summary>
public sealed class ConsoleBuildTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    private readonly TempDirectory _folder = new("mallard-console");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Build_ofTheSources_isTheCommittedDist()
    {
        var output = Path.Combine(_folder.Path, "dist");
        var (exitCode, log) = await NodeTools.RunWithAsync(Tool("vite"), new Dictionary<string, string>(), Timeout, "build", "--outDir", output, "--emptyOutDir", "--logLevel", "warn");
        Assert.True(exitCode == 0, log);

        var committed = Files(RepositoryPaths.File("web", "dist"));
        var built = Files(output);
        Assert.True(committed.Keys.Order().SequenceEqual(built.Keys.Order()), $"web/dist is stale (run `npm run build` in web/): committed [{string.Join(", ", committed.Keys)}], built [{string.Join(", ", built.Keys)}]");
        foreach (var (path, bytes) in built)
        {
            Assert.True(bytes.AsSpan().SequenceEqual(committed[path]), $"web/dist/{path} is stale: run `npm run build` in web/");
        }
    }

    [Fact]
    public async Task Console_typeChecksStrict_againstTheGeneratedTypes()
    {
        var (exitCode, log) = await NodeTools.RunWithAsync(Tool("tsc"), new Dictionary<string, string>(), Timeout, "--noEmit", "-p", NodeTools.Web);
        Assert.True(exitCode == 0, log);
    }

    [Theory]
    // The contract language gains a type: the console has no renderer for it.
    [InlineData("types.ts", "| \"uuid\";", "| \"uuid\" | \"interval\";", "interval")]
    // The cluster API drops a field the partitions view shows.
    [InlineData("openapi.ts", "            watermark?: null | string;\n            /** Format: int32 */\n            owner", "            /** Format: int32 */\n            owner", "watermark")]
    public async Task Console_typeCheck_failsOnAChangeItDoesNotHandle(string generated, string find, string replacement, string named)
    {
        // A copy of web/ (sources and generated types; node_modules linked) with one generated file changed.
        var web = Path.Combine(_folder.Path, "web");
        Copy(Path.Combine(NodeTools.Web, "console", "src"), Path.Combine(web, "console", "src"));
        Copy(Path.Combine(NodeTools.Web, "src", "generated"), Path.Combine(web, "src", "generated"));
        File.Copy(Path.Combine(NodeTools.Web, "tsconfig.json"), Path.Combine(web, "tsconfig.json"));
        File.Copy(Path.Combine(NodeTools.Web, "vite.config.ts"), Path.Combine(web, "vite.config.ts"));
        File.CreateSymbolicLink(Path.Combine(web, "node_modules"), Path.Combine(NodeTools.Web, "node_modules"));
        var target = Path.Combine(web, "src", "generated", generated);
        var text = await File.ReadAllTextAsync(target);
        Assert.Contains(find, text, StringComparison.Ordinal);
        await File.WriteAllTextAsync(target, text.Replace(find, replacement, StringComparison.Ordinal));

        var (exitCode, log) = await NodeTools.RunWithAsync(Tool("tsc"), new Dictionary<string, string>(), Timeout, "--noEmit", "-p", web);

        Assert.True(exitCode != 0, $"the console type-checked after a change it does not handle ({generated}): the check proves nothing");
        Assert.Contains(named, log, StringComparison.Ordinal);
        Assert.Contains("console/src/", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConsoleUnitTests_pass()
    {
        var (exitCode, log) = await NodeTools.RunWithAsync(Tool("vitest"), new Dictionary<string, string> { ["CI"] = "1", ["NO_COLOR"] = "1", ["FORCE_COLOR"] = "0" }, Timeout, "run");
        Assert.True(exitCode == 0, log);
        Assert.Matches(@"Tests\s+\d+ passed", log);
    }

    private static string Tool(string name) => Path.Combine(NodeTools.Web, "node_modules", ".bin", name);

    private static Dictionary<string, byte[]> Files(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(root, f).Replace('\\', '/'), File.ReadAllBytes, StringComparer.Ordinal);

    private static void Copy(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
