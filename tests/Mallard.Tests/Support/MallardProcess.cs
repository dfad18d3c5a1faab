using System.Diagnostics;
using System.Text;

namespace Mallard.Tests.Support;

/// <summary>A Mallard host (silo or gateway) running as its own OS process, as run.sh starts it.</summary>
public sealed class MallardProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private bool _disposed;

    private MallardProcess(Process process)
    {
        _process = process;
    }

    public bool HasExited => _process.HasExited;

    public int Id => _process.Id;

    public int ExitCode => _process.ExitCode;

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.Length > 4000 ? _log.ToString(_log.Length - 4000, 4000) : _log.ToString();
            }
        }
    }

    /// <summary>Everything the process wrote, for a failure's post-mortem (<see cref="Log"/> is its tail).</summary>
    public string FullLog
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public static MallardProcess Start(string assembly, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, assembly), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {assembly}");
        var host = new MallardProcess(process);
        process.OutputDataReceived += (_, e) => host.Append(e.Data);
        process.ErrorDataReceived += (_, e) => host.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return host;
    }

    /// <summary>SIGKILL: no shutdown, no flush, as a crashed machine would.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as Kubernetes stops a pod, then waits for the process to exit by itself.</summary>
    public async Task TerminateAsync(CancellationToken cancellationToken)
    {
        await SignalTerminateAsync(cancellationToken);
        await _process.WaitForExitAsync(cancellationToken);
    }

    /// <summary>Sends SIGTERM and returns once it is delivered, without waiting for the process to end.</summary>
    public async Task SignalTerminateAsync(CancellationToken cancellationToken)
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
            await kill.WaitForExitAsync(cancellationToken);
        }
    }

    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.WaitForExitAsync(cancellationToken);

    /// <summary>
    /// Polls <paramref name="path"/> until it answers 200 with a body <paramref name="accept"/> takes
    /// (any body by default). A process has no event to wait on; it fails at once if this one exits.
    /// </summary>
    public async Task WaitUntilReadyAsync(HttpClient http, string path, CancellationToken cancellationToken, Func<string, bool>? accept = null)
    {
        while (true)
        {
            if (HasExited)
            {
                throw new InvalidOperationException($"process exited with {ExitCode} before {path} answered:\n{Log}");
            }

            try
            {
                using var response = await http.GetAsync(path, cancellationToken);
                if (response.StatusCode == System.Net.HttpStatusCode.OK && (accept is null || accept(await response.Content.ReadAsStringAsync(cancellationToken))))
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }
}
