namespace Mallard.Api.Auth;

/// <summary>Authentication of the gateway (section <c>Mallard:Auth</c>), bound and checked once.</summary>
public sealed class AuthOptions
{
    public const string Section = "Mallard:Auth";

    public AuthMode Mode { get; set; } = AuthMode.Auto;

    /// <summary>The keys file written by <c>./mallard keys</c> (on Kubernetes a mounted Secret); re-read when it changes.</summary>
    public string? KeysFile { get; set; }

    /// <summary>How long a browser session cookie is valid.</summary>
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>How often the keys file is checked for changes.</summary>
    public TimeSpan ReloadInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The mode in force: Auto resolved against the keys file and the addresses the gateway listens on.</summary>
    public AuthMode Effective { get; private set; }

    /// <summary>Binds the section and decides the mode.</summary>
    /// <param name="listenUrls">The URLs the gateway is configured to listen on.</param>
    /// <exception cref="InvalidOperationException">The gateway would be reachable from other machines without keys, or a setting is malformed; the message says what to do.</exception>
    public static AuthOptions Read(IConfiguration configuration, IReadOnlyList<string> listenUrls)
    {
        var options = configuration.GetSection(Section).Get<AuthOptions>() ?? new AuthOptions();
        if (options.SessionLifetime <= TimeSpan.Zero || options.ReloadInterval <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{Section}:SessionLifetime and {Section}:ReloadInterval must be positive time spans");
        }

        var hasKeys = !string.IsNullOrWhiteSpace(options.KeysFile);
        var exposed = listenUrls.Where(u => !ListenAddresses.IsLoopback(u)).ToList();
        options.Effective = options.Mode switch
        {
            AuthMode.None => AuthMode.None,
            AuthMode.Keys when !hasKeys => throw new InvalidOperationException($"{Section}:Mode is Keys but {Section}:KeysFile is not set; create one with ./mallard keys create --keys-file F --name N --scope S"),
            _ when hasKeys => AuthMode.Keys,
            _ when exposed.Count > 0 => throw new InvalidOperationException(
                $"the gateway would listen on {string.Join(", ", exposed)}, reachable from other machines, without API keys. "
                + $"Create a keys file (./mallard keys create --keys-file F --name N --scope S) and set {Section}:KeysFile, "
                + $"or set {Section}:Mode=None to run it open on purpose"),
            _ => AuthMode.None,
        };

        if (options.Effective == AuthMode.Keys && !File.Exists(options.KeysFile))
        {
            throw new InvalidOperationException($"{Section}:KeysFile '{options.KeysFile}' does not exist; create it with ./mallard keys create --keys-file {options.KeysFile} --name N --scope S");
        }

        return options;
    }
}
