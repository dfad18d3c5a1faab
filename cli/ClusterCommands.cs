using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace Mallard.Cli;

/// <summary>
/// <c>mallard cluster status|rebalance|drain|undrain --gateway URL</c>: the operator routes of a
/// running cluster (<c>GET /v1/cluster</c>, <c>POST /v1/cluster/rebalance|drain|undrain</c>).
/// Prints the gateway's JSON answer; exits 0 on 2xx, 1 on a refusal, 2 on a usage error.
/// </summary>
public static class ClusterCommands
{
    private const string Usage = """
        usage:
          mallard cluster status    --gateway URL                 ordinals, ownership, moves
          mallard cluster rebalance --gateway URL [--dry-run]     spread partitions evenly over active ordinals
          mallard cluster drain     --gateway URL --ordinal N     move every partition off N (then stop it)
          mallard cluster undrain   --gateway URL --ordinal N     let N take partitions again
        with API keys on, add --key K (an admin key) or set MALLARD_KEY
        """;

    /// <summary>Runs <c>cluster …</c> (the arguments after <c>cluster</c>).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var gateway = Option(args, "--gateway");
        var ordinalText = Option(args, "--ordinal");
        int? ordinal = int.TryParse(ordinalText, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
        if (args.Length == 0 || gateway is null || !Uri.TryCreate(gateway, UriKind.Absolute, out var baseUri)
            || (args[0] is "drain" or "undrain" && ordinal is null))
        {
            error.Write(Usage);
            return 2;
        }

        using var http = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(30) };
        if ((Option(args, "--key") ?? Environment.GetEnvironmentVariable("MALLARD_KEY")) is { Length: > 0 } key)
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        }

        using var response = args[0] switch
        {
            "status" => await http.GetAsync("/v1/cluster"),
            "rebalance" => await http.PostAsync(args.Contains("--dry-run") ? "/v1/cluster/rebalance?dryRun=true" : "/v1/cluster/rebalance", null),
            "drain" => await http.PostAsJsonAsync("/v1/cluster/drain", new { ordinal }),
            "undrain" => await http.PostAsJsonAsync("/v1/cluster/undrain", new { ordinal }),
            _ => null,
        };
        if (response is null)
        {
            error.Write(Usage);
            return 2;
        }

        var text = await response.Content.ReadAsStringAsync();
        try
        {
            text = JsonSerializer.Serialize(JsonDocument.Parse(text).RootElement, new JsonSerializerOptions { WriteIndented = true });
        }
        catch (JsonException)
        {
            // Not JSON: print as it came.
        }

        (response.IsSuccessStatusCode ? output : error).WriteLine(text);
        return response.IsSuccessStatusCode ? 0 : 1;
    }

    private static string? Option(string[] args, string name)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }
}
