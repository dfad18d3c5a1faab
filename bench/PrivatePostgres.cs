using System.Diagnostics;

namespace Mallard.Bench;

/// <summary>A private PostgreSQL server (initdb + pg_ctl in a temp folder, free port), stopped and deleted on dispose.</summary>
public sealed class PrivatePostgres : IDisposable
{
    private readonly string _bin;
    private readonly string _folder;
    private readonly bool _asPostgres = Environment.UserName == "root";

    private PrivatePostgres(string bin, string folder, int port)
    {
        _bin = bin;
        _folder = folder;
        Port = port;
    }

    public int Port { get; }

    /// <summary>A connection string for database <c>postgres</c> as user <c>bench</c>.</summary>
    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=bench;Database=postgres";

    /// <summary>Starts a server, or returns null when PostgreSQL is not installed.</summary>
    public static PrivatePostgres? TryStart()
    {
        var bin = Directory.Exists("/usr/lib/postgresql") ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).FirstOrDefault(d => File.Exists(Path.Combine(d, "pg_ctl"))) : null;
        if (bin is null)
        {
            return null;
        }

        var folder = Path.Combine(Path.GetTempPath(), $"mallard-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var server = new PrivatePostgres(bin, folder, IngestBenchmark.FreePort());
        if (server._asPostgres)
        {
            Run("chown", "-R", "postgres:postgres", folder);
        }

        server.RunAs("initdb", "-D", Path.Combine(folder, "data"), "-A", "trust", "-U", "bench");
        server.RunAs("pg_ctl", "-D", Path.Combine(folder, "data"), "-o", $"-p {server.Port} -k {folder} -c listen_addresses=127.0.0.1", "-l", Path.Combine(folder, "log"), "-w", "start");
        return server;
    }

    public void Dispose()
    {
        RunAs("pg_ctl", "-D", Path.Combine(_folder, "data"), "-m", "immediate", "stop");
        Directory.Delete(_folder, recursive: true);
    }

    private void RunAs(string tool, params string[] args)
    {
        var file = Path.Combine(_bin, tool);
        if (_asPostgres)
        {
            Run("runuser", ["-u", "postgres", "--", file, .. args]);
        }
        else
        {
            Run(file, args);
        }
    }

    private static void Run(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} failed: {error.Result}");
        }
    }
}
