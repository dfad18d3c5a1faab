using System.Diagnostics;
using System.Net;
using System.Text;

namespace Mallard.Bench;

/// <summary>
/// A private ClickHouse server (Debian's <c>clickhouse-server</c>): its own config, data folder and
/// free ports on 127.0.0.1, spoken to over its HTTP interface; killed and deleted on dispose.
/// </summary>
public sealed class PrivateClickHouse : IDisposable
{
    private readonly Process _process;
    private readonly string _folder;

    private PrivateClickHouse(Process process, string folder, int httpPort)
    {
        _process = process;
        _folder = folder;
        Http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}/"), Timeout = TimeSpan.FromMinutes(5) };
    }

    /// <summary>A client for the server's HTTP interface.</summary>
    public HttpClient Http { get; }

    /// <summary>The server's version, as it reports it.</summary>
    public string Version { get; private set; } = "";

    /// <summary>Starts a server, or returns null when ClickHouse is not installed.</summary>
    public static PrivateClickHouse? TryStart()
    {
        var binary = new[] { "/usr/bin/clickhouse-server", "/usr/sbin/clickhouse-server" }.FirstOrDefault(File.Exists);
        if (binary is null)
        {
            return null;
        }

        var folder = Path.Combine(Path.GetTempPath(), $"mallard-clickhouse-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var (httpPort, tcpPort) = (IngestBenchmark.FreePort(), IngestBenchmark.FreePort());
        File.WriteAllText(Path.Combine(folder, "users.xml"), """
            <yandex>
              <profiles><default></default></profiles>
              <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
              <quotas><default></default></quotas>
            </yandex>
            """);
        File.WriteAllText(Path.Combine(folder, "config.xml"), $"""
            <yandex>
              <logger><level>warning</level><log>{folder}/server.log</log><errorlog>{folder}/error.log</errorlog></logger>
              <http_port>{httpPort}</http_port>
              <tcp_port>{tcpPort}</tcp_port>
              <listen_host>127.0.0.1</listen_host>
              <path>{folder}/data/</path>
              <tmp_path>{folder}/tmp/</tmp_path>
              <user_files_path>{folder}/user_files/</user_files_path>
              <format_schema_path>{folder}/format_schemas/</format_schema_path>
              <users_config>{folder}/users.xml</users_config>
              <default_profile>default</default_profile>
              <default_database>default</default_database>
              <mark_cache_size>536870912</mark_cache_size>
            </yandex>
            """);
        var process = Process.Start(new ProcessStartInfo(binary, [$"--config-file={folder}/config.xml"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new PrivateClickHouse(process, folder, httpPort);
        for (var attempt = 0; ; attempt++)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"clickhouse-server exited with {process.ExitCode}: {ReadLog(folder)}");
            }

            try
            {
                server.Version = server.Query("SELECT version()").Trim();
                return server;
            }
            catch (HttpRequestException) when (attempt < 600)
            {
                Thread.Sleep(50); // not listening yet
            }
        }
    }

    /// <summary>Runs a statement and returns its text answer; a non-200 answer throws with ClickHouse's message.</summary>
    public string Query(string sql)
    {
        using var content = new StringContent(sql, Encoding.UTF8);
        using var response = Http.PostAsync("", content).GetAwaiter().GetResult();
        var text = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
        return response.StatusCode == HttpStatusCode.OK ? text : throw new InvalidOperationException($"ClickHouse answered {(int)response.StatusCode}: {text}");
    }

    /// <summary>The HTTP path that inserts a JSONEachRow body into <paramref name="table"/>.</summary>
    public static string InsertPath(string table) => "?query=" + Uri.EscapeDataString($"INSERT INTO {table} FORMAT JSONEachRow");

    public void Dispose()
    {
        Http.Dispose();
        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private static string ReadLog(string folder)
    {
        var log = Path.Combine(folder, "error.log");
        return File.Exists(log) ? string.Join("\n", File.ReadLines(log).TakeLast(5)) : "(no log)";
    }
}
