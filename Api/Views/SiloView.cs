namespace Mallard.Api.Views;

/// <summary>A silo as the cluster's membership sees it.</summary>
/// <param name="Address">The silo's address.</param>
/// <param name="Name">The silo's name.</param>
/// <param name="Status">Active, Joining, ShuttingDown, Dead, ….</param>
public sealed record SiloView(string Address, string Name, string Status);
