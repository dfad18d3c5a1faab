using System.Xml.Linq;
using Mallard.Tests.Support;

namespace Mallard.Tests.Architecture;

/// <summary>The gateway shares nothing with the pipeline but the contract and the grain interfaces.</summary>
public sealed class ProjectReferenceTests
{
    [Fact]
    public void Api_project_references_only_grain_interfaces()
    {
        var project = XDocument.Load(RepositoryPaths.File("Api", "Api.csproj"));

        var references = project.Descendants("ProjectReference").Select(r => Path.GetFileName(r.Attribute("Include")!.Value.Replace('\\', '/'))).ToArray();

        Assert.Equal(["Grains.Interfaces.csproj"], references);
    }

    [Theory]
    [InlineData("Api", "Api.csproj")]
    [InlineData("Grains.Interfaces", "Grains.Interfaces.csproj")]
    public void Project_has_no_duckdb_package(string folder, string file)
    {
        var project = XDocument.Load(RepositoryPaths.File(folder, file));

        var packages = project.Descendants("PackageReference").Select(r => r.Attribute("Include")!.Value).ToArray();

        Assert.DoesNotContain(packages, p => p.Contains("DuckDB", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Grain_interfaces_project_references_no_other_project()
    {
        var project = XDocument.Load(RepositoryPaths.File("Grains.Interfaces", "Grains.Interfaces.csproj"));

        Assert.Empty(project.Descendants("ProjectReference"));
    }

    [Fact]
    public void Api_assembly_does_not_load_grains_or_duckdb()
    {
        var referenced = typeof(Mallard.Api.GatewayHostExtensions).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToArray();

        Assert.Contains("Mallard.Grains.Interfaces", referenced);
        Assert.DoesNotContain("Mallard.Grains", referenced);
        Assert.DoesNotContain(referenced, name => name.StartsWith("DuckDB", StringComparison.Ordinal));
    }
}
