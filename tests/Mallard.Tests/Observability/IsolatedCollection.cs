namespace Mallard.Tests.Observability;

/// <summary>
/// Tests that read process-wide telemetry (meters and activity sources are matched by name across
/// every host in the test process) run alone, after the parallel collections.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class IsolatedCollection
{
    public const string Name = "isolated telemetry";
}
