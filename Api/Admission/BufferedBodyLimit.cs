namespace Mallard.Api.Admission;

/// <summary>
/// Endpoint metadata: the route takes a body that <see cref="AdmissionMiddleware"/> reads whole,
/// up to <see cref="MaxBytes"/> (null: <c>Mallard:Gateway:MaxBodyBytes</c>), before admitting it.
/// </summary>
public sealed record BufferedBodyLimit(long? MaxBytes);
