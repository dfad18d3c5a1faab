using Mallard.Api;
using Mallard.Contract;

var builder = WebApplication.CreateBuilder(args);

ContractDefinition contract;
try
{
    contract = builder.LoadMallardContract();
}
catch (ContractException e)
{
    Console.Error.WriteLine($"mallard api: invalid contract: {e.Message}");
    return 2;
}

try
{
    builder.AddMallardGateway(contract);
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine($"mallard api: {e.Message}");
    return 2;
}

var app = builder.Build();
app.MapMallardApi();
app.Run();
return 0;
