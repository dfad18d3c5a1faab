using Mallard.Contract;
using Mallard.Silo;
using Mallard.Silo.Cluster;

var builder = WebApplication.CreateBuilder(args);

ContractDefinition contract;
try
{
    contract = builder.LoadMallardContract();
}
catch (ContractException e)
{
    Console.Error.WriteLine($"mallard silo: invalid contract: {e.Message}");
    return 2;
}

try
{
    builder.AdmitMallardContract(contract);
}
catch (Mallard.Grains.ContractEvolutionException e)
{
    Console.Error.WriteLine($"mallard silo: contract refused: {e.Message}");
    return 3;
}

SiloClusterSettings cluster;
try
{
    cluster = SiloClusterSettings.Read(builder.Configuration);
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine($"mallard silo: {e.Message}");
    return 2;
}

if (cluster.Mode == ClusterMode.PostgreSql)
{
    try
    {
        await PostgresClusterSchema.ApplyAsync(cluster.ConnectionString!);
    }
    catch (Exception e) when (e is Npgsql.NpgsqlException or InvalidOperationException or ArgumentException)
    {
        Console.Error.WriteLine($"mallard silo: cannot prepare the cluster database: {e.Message}");
        return 4;
    }
}

builder.AddMallardSilo(contract);

var app = builder.Build();
app.MapSiloEndpoints();
await app.RunAsync();
return 0;
