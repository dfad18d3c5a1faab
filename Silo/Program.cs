using Mallard.Contract;
using Mallard.Silo;

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

builder.AddMallardSilo(contract);

var app = builder.Build();
app.MapSiloEndpoints();
app.Run();
return 0;
