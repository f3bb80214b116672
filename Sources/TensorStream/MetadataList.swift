/// List-valued metadata (`prompt`, `labels`, ...): a JSON array of strings stored as one metadata string.
public enum MetadataList {
    /// `["a", "b"]` as compact JSON.
    public static func encode(_ items: [String]) -> String {
        var json: [UInt8] = [UInt8(ascii: "[")]
        for (i, item) in items.enumerated() {
            if i > 0 { json.append(UInt8(ascii: ",")) }
            HeaderEncoder.appendString(item, to: &json)
        }
        json.append(UInt8(ascii: "]"))
        return String(decoding: json, as: UTF8.self)
    }

    /// Parses a JSON array of strings; the error names the metadata key and the frame.
    public static func decode(_ text: String, key: String, frame: Int = 0) throws -> [String] {
        var utf8 = Array(text.utf8)
        return try utf8.withUnsafeMutableBytes { buffer in
            var parser = HeaderParser(
                bytes: UnsafeRawBufferPointer(buffer),
                start: StreamPosition(source: "metadata '\(key)'", frame: frame, offset: 0))
            return try parser.parseStringList()
        }
    }
}

extension Frame {
    /// The list stored under a metadata key, or nil when the key is absent.
    public func metadataList(_ key: String, frame index: Int = 0) throws -> [String]? {
        guard let text = metadata[key] else { return nil }
        return try MetadataList.decode(text, key: key, frame: index)
    }

    /// Stores a list under a metadata key.
    public mutating func setMetadataList(_ items: [String], for key: String) {
        metadata[key] = MetadataList.encode(items)
    }
}
