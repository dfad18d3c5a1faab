using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Orleans.Connections.Security;

namespace Mallard.Hosting;

/// <summary>
/// Mutual TLS on the Orleans transport (section <c>Mallard:Cluster:Tls</c>): silo to silo and
/// gateway to silo. Every member presents a certificate from PEM files (on Kubernetes a mounted
/// Secret) and accepts a peer only if the peer's certificate chains to the cluster's own CA
/// (<c>CaFile</c>); host names are not checked, because members connect by IP address. Compiled
/// into both hosts, like <see cref="MallardClusterOptions"/>.
/// </summary>
internal sealed class ClusterTls
{
    public const string Section = "Mallard:Cluster:Tls";

    private ClusterTls(X509Certificate2 certificate, X509Certificate2Collection authority)
    {
        Certificate = certificate;
        Authority = authority;
    }

    /// <summary>This member's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The CA certificates a peer's certificate must chain to.</summary>
    public X509Certificate2Collection Authority { get; }

    /// <summary>Null when TLS is not configured; else the loaded certificates.</summary>
    /// <exception cref="InvalidOperationException">The settings are incomplete or a file cannot be loaded; the message names it.</exception>
    public static ClusterTls? Read(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var certificateFile = section["CertificateFile"];
        var keyFile = section["KeyFile"];
        var caFile = section["CaFile"];
        if (certificateFile is null && keyFile is null && caFile is null)
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(certificateFile) || string.IsNullOrWhiteSpace(keyFile) || string.IsNullOrWhiteSpace(caFile))
        {
            throw new InvalidOperationException($"{Section} needs CertificateFile, KeyFile and CaFile (PEM) together");
        }

        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);

            // Re-imported so the private key is usable by SslStream on every platform.
            var certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            var authority = new X509Certificate2Collection();
            authority.ImportFromPemFile(caFile);
            if (authority.Count == 0)
            {
                throw new InvalidOperationException($"{Section}:CaFile '{caFile}' holds no certificate");
            }

            return new ClusterTls(certificate, authority);
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or IOException)
        {
            throw new InvalidOperationException($"{Section}: cannot load the certificate ({certificateFile}, {keyFile}) or CA ({caFile}): {e.Message}");
        }
    }

    /// <summary>Both ends require a certificate, and accept one only when it chains to <see cref="Authority"/>.</summary>
    public void Configure(TlsOptions options)
    {
        options.LocalCertificate = Certificate;
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.RemoteCertificateValidation = (certificate, _, errors) => IsTrusted(certificate, errors);
    }

    /// <summary>True when <paramref name="certificate"/> chains to the cluster's CA (a name mismatch is ignored).</summary>
    public bool IsTrusted(X509Certificate2? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(Authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }
}
