using System.Diagnostics;
using Npgsql;

namespace Mallard.Tests.Support;

/// <summary>
/// A private PostgreSQL server for one test run: initdb into a temp folder, pg_ctl on a free
/// loopback port, trust authentication, fsync off (the tests check Mallard, not PostgreSQL's
/// durability). As root the server runs as the <c>postgres</c> user, which PostgreSQL requires.
/// Each test takes its own database from <see cref="CreateDatabaseAsync"/>.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private const string User = "mallard";
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"mallard-pg-{Guid.NewGuid():N}");
    private string _bin = "";
    private bool _asPostgresUser;

    public int Port { get; private set; }

    public async Task InitializeAsync()
    {
        _bin = FindBinaries();
        _asPostgresUser = Environment.UserName == "root";
        Directory.CreateDirectory(_root);
        if (_asPostgresUser)
        {
            await RunAsync("chown", ["postgres", _root], asPostgres: false);
        }

        var data = Path.Combine(_root, "data");
        await RunAsync(Path.Combine(_bin, "initdb"), ["-D", data, "-U", User, "--auth=trust", "-E", "UTF8", "--no-sync"], _asPostgresUser);
        Port = FreePort.Next();
        await StartAsync();
    }

    /// <summary>Starts the server (again) on the same port and data.</summary>
    public Task StartAsync() =>
        RunAsync(
            Path.Combine(_bin, "pg_ctl"),
            ["-D", Path.Combine(_root, "data"), "-l", Path.Combine(_root, "server.log"), "-w", "-t", "60",
             "-o", $"-p {Port} -k {_root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200",
             "start"],
            _asPostgresUser);

    /// <summary>Stops the server, dropping every connection, as an outage would.</summary>
    public Task StopAsync() =>
        RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", Path.Combine(_root, "data"), "-m", "fast", "-w", "stop"], _asPostgresUser);

    /// <summary>A new, empty database and its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"t{Guid.NewGuid():N}";
        // Unpooled: a test may have restarted the server, which breaks pooled connections.
        await using (var connection = new NpgsqlConnection(ConnectionString("postgres") + ";Pooling=false"))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }

        return ConnectionString(name);
    }

    /// <summary>Runs an SQL file (for example a pg_dump) with psql against the database of <paramref name="connectionString"/>; stops at the first error.</summary>
    public Task RunScriptAsync(string connectionString, string file)
    {
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        return RunAsync(Path.Combine(_bin, "psql"), ["-h", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", User, "-d", database, "-v", "ON_ERROR_STOP=1", "-q", "-f", file], asPostgres: false);
    }

    public async Task DisposeAsync()
    {
        try
        {
            await RunAsync(Path.Combine(_bin, "pg_ctl"), ["-D", Path.Combine(_root, "data"), "-m", "immediate", "-w", "stop"], _asPostgresUser);
        }
        finally
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username={User};Database={database};Pooling=true;Timeout=5";

    // PostgreSQL's server programs are not on PATH in Debian's packages.
    private static string FindBinaries()
    {
        var candidates = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(v => Path.Combine(v, "bin")).OrderByDescending(p => p, StringComparer.Ordinal)
            : Enumerable.Empty<string>();
        foreach (var bin in candidates.Append("/usr/local/bin").Append("/usr/bin"))
        {
            if (File.Exists(Path.Combine(bin, "initdb")) && File.Exists(Path.Combine(bin, "pg_ctl")))
            {
                return bin;
            }
        }

        throw new InvalidOperationException("PostgreSQL server programs (initdb, pg_ctl) were not found; ./test.sh installs them (apt-get install -y postgresql)");
    }

    private static async Task RunAsync(string program, IReadOnlyList<string> args, bool asPostgres)
    {
        var start = asPostgres
            ? new ProcessStartInfo("runuser", ["-u", "postgres", "--", program, .. args])
            : new ProcessStartInfo(program, args);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {program}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} exited with {process.ExitCode}:\n{await stdout}\n{await stderr}");
        }
    }
}
