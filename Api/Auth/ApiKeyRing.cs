using System.Security.Cryptography;
using Mallard.Security;
using Microsoft.Extensions.Options;

namespace Mallard.Api.Auth;

/// <summary>
/// The gateway's current keys. The keys file is re-read when its bytes change (checked every
/// <see cref="AuthOptions.ReloadInterval"/>): a created or revoked key takes effect within
/// seconds, with no restart. A file that does not parse leaves the previous keys in force, and
/// says so in the log and the <c>mallard.auth.keys_file_errors</c> counter.
/// </summary>
public sealed partial class ApiKeyRing(IOptions<AuthOptions> options, GatewayMetrics metrics, ILogger<ApiKeyRing> logger) : BackgroundService
{
    private ApiKeyFile? _current;
    private byte[] _loadedDigest = [];

    /// <summary>The keys in force; loaded on first use.</summary>
    public ApiKeyFile Current => Volatile.Read(ref _current) ?? LoadNow();

    /// <summary>Reads the file now; returns the keys in force.</summary>
    /// <exception cref="InvalidOperationException">No keys were ever loaded and the file cannot be read; the message says why.</exception>
    public ApiKeyFile LoadNow()
    {
        var problem = Reload();
        return Volatile.Read(ref _current) ?? throw new InvalidOperationException(problem ?? $"keys file {options.Value.KeysFile} could not be read");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ReloadInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            Reload();
        }
    }

    // Returns why the file could not be read, or null.
    private string? Reload()
    {
        var path = options.Value.KeysFile!;
        try
        {
            var bytes = File.ReadAllBytes(path);
            var digest = SHA256.HashData(bytes);
            if (_current is not null && CryptographicOperations.FixedTimeEquals(digest, _loadedDigest))
            {
                return null;
            }

            var file = ApiKeyFile.Parse(System.Text.Encoding.UTF8.GetString(bytes), path);
            _loadedDigest = digest;
            var first = _current is null;
            Volatile.Write(ref _current, file);
            LogLoaded(path, file.Keys.Count(k => k.Revoked is null), first ? "loaded" : "reloaded");
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            metrics.KeysFileError();
            LogReloadFailed(path, e.Message);
            return e.Message;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Keys file {Path} {What}: {Active} active keys")]
    private partial void LogLoaded(string path, int active, string what);

    [LoggerMessage(Level = LogLevel.Error, Message = "Keys file {Path} could not be read; the keys loaded before stay in force: {Reason}")]
    private partial void LogReloadFailed(string path, string reason);
}
