using Mallard.Api;
using Mallard.Contract;
using Mallard.Hosting;

var builder = WebApplication.CreateBuilder(args);

ContractDefinition contract;
try
{
    contract = ContractFile.Load(builder.Configuration);
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
try
{
    app.MapMallardApi();
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine($"mallard api: {e.Message}");
    return 2;
}

app.Run();
return 0;
