/// A strict, single-pass parser for safetensors header JSON.
///
/// It reads exactly the header schema (an object of tensor entries plus an optional `__metadata__` string map)
/// rather than building a general JSON tree, so memory and stack use stay bounded on hostile input, and it
/// refuses what Foundation would silently accept: duplicate keys, unknown fields, invalid UTF-8, lone surrogates.
struct HeaderParser {
    struct Parsed {
        var metadata: [String: String] = [:]
        var entries: [FrameHeader.Entry] = []
    }

    private let bytes: UnsafeRawBufferPointer
    private let start: StreamPosition
    private var index = 0

    init(bytes: UnsafeRawBufferPointer, start: StreamPosition) {
        self.bytes = bytes
        self.start = start
    }

    // MARK: Schema

    mutating func parse() throws -> Parsed {
        var result = Parsed()
        var seenMetadata = false
        var seenNames = Set<String>()
        skipWhitespace()
        guard let first = peek() else { throw jsonError("empty header") }
        guard first == UInt8(ascii: "{") else {
            if Self.startsValue(first) { throw headerError(nil, "the header is not a JSON object") }
            throw jsonError("unexpected byte \(Self.show(first))")
        }
        index &+= 1
        try parseMembers { parser, key, keyOffset in
            if key == "__metadata__" {
                if seenMetadata { throw TensorStreamError.duplicateName(parser.position(keyOffset), name: key) }
                seenMetadata = true
                result.metadata = try parser.parseMetadata()
            } else {
                if !seenNames.insert(key).inserted {
                    throw TensorStreamError.duplicateName(parser.position(keyOffset), name: key)
                }
                result.entries.append(try parser.parseEntry(name: key, keyOffset: keyOffset))
            }
        }
        skipWhitespace()
        if let extra = peek() { throw jsonError("unexpected \(Self.show(extra)) after the header object") }
        return result
    }

    private mutating func parseMetadata() throws -> [String: String] {
        skipWhitespace()
        guard peek() == UInt8(ascii: "{") else { throw headerError(nil, "__metadata__ is not an object of strings") }
        index &+= 1
        var metadata: [String: String] = [:]
        try parseMembers { parser, key, keyOffset in
            parser.skipWhitespace()
            guard parser.peek() == UInt8(ascii: "\"") else {
                throw parser.headerError(nil, "__metadata__ value for '\(key)' is not a string")
            }
            let value = try parser.parseString()
            if metadata.updateValue(value, forKey: key) != nil {
                throw TensorStreamError.duplicateName(parser.position(keyOffset), name: "__metadata__." + key)
            }
        }
        return metadata
    }

    private mutating func parseEntry(name: String, keyOffset: Int) throws -> FrameHeader.Entry {
        let at = position(keyOffset)
        skipWhitespace()
        guard peek() == UInt8(ascii: "{") else { throw headerError(name, "the tensor entry is not an object") }
        index &+= 1
        var dtype: DType?
        var shape: [Int]?
        var offsets: [Int]?
        try parseMembers { parser, field, _ in
            parser.skipWhitespace()
            switch field {
            case "dtype":
                guard dtype == nil else { throw parser.headerError(name, "duplicate field 'dtype'") }
                guard parser.peek() == UInt8(ascii: "\"") else {
                    throw parser.headerError(name, "dtype is not a string")
                }
                let text = try parser.parseString()
                guard let known = DType(rawValue: text) else {
                    throw TensorStreamError.unknownDType(at, tensor: name, dtype: text)
                }
                dtype = known
            case "shape":
                guard shape == nil else { throw parser.headerError(name, "duplicate field 'shape'") }
                shape = try parser.parseIntegers { reason in
                    TensorStreamError.invalidShape(at, tensor: name, reason: reason)
                }
            case "data_offsets":
                guard offsets == nil else { throw parser.headerError(name, "duplicate field 'data_offsets'") }
                offsets = try parser.parseIntegers { reason in
                    TensorStreamError.invalidOffsets(at, tensor: name, reason: reason)
                }
                if offsets?.count != 2 {
                    throw TensorStreamError.invalidOffsets(at, tensor: name, reason: "expected [begin, end]")
                }
            default:
                throw parser.headerError(name, "unexpected field '\(field)'")
            }
        }
        guard let dtype else { throw TensorStreamError.invalidHeader(at, tensor: name, reason: "missing 'dtype'") }
        guard let shape else { throw TensorStreamError.invalidHeader(at, tensor: name, reason: "missing 'shape'") }
        guard let offsets, offsets.count == 2 else {
            throw TensorStreamError.invalidHeader(at, tensor: name, reason: "missing 'data_offsets'")
        }
        return FrameHeader.Entry(
            name: name, dtype: dtype, shape: shape, elementCount: 0, begin: offsets[0], end: offsets[1],
            position: keyOffset &+ start.offset)
    }

