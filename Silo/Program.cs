using Mallard.Contract;
using Mallard.Grains;
using Mallard.Hosting;
using Mallard.Silo;
using Mallard.Silo.Cluster;

var builder = WebApplication.CreateBuilder(args);

ContractDefinition contract;
SiloClusterSettings cluster;
try
{
    contract = ContractFile.Load(builder.Configuration);
    cluster = SiloClusterSettings.Read(builder.Configuration);
    builder.AdmitMallardContract(contract);
}
catch (ContractException e)
{
    Console.Error.WriteLine($"mallard silo: invalid contract: {e.Message}");
    return 2;
}
catch (ContractEvolutionException e)
{
    Console.Error.WriteLine($"mallard silo: contract refused: {e.Message}");
    return 3;
}
catch (InvalidOperationException e)
{
    // A setting that does not bind or check out, named by key.
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

try
{
    builder.AddMallardSilo(contract);
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine($"mallard silo: {e.Message}");
    return 2;
}

var app = builder.Build();
app.MapSiloEndpoints();
await app.RunAsync();
return 0;
