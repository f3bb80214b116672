/// The identity of the UnCLIP tensor stream, written into every frame's `__metadata__["format"]`.
public enum StreamFormat {
    /// The format name, the part of `format` before the slash.
    public static let name = "unclip.tensor-stream"
    /// The version this library writes. Readers refuse another major version; minor versions only add.
    public static let version = "1.0"
    /// The major version this library reads.
    public static let majorVersion = 1
    /// The value of the `format` metadata key: `unclip.tensor-stream/1.0`.
    public static var formatValue: String { "\(name)/\(version)" }

    /// Metadata keys with a meaning defined in `proto/tensor-stream.md`.
    public enum MetadataKey {
        public static let format = "format"
        public static let producer = "producer"
        public static let seed = "seed"
        public static let prompt = "prompt"
        public static let provenance = "provenance"
        public static let labels = "labels"
    }

    /// Whether a `format` value names a format this reader accepts: this name and major version 1.
    static func accepts(_ value: String) -> Bool {
        guard let slash = value.lastIndex(of: "/") else { return false }
        guard value[..<slash] == name else { return false }
        let version = value[value.index(after: slash)...]
        let parts = version.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } })
        else {
            return false
        }
        return Int(parts[0]) == majorVersion
    }
}
