namespace Mallard.Tests.Kubernetes;

/// <summary>
/// Tests that take much of the machine (the image builds publish and run Docker; the StatefulSet
/// emulation runs six processes on the manifests' fixed ports) run alone, after the parallel
/// collections, so they neither starve nor are starved by timing-sensitive cluster tests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MachineWideCollection
{
    public const string Name = "machine-wide";
}
