using System.Globalization;
using System.Security.Cryptography;
using Mallard.Security;

namespace Mallard.Api.Auth;

/// <summary>
/// A browser session: <c>&lt;key id&gt;.&lt;expiry, unix seconds&gt;.&lt;HMAC-SHA256&gt;</c>, signed with
/// the keys file's session secret over the id, the expiry and the key's salt. Nothing is kept in
/// the gateway: any gateway with the same keys file accepts it, and revoking the key (or
/// re-creating it) ends the session at once. Scopes are the key's, read at each request.
/// </summary>
public static class SessionCookie
{
    public const string Name = "mallard_session";

    public static string Issue(ApiKeyFile keys, ApiKeyEntry key, DateTimeOffset expires)
    {
        var seconds = expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return $"{key.Id}.{seconds}.{Sign(keys, key, seconds)}";
    }

    /// <summary>The key a valid, unexpired session belongs to, or null.</summary>
    public static ApiKeyEntry? Verify(ApiKeyFile keys, string value, DateTimeOffset now)
    {
        var parts = value.Split('.');
        if (parts.Length != 3 || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var expires)
            || DateTimeOffset.FromUnixTimeSeconds(Math.Min(expires, 253402300799)) <= now || keys.Find(parts[0]) is not { } key)
        {
            return null;
        }

        var expected = System.Text.Encoding.ASCII.GetBytes(Sign(keys, key, parts[1]));
        return CryptographicOperations.FixedTimeEquals(expected, System.Text.Encoding.ASCII.GetBytes(parts[2])) ? key : null;
    }

    private static string Sign(ApiKeyFile keys, ApiKeyEntry key, string expires) =>
        Convert.ToBase64String(HMACSHA256.HashData(keys.SessionSecret, System.Text.Encoding.UTF8.GetBytes($"{key.Id}|{expires}|{key.Salt}")))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
