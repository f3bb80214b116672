/// Builds the bytes that precede a frame's data: the 8-byte length and the JSON header padded with spaces to a
/// multiple of 8 bytes, as Python's safetensors writes it.
enum HeaderEncoder {
    /// The length prefix and padded header for `frame`, with `format` set to this library's format.
    static func encode(_ frame: Frame) -> [UInt8] {
        var metadata = frame.metadata
        metadata[StreamFormat.MetadataKey.format] = StreamFormat.formatValue
        var json: [UInt8] = []
        json.reserveCapacity(128 + 96 * frame.count)
        json.append(UInt8(ascii: "{"))
        appendString("__metadata__", to: &json)
        json.append(contentsOf: ":{".utf8)
        for (index, key) in metadata.keys.sorted().enumerated() {
            if index > 0 { json.append(UInt8(ascii: ",")) }
            appendString(key, to: &json)
            json.append(UInt8(ascii: ":"))
            appendString(metadata[key] ?? "", to: &json)
        }
        json.append(UInt8(ascii: "}"))
        var offset = 0
        for (name, tensor) in frame.tensorsInOrder {
            json.append(UInt8(ascii: ","))
            appendString(name, to: &json)
            json.append(contentsOf: ":{\"dtype\":\"\(tensor.dtype.rawValue)\",\"shape\":[".utf8)
            json.append(contentsOf: tensor.shape.map(String.init).joined(separator: ",").utf8)
            json.append(contentsOf: "],\"data_offsets\":[\(offset),\(offset + tensor.byteCount)]}".utf8)
            offset += tensor.byteCount
        }
        json.append(UInt8(ascii: "}"))
        let padded = (json.count + 7) / 8 * 8
        json.append(contentsOf: repeatElement(UInt8(ascii: " "), count: padded - json.count))
        var length = UInt64(json.count).littleEndian
        var bytes = withUnsafeBytes(of: &length) { Array($0) }
        bytes.append(contentsOf: json)
        return bytes
    }

    /// Appends `text` as a JSON string literal (UTF-8; quotes, backslashes and control characters escaped).
    static func appendString(_ text: String, to json: inout [UInt8]) {
        json.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): json.append(contentsOf: "\\\"".utf8)
            case UInt8(ascii: "\\"): json.append(contentsOf: "\\\\".utf8)
            case 0x0a: json.append(contentsOf: "\\n".utf8)
            case 0x0d: json.append(contentsOf: "\\r".utf8)
            case 0x09: json.append(contentsOf: "\\t".utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                json.append(contentsOf: "\\u00".utf8)
                json.append(hex[Int(byte >> 4)])
                json.append(hex[Int(byte & 0xf)])
            default: json.append(byte)
            }
        }
        json.append(UInt8(ascii: "\""))
    }
}
