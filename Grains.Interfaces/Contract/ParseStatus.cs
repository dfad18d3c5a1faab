namespace Mallard.Contract;

/// <summary>The outcome of parsing one value against its column type.</summary>
public enum ParseStatus
{
    /// <summary>The value was parsed exactly.</summary>
    Ok,
    /// <summary>The text is not in the type's format.</summary>
    InvalidFormat,
    /// <summary>The value is outside the type's range.</summary>
    OutOfRange,
    /// <summary>The value has more precision than the type stores (it would have to be rounded).</summary>
    TooPrecise,
}
