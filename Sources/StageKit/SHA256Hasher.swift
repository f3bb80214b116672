/// Incremental SHA-256, for digests of streams too large to hold in memory (a cached stage's input).
public struct SHA256Hasher: Sendable {
    private var state = SHA256.State()

    public init() {}

    /// Feeds bytes.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) { state.update(bytes) }

    /// Feeds bytes.
    public mutating func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { state.update($0) } }

    /// Feeds the UTF-8 bytes of a string.
    public mutating func update(_ text: String) { update(Array(text.utf8)) }

    /// The digest of everything fed so far, as 64 lower-case hex digits. The hasher is spent afterwards.
    public mutating func finalizeHex() -> String { SHA256.hex(state.finish()) }
}
