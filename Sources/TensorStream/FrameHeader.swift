/// A validated frame header: metadata and tensor entries in header order, with the total data length.
struct FrameHeader {
    struct Entry {
        var name: String
        var dtype: DType
        var shape: [Int]
        var elementCount: Int
        var begin: Int
        var end: Int
        /// Stream offset of the entry's key, for error messages.
        var position: Int
    }

    var metadata: [String: String]
    var entries: [Entry]
    var dataLength: Int

    /// Parses and validates header bytes. `at` locates the first header byte in the stream.
    init(parsing bytes: UnsafeRawBufferPointer, at start: StreamPosition, acceptingForeignFormats: Bool = false) throws
    {
        var parser = HeaderParser(bytes: bytes, start: start)
        let parsed = try parser.parse()
        metadata = parsed.metadata
        let frameStart = StreamPosition(source: start.source, frame: start.frame, offset: start.offset &- 8)
        if let format = metadata[StreamFormat.MetadataKey.format], !StreamFormat.accepts(format),
            !(acceptingForeignFormats && !format.hasPrefix(StreamFormat.name + "/"))
        {
            throw TensorStreamError.unsupportedFormat(frameStart, format: format)
        }
        // Offsets are checked in data order; the frame keeps header order (stream order).
        let sorted = parsed.entries.enumerated().sorted { a, b in
            (a.element.begin, a.element.end, a.offset) < (b.element.begin, b.element.end, b.offset)
        }
        var cursor = 0
        var previous: String?
        var validated = parsed.entries
        for (index, var entry) in sorted {
            let at = StreamPosition(source: start.source, frame: start.frame, offset: entry.position)
            if entry.end < entry.begin {
                throw TensorStreamError.invalidOffsets(
                    at, tensor: entry.name, reason: "end \(entry.end) is before begin \(entry.begin)")
            }
            if entry.begin != cursor {
                let reason: String
                if let previous {
                    reason =
                        entry.begin < cursor
                        ? "begin \(entry.begin) overlaps '\(previous)', which ends at \(cursor)"
                        : "begin \(entry.begin) leaves a gap after '\(previous)', which ends at \(cursor)"
                } else {
                    reason = "the first tensor's data begins at \(entry.begin), not 0"
                }
                throw TensorStreamError.invalidOffsets(at, tensor: entry.name, reason: reason)
            }
            guard let sizes = TensorBlob.sizes(dtype: entry.dtype, shape: entry.shape) else {
                throw TensorStreamError.invalidShape(
                    at, tensor: entry.name, reason: "element count of \(entry.shape) overflows")
            }
            if sizes.bytes != entry.end - entry.begin {
                throw TensorStreamError.sizeMismatch(
                    at, tensor: entry.name, expected: sizes.bytes, actual: entry.end - entry.begin)
            }
            entry.elementCount = sizes.elements
            cursor = entry.end
            previous = entry.name
            validated[index] = entry
        }
        entries = validated
        dataLength = cursor
    }
}