    /// Parses `[n, n, ...]` of non-negative integers that fit in `Int`; wrong types go to `failure`.
    private mutating func parseIntegers(_ failure: (String) -> TensorStreamError) throws -> [Int] {
        guard peek() == UInt8(ascii: "[") else { throw failure("not an array of non-negative integers") }
        index &+= 1
        var values: [Int] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            index &+= 1
            return values
        }
        while true {
            skipWhitespace()
            guard let byte = peek(), byte == UInt8(ascii: "-") || Self.isDigit(byte) else {
                throw failure("an element is not a non-negative integer")
            }
            let (text, isInteger) = try parseNumber()
            guard isInteger, text.first != UInt8(ascii: "-") else {
                throw failure("\(String(decoding: text, as: UTF8.self)) is not a non-negative integer")
            }
            var value = 0
            for digit in text {
                let (times10, o1) = value.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(Int(digit &- UInt8(ascii: "0")))
                guard !o1, !o2 else { throw failure("\(String(decoding: text, as: UTF8.self)) is too large") }
                value = sum
            }
            values.append(value)
            skipWhitespace()
            switch next() {
            case UInt8(ascii: ","): continue
            case UInt8(ascii: "]"): return values
            case let other:
                throw jsonError(other.map { "expected ',' or ']', found \(Self.show($0))" } ?? "unexpected end")
            }
        }
    }

    /// Parses the members of an object whose `{` has been consumed, calling `member` after each key and colon.
    private mutating func parseMembers(
        _ member: (inout HeaderParser, String, Int) throws -> Void
    ) throws {
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index &+= 1
            return
        }
        while true {
            skipWhitespace()
            let keyOffset = index
            guard peek() == UInt8(ascii: "\"") else { throw jsonError("expected a string key") }
            let key = try parseString()
            skipWhitespace()
            guard next() == UInt8(ascii: ":") else { throw jsonError("expected ':' after key") }
            try member(&self, key, keyOffset)
            skipWhitespace()
            switch next() {
            case UInt8(ascii: ","): continue
            case UInt8(ascii: "}"): return
            case let other:
                throw jsonError(other.map { "expected ',' or '}', found \(Self.show($0))" } ?? "unexpected end")
            }
        }
    }

    /// Parses a whole buffer holding one JSON array of strings (the form of list-valued metadata such as
    /// `prompt`), with the same strictness as headers.
    mutating func parseStringList() throws -> [String] {
        var list: [String] = []
        skipWhitespace()
        guard next() == UInt8(ascii: "[") else { throw jsonError("expected a JSON array of strings", at: 0) }
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            index &+= 1
        } else {
            while true {
                skipWhitespace()
                guard peek() == UInt8(ascii: "\"") else { throw jsonError("expected a string in the array") }
                list.append(try parseString())
                skipWhitespace()
                let separator = next()
                if separator == UInt8(ascii: "]") { break }
                guard separator == UInt8(ascii: ",") else { throw jsonError("expected ',' or ']' in the array") }
            }
        }
        skipWhitespace()
        guard index == bytes.count else { throw jsonError("unexpected bytes after the array") }
        return list
    }

    // MARK: JSON tokens

    /// Parses a JSON string whose opening quote is next; checks escapes and UTF-8.
    private mutating func parseString() throws -> String {
        let quote = index
        index &+= 1
        var out: [UInt8] = []
        while true {
            guard let byte = next() else { throw jsonError("unterminated string", at: quote) }
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: out, as: UTF8.self) else {
                    throw jsonError("string is not valid UTF-8", at: quote)
                }
                return text
            case UInt8(ascii: "\\"):
                guard let escape = next() else { throw jsonError("unterminated string", at: quote) }
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0c)
                case UInt8(ascii: "n"): out.append(0x0a)
                case UInt8(ascii: "r"): out.append(0x0d)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try parseHex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard next() == UInt8(ascii: "\\"), next() == UInt8(ascii: "u") else {
                            throw jsonError("lone surrogate in \\u escape", at: index &- 1)
                        }
                        let low = try parseHex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw jsonError("invalid surrogate pair") }
                        scalar = 0x10000 &+ ((scalar &- 0xD800) << 10) &+ (low &- 0xDC00)
                    } else if (0xDC00..<0xE000).contains(scalar) {
                        throw jsonError("lone surrogate in \\u escape")
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw jsonError("invalid \\u escape") }
                    UTF8.encode(unicode) { out.append($0) }
                default:
                    throw jsonError("invalid escape \\\(Self.show(escape))", at: index &- 1)
                }
            case 0..<0x20:
                throw jsonError("control character in string", at: index &- 1)
            default:
                out.append(byte)
            }
        }
    }

    private mutating func parseHex4() throws -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = next() else { throw jsonError("truncated \\u escape") }
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte &- UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte &- UInt8(ascii: "a") &+ 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte &- UInt8(ascii: "A") &+ 10
            default: throw jsonError("invalid hex digit in \\u escape", at: index &- 1)
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// Parses a JSON number (full grammar); returns its text and whether it is a plain integer.
    private mutating func parseNumber() throws -> (text: [UInt8], isInteger: Bool) {
        let begin = index
        var isInteger = true
        if peek() == UInt8(ascii: "-") { index &+= 1 }
        guard let lead = peek(), Self.isDigit(lead) else { throw jsonError("invalid number", at: begin) }
        if lead == UInt8(ascii: "0") {
            index &+= 1
        } else {
            while let byte = peek(), Self.isDigit(byte) { index &+= 1 }
        }
        if peek() == UInt8(ascii: ".") {
            isInteger = false
            index &+= 1
            guard let byte = peek(), Self.isDigit(byte) else { throw jsonError("invalid number", at: begin) }
            while let byte = peek(), Self.isDigit(byte) { index &+= 1 }
        }
        if let byte = peek(), byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            isInteger = false
            index &+= 1
            if let sign = peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { index &+= 1 }
            guard let byte = peek(), Self.isDigit(byte) else { throw jsonError("invalid number", at: begin) }
            while let byte = peek(), Self.isDigit(byte) { index &+= 1 }
        }
        return (Array(bytes[begin..<index]), isInteger)
    }

    // MARK: Bytes

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func next() -> UInt8? {
        guard index < bytes.count else { return nil }
        defer { index &+= 1 }
        return bytes[index]
    }

    private mutating func skipWhitespace() {
        while let byte = peek(), byte == 0x20 || byte == 0x0a || byte == 0x0d || byte == 0x09 { index &+= 1 }
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    /// Whether `byte` can begin a JSON value other than an object (so a wrong type, not a syntax error).
    private static func startsValue(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "[") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "-") || isDigit(byte)
            || byte == UInt8(ascii: "t") || byte == UInt8(ascii: "f") || byte == UInt8(ascii: "n")
    }

    private static func show(_ byte: UInt8) -> String {
        (0x21..<0x7f).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
    }

    // MARK: Errors

    private func position(_ headerIndex: Int) -> StreamPosition {
        StreamPosition(source: start.source, frame: start.frame, offset: start.offset &+ headerIndex)
    }

    private func jsonError(_ reason: String, at headerIndex: Int? = nil) -> TensorStreamError {
        .invalidJSON(position(headerIndex ?? min(index, bytes.count)), reason: reason)
    }

    private func headerError(_ tensor: String?, _ reason: String) -> TensorStreamError {
        .invalidHeader(position(index), tensor: tensor, reason: reason)
    }
}
