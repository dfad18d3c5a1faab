using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mallard.Tests.Support;

/// <summary>A private CA and a member certificate it signs (server and client use), written as PEM files.</summary>
public sealed class TestCertificates
{
    private TestCertificates(string folder, string name)
    {
        CaFile = Path.Combine(folder, $"{name}-ca.pem");
        CertificateFile = Path.Combine(folder, $"{name}-member.pem");
        KeyFile = Path.Combine(folder, $"{name}-member.key");
    }

    public string CaFile { get; }

    public string CertificateFile { get; }

    public string KeyFile { get; }

    /// <summary>The settings that turn the cluster's mutual TLS on with these files.</summary>
    public string[] Settings =>
    [
        $"--Mallard:Cluster:Tls:CertificateFile={CertificateFile}",
        $"--Mallard:Cluster:Tls:KeyFile={KeyFile}",
        $"--Mallard:Cluster:Tls:CaFile={CaFile}",
    ];

    /// <summary>A member certificate with its key, for a raw client.</summary>
    public X509Certificate2 LoadMember()
    {
        using var pem = X509Certificate2.CreateFromPemFile(CertificateFile, KeyFile);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    public static TestCertificates Create(string folder, string name)
    {
        var files = new TestCertificates(folder, name);
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest($"CN={name} test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));

        using var memberKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var memberRequest = new CertificateRequest($"CN={name} member", memberKey, HashAlgorithmName.SHA256);
        memberRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        memberRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        memberRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        memberRequest.CertificateExtensions.Add(names.Build());
        memberRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        using var member = memberRequest.Create(ca, now.AddDays(-1), now.AddDays(30), RandomNumberGenerator.GetBytes(8));

        File.WriteAllText(files.CaFile, ca.ExportCertificatePem());
        File.WriteAllText(files.CertificateFile, member.ExportCertificatePem());
        File.WriteAllText(files.KeyFile, memberKey.ExportPkcs8PrivateKeyPem());
        return files;
    }
}
