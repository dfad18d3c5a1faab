using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mallard.Security;

/// <summary>
/// The keys file (<c>Mallard:Auth:KeysFile</c>): salted hashes of the API keys with their scopes,
/// and the secret that signs browser sessions. Written by <c>./mallard keys</c>, read by every
/// gateway. A key is <c>mk_&lt;id&gt;_&lt;secret&gt;</c>: a 16-hex-digit id (not secret; it names
/// the key in logs and admission limits) and 32 random bytes, base64url.
/// </summary>
public sealed class ApiKeyFile
{
    public const int FormatVersion = 1;
    private const string Prefix = "mk_";
    private const int IdLength = 16;
    private const int SecretBytes = 32;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    private readonly Dictionary<string, ApiKeyEntry> _byId;

    private ApiKeyFile(byte[] sessionSecret, IEnumerable<ApiKeyEntry> keys)
    {
        SessionSecret = sessionSecret;
        _byId = keys.ToDictionary(k => k.Id, StringComparer.Ordinal);
    }

    /// <summary>Signs session cookies; a new file gets a random one.</summary>
    public byte[] SessionSecret { get; }

    public IReadOnlyCollection<ApiKeyEntry> Keys => _byId.Values;

    /// <summary>An empty file with a fresh session secret.</summary>
    public static ApiKeyFile CreateEmpty() => new(RandomNumberGenerator.GetBytes(32), []);

    /// <summary>Reads <paramref name="path"/>, or an empty file when it does not exist yet.</summary>
    /// <exception cref="InvalidDataException">The file is not a Mallard keys file; the message says what is wrong.</exception>
    public static ApiKeyFile LoadOrCreate(string path) => File.Exists(path) ? Parse(File.ReadAllText(path), path) : CreateEmpty();

    /// <exception cref="InvalidDataException">The text is not a Mallard keys file; the message names <paramref name="source"/> and what is wrong.</exception>
    public static ApiKeyFile Parse(string text, string source)
    {
        Stored? stored;
        try
        {
            stored = JsonSerializer.Deserialize<Stored>(text);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"keys file {source} is not valid JSON: {e.Message}");
        }

        if (stored is null || stored.Version != FormatVersion || stored.SessionSecret is null || stored.Keys is null)
        {
            throw new InvalidDataException($"keys file {source} is not a version {FormatVersion} Mallard keys file (version, sessionSecret and keys are required)");
        }

        foreach (var key in stored.Keys)
        {
            if (key.Id is not { Length: IdLength } || key.Salt is null || key.Hash is null || key.Scopes is null || key.Name is null)
            {
                throw new InvalidDataException($"keys file {source}: an entry lacks its id, name, scopes, salt or hash");
            }

            if (key.Scopes.Select(ApiScope.Problem).FirstOrDefault(p => p is not null) is { } problem)
            {
                throw new InvalidDataException($"keys file {source}: key '{key.Name}': {problem}");
            }
        }

        try
        {
            return new ApiKeyFile(Convert.FromBase64String(stored.SessionSecret), stored.Keys);
        }
        catch (FormatException)
        {
            throw new InvalidDataException($"keys file {source}: sessionSecret is not base64");
        }
        catch (ArgumentException)
        {
            throw new InvalidDataException($"keys file {source}: two entries have the same id");
        }
    }

    /// <summary>Writes the file atomically (a reader sees the old or the new file, never half), readable by its owner only.</summary>
    public void Save(string path)
    {
        var full = Path.GetFullPath(path);
        var temporary = full + $".{Environment.ProcessId}.tmp";
        var text = JsonSerializer.Serialize(new Stored(FormatVersion, Convert.ToBase64String(SessionSecret), [.. _byId.Values.OrderBy(k => k.Created)]), Json);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        {
            stream.Write(Encoding.UTF8.GetBytes(text));
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, full, overwrite: true);
    }

    /// <summary>Adds a key; returns its entry and the key itself (shown once, never stored).</summary>
    /// <exception cref="ArgumentException">The name is taken by an active key, or a scope is malformed.</exception>
    public (ApiKeyEntry Entry, string Key) Create(string name, IReadOnlyList<string> scopes, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > 100)
        {
            throw new ArgumentException("a key's name is 1 to 100 characters", nameof(name));
        }

        if (_byId.Values.Any(k => k.Revoked is null && k.Name == name))
        {
            throw new ArgumentException($"an active key is already named '{name}'; revoke it first or pick another name", nameof(name));
        }

        if (scopes.Count == 0)
        {
            throw new ArgumentException("a key needs at least one scope", nameof(scopes));
        }

        if (scopes.Select(ApiScope.Problem).FirstOrDefault(p => p is not null) is { } problem)
        {
            throw new ArgumentException(problem, nameof(scopes));
        }

        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(IdLength / 2));
        var secret = Base64Url(RandomNumberGenerator.GetBytes(SecretBytes));
        var salt = RandomNumberGenerator.GetBytes(16);
        var entry = new ApiKeyEntry(id, name, [.. scopes.Distinct(StringComparer.Ordinal)], Convert.ToBase64String(salt), Convert.ToBase64String(Hash(salt, secret)), now);
        _byId.Add(id, entry);
        return (entry, $"{Prefix}{id}_{secret}");
    }

    /// <summary>Revokes the active key named <paramref name="name"/>; false when there is none.</summary>
    public bool Revoke(string name, DateTimeOffset now)
    {
        var key = _byId.Values.FirstOrDefault(k => k.Revoked is null && k.Name == name);
        if (key is null)
        {
            return false;
        }

        _byId[key.Id] = key with { Revoked = now };
        return true;
    }

    /// <summary>The active entry <paramref name="presented"/> is the key of, or null (malformed, unknown, revoked or wrong secret).</summary>
    public ApiKeyEntry? Verify(ReadOnlySpan<char> presented)
    {
        if (presented.Length < Prefix.Length + IdLength + 2 || !presented.StartsWith(Prefix, StringComparison.Ordinal) || presented[Prefix.Length + IdLength] != '_')
        {
            return null;
        }

        var lookup = _byId.GetAlternateLookup<ReadOnlySpan<char>>();
        if (!lookup.TryGetValue(presented.Slice(Prefix.Length, IdLength), out var entry) || entry.Revoked is not null)
        {
            return null;
        }

        var secret = presented[(Prefix.Length + IdLength + 1)..];
        Span<byte> expected = stackalloc byte[32];
        return Convert.TryFromBase64String(entry.Hash, expected, out var written) && written == 32
            && CryptographicOperations.FixedTimeEquals(Hash(Convert.FromBase64String(entry.Salt), secret), expected)
            ? entry
            : null;
    }

    /// <summary>The active entry with <paramref name="id"/>, or null.</summary>
    public ApiKeyEntry? Find(ReadOnlySpan<char> id) =>
        _byId.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(id, out var entry) && entry.Revoked is null ? entry : null;

    private static byte[] Hash(byte[] salt, ReadOnlySpan<char> secret)
    {
        var input = new byte[salt.Length + Encoding.UTF8.GetMaxByteCount(secret.Length)];
        salt.CopyTo(input, 0);
        var length = salt.Length + Encoding.UTF8.GetBytes(secret, input.AsSpan(salt.Length));
        return SHA256.HashData(input.AsSpan(0, length));
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private sealed record Stored(
        [property: JsonPropertyName("version")] int Version,
        [property: JsonPropertyName("sessionSecret")] string? SessionSecret,
        [property: JsonPropertyName("keys")] List<ApiKeyEntry>? Keys);
}
