/// Builds the bytes that precede a frame's data: the 8-byte length and the JSON header padded with spaces to a
/// multiple of 8 bytes, as Python's safetensors writes it.
enum HeaderEncoder {
    static let metadataKey = "__metadata__"

    /// The order in which tensors' bytes are laid out in the data section: widest elements first (stable), so that
    /// every tensor starts aligned to its element size, as Python's safetensors also arranges it. The header lists
    /// tensors in the frame's order regardless.
    static func dataLayout(_ frame: Frame) -> [(name: String, tensor: TensorBlob)] {
        frame.tensorsInOrder.enumerated().sorted { a, b in
            (-a.element.tensor.dtype.byteSize, a.offset) < (-b.element.tensor.dtype.byteSize, b.offset)
        }.map(\.element)
    }

    /// The length prefix and padded header for `frame`, with `format` set to this library's format. Throws for a
    /// tensor named `__metadata__`, which no reader could tell from the metadata.
    static func encode(_ frame: Frame) throws -> [UInt8] {
        if frame[metadataKey] != nil {
            throw TensorStreamError.invalidTensor(reason: "a tensor cannot be named \(metadataKey)")
        }
        var metadata = frame.metadata
        metadata[StreamFormat.MetadataKey.format] = StreamFormat.formatValue
        var json: [UInt8] = []
        json.reserveCapacity(128 + 96 * frame.count)
        json.append(UInt8(ascii: "{"))
        appendString(metadataKey, to: &json)
        json.append(contentsOf: ":{".utf8)
        for (index, key) in metadata.keys.sorted().enumerated() {
            if index > 0 { json.append(UInt8(ascii: ",")) }
            appendString(key, to: &json)
            json.append(UInt8(ascii: ":"))
            appendString(metadata[key] ?? "", to: &json)
        }
        json.append(UInt8(ascii: "}"))
        var begins: [String: Int] = [:]
        var offset = 0
        for (name, tensor) in dataLayout(frame) {
            begins[name] = offset
            offset += tensor.byteCount
        }
        for (name, tensor) in frame.tensorsInOrder {
            let begin = begins[name] ?? 0
            json.append(UInt8(ascii: ","))
            appendString(name, to: &json)
            json.append(contentsOf: ":{\"dtype\":\"\(tensor.dtype.rawValue)\",\"shape\":[".utf8)
            json.append(contentsOf: tensor.shape.map(String.init).joined(separator: ",").utf8)
            json.append(contentsOf: "],\"data_offsets\":[\(begin),\(begin + tensor.byteCount)]}".utf8)
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
