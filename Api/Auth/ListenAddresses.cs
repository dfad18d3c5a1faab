using System.Net;

namespace Mallard.Api.Auth;

/// <summary>The URLs a gateway is configured to listen on, and whether each is loopback only.</summary>
public static class ListenAddresses
{
    /// <summary>ASP.NET Core's default when nothing is configured.</summary>
    private const string Default = "http://localhost:5000";

    /// <summary>From <c>urls</c> (<c>--urls</c>, <c>ASPNETCORE_URLS</c>), <c>http_ports</c>/<c>https_ports</c> and <c>Kestrel:Endpoints</c>.</summary>
    public static IReadOnlyList<string> From(IConfiguration configuration)
    {
        var urls = new List<string>();
        foreach (var key in new[] { "urls", "ASPNETCORE_URLS" })
        {
            if (configuration[key] is { Length: > 0 } list)
            {
                urls.AddRange(list.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            }
        }

        foreach (var key in new[] { "http_ports", "https_ports", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS" })
        {
            if (configuration[key] is { Length: > 0 } ports)
            {
                // Ports alone bind every interface.
                urls.AddRange(ports.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => $"http://*:{p}"));
            }
        }

        urls.AddRange(configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>());
        return urls.Count > 0 ? urls.Distinct(StringComparer.OrdinalIgnoreCase).ToList() : [Default];
    }

    /// <summary>True for localhost, 127.0.0.0/8 and ::1; false for wildcards (*, +, 0.0.0.0, [::]) and every other host.</summary>
    public static bool IsLoopback(string url)
    {
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        var rest = schemeEnd < 0 ? url : url[(schemeEnd + 3)..];
        var host = rest.StartsWith('[') ? rest[1..Math.Max(1, rest.IndexOf(']', StringComparison.Ordinal))] : rest.Split(':', '/')[0];
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }
}
