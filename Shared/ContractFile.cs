using Mallard.Contract;
using Microsoft.Extensions.Configuration;

namespace Mallard.Hosting;

/// <summary>Where a host finds its contract: <c>Mallard:Schema</c>, default <c>./schema.yaml</c>. Compiled into both hosts.</summary>
internal static class ContractFile
{
    /// <summary>The configuration key.</summary>
    public const string Key = "Mallard:Schema";

    /// <summary>Loads and validates the configured contract.</summary>
    /// <exception cref="ContractException">The file is missing or invalid; the message says where.</exception>
    public static ContractDefinition Load(IConfiguration configuration) =>
        ContractLoader.LoadFile(configuration[Key] ?? "schema.yaml");
}
