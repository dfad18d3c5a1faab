using System.Globalization;
using Mallard.Security;

namespace Mallard.Cli;

/// <summary>
/// <c>mallard keys create|list|revoke --keys-file F</c>: manages the gateway's API keys. The file
/// holds salted hashes only; <c>create</c> prints the key once, alone on its last line. Gateways
/// pick changes up within seconds. Exits 0 on success, 1 when refused, 2 on a usage error.
/// </summary>
public static class KeysCommands
{
    private const string Usage = """
        usage:
          mallard keys create --keys-file F --name N --scope S [--scope S…]   prints the new key on its last line
          mallard keys list   --keys-file F                                    names, ids, scopes; never keys
          mallard keys revoke --keys-file F --name N
        scopes: admin | ingest:<dataset> | query:<dataset>   (<dataset> may be * for every dataset)
        """;

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var file = Option(args, "--keys-file");
        var name = Option(args, "--name");
        if (args.Length == 0 || file is null || (args[0] is "create" or "revoke" && name is null))
        {
            error.Write(Usage);
            return 2;
        }

        ApiKeyFile keys;
        try
        {
            keys = ApiKeyFile.LoadOrCreate(file);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"mallard keys: {e.Message}");
            return 1;
        }

        switch (args[0])
        {
            case "create":
                try
                {
                    var (entry, key) = keys.Create(name!, Options(args, "--scope"), DateTimeOffset.UtcNow);
                    keys.Save(file);
                    output.WriteLine($"created key '{entry.Name}' (id {entry.Id}) with scopes {string.Join(" ", entry.Scopes)} in {file}");
                    output.WriteLine("the key is shown only now; store it as a secret:");
                    output.WriteLine(key);
                    return 0;
                }
                catch (ArgumentException e)
                {
                    error.WriteLine($"mallard keys: {e.Message.Split(" (Parameter", 2)[0]}");
                    return 1;
                }

            case "list":
                output.WriteLine("name\tid\tscopes\tcreated\trevoked");
                foreach (var key in keys.Keys.OrderBy(k => k.Created))
                {
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{key.Name}\t{key.Id}\t{string.Join(" ", key.Scopes)}\t{key.Created:yyyy-MM-ddTHH:mm:ssZ}\t{(key.Revoked is { } r ? r.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) : "-")}"));
                }

                return 0;

            case "revoke":
                if (!keys.Revoke(name!, DateTimeOffset.UtcNow))
                {
                    error.WriteLine($"mallard keys: no active key is named '{name}' in {file}");
                    return 1;
                }

                keys.Save(file);
                output.WriteLine($"revoked key '{name}'; gateways refuse it within seconds");
                return 0;

            default:
                error.Write(Usage);
                return 2;
        }
    }

    private static string? Option(string[] args, string name)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }

    private static List<string> Options(string[] args, string name) =>
        args.Select((a, i) => (a, i)).Where(p => p.a == name && p.i + 1 < args.Length).Select(p => args[p.i + 1]).ToList();
}
