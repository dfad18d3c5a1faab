namespace Mallard.Api.Auth;

/// <summary>How the gateway authenticates callers (<c>Mallard:Auth:Mode</c>).</summary>
public enum AuthMode
{
    /// <summary>Keys when a keys file is set; open when the gateway listens on loopback only; else refuse to start.</summary>
    Auto,

    /// <summary>Every route but the probes needs a key from the keys file.</summary>
    Keys,

    /// <summary>Open, on purpose: no key is asked for anywhere (warned at start).</summary>
    None,
}
