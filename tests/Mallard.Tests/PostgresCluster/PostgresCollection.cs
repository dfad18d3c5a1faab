using Mallard.Tests.Support;

namespace Mallard.Tests.PostgresCluster;

/// <summary>Tests that run Mallard in PostgreSQL cluster mode share one private server (a database each).</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "PostgreSQL cluster";
}
