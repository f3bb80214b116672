/// Where in a stream something went wrong: the source's name, the frame index (0-based) and the byte offset from
/// the start of the stream.
public struct StreamPosition: Sendable, Equatable, CustomStringConvertible {
    public var source: String
    public var frame: Int
    public var offset: Int

    public init(source: String, frame: Int, offset: Int) {
        self.source = source
        self.frame = frame
        self.offset = offset
    }

    public var description: String { "\(source): frame \(frame), byte \(offset)" }
}

/// Everything that can go wrong reading or writing a tensor stream. Stream errors carry a ``StreamPosition`` and,
/// where one is involved, the tensor name.
public enum TensorStreamError: Error, Equatable, CustomStringConvertible {
    /// End of input inside a frame (`what` says which part: header length, header, data).
    case truncated(StreamPosition, what: String, expected: Int, got: Int)
    /// The header length exceeds the reader's limit (checked before anything is allocated).
    case headerTooLarge(StreamPosition, claimed: UInt64, limit: Int)
    /// The header is not valid UTF-8 JSON; the position points at the offending byte.
    case invalidJSON(StreamPosition, reason: String)
    /// The header is JSON but not the safetensors header structure.
    case invalidHeader(StreamPosition, tensor: String?, reason: String)
    /// A tensor's dtype is not one ``DType`` knows.
    case unknownDType(StreamPosition, tensor: String, dtype: String)
    /// A shape entry is not a non-negative integer, or the element count overflows.
    case invalidShape(StreamPosition, tensor: String, reason: String)
    /// `data_offsets` are malformed, out of order, overlapping, gapped or do not start at 0.
    case invalidOffsets(StreamPosition, tensor: String, reason: String)
    /// Shape × dtype size differs from the byte length given by the offsets.
    case sizeMismatch(StreamPosition, tensor: String, expected: Int, actual: Int)
    /// The same tensor name (or metadata key) appears twice in one header.
    case duplicateName(StreamPosition, name: String)
    /// `__metadata__["format"]` names another format or an unknown major version.
    case unsupportedFormat(StreamPosition, format: String)
    /// Bytes follow the single frame that a file was expected to hold.
    case trailingData(StreamPosition)
    /// `read(2)` failed.
    case readFailed(StreamPosition, errno: Int32)
    /// Opening a file failed.
    case openFailed(path: String, errno: Int32)
    /// `write(2)` failed with something other than a closed pipe.
    case writeFailed(errno: Int32)
    /// The reading end of the output pipe is closed (EPIPE). Stages treat this as a quiet end.
    case brokenPipe
    /// A tensor built in code has inconsistent dtype, shape and byte count.
    case invalidTensor(reason: String)
    /// A conversion between element types is impossible (wrong kind, or a value out of range).
    case conversion(tensor: DType, reason: String)

    /// Whether this is ``brokenPipe``: the reader of the output went away, and a stage should end quietly.
    public var isBrokenPipe: Bool {
        if case .brokenPipe = self { return true }
        return false
    }

    /// The position in the input stream the error refers to, if it is a stream error.
    public var position: StreamPosition? {
        switch self {
        case .truncated(let at, _, _, _), .headerTooLarge(let at, _, _), .invalidJSON(let at, _),
            .invalidHeader(let at, _, _), .unknownDType(let at, _, _), .invalidShape(let at, _, _),
            .invalidOffsets(let at, _, _), .sizeMismatch(let at, _, _, _), .duplicateName(let at, _),
            .unsupportedFormat(let at, _), .trailingData(let at), .readFailed(let at, _):
            return at
        case .openFailed, .writeFailed, .brokenPipe, .invalidTensor, .conversion:
            return nil
        }
    }

    /// A short stable name for the kind of error, used by `proto/vectors/manifest.tsv`.
    public var kind: String {
        switch self {
        case .truncated: "truncated"
        case .headerTooLarge: "header-too-large"
        case .invalidJSON: "invalid-json"
        case .invalidHeader: "invalid-header"
        case .unknownDType: "unknown-dtype"
        case .invalidShape: "invalid-shape"
        case .invalidOffsets: "invalid-offsets"
        case .sizeMismatch: "size-mismatch"
        case .duplicateName: "duplicate-name"
        case .unsupportedFormat: "unsupported-format"
        case .trailingData: "trailing-data"
        case .readFailed: "read-failed"
        case .openFailed: "open-failed"
        case .writeFailed: "write-failed"
        case .brokenPipe: "broken-pipe"
        case .invalidTensor: "invalid-tensor"
        case .conversion: "conversion"
        }
    }

    public var description: String {
        func named(_ tensor: String?) -> String { tensor.map { ", tensor '\($0)'" } ?? "" }
        switch self {
        case .truncated(let at, let what, let expected, let got):
            return "\(at): truncated \(what) (expected \(expected) bytes, got \(got))"
        case .headerTooLarge(let at, let claimed, let limit):
            return "\(at): header length \(claimed) exceeds the limit of \(limit) bytes"
        case .invalidJSON(let at, let reason):
            return "\(at): header is not valid JSON: \(reason)"
        case .invalidHeader(let at, let tensor, let reason):
            return "\(at)\(named(tensor)): invalid header: \(reason)"
        case .unknownDType(let at, let tensor, let dtype):
            return "\(at)\(named(tensor)): unknown dtype '\(dtype)'"
        case .invalidShape(let at, let tensor, let reason):
            return "\(at)\(named(tensor)): invalid shape: \(reason)"
        case .invalidOffsets(let at, let tensor, let reason):
            return "\(at)\(named(tensor)): invalid data_offsets: \(reason)"
        case .sizeMismatch(let at, let tensor, let expected, let actual):
            return "\(at)\(named(tensor)): shape and dtype need \(expected) bytes but data_offsets span \(actual)"
        case .duplicateName(let at, let name):
            return "\(at): duplicate name '\(name)' in header"
        case .unsupportedFormat(let at, let format):
            return
                "\(at): unsupported format '\(format)' (this reader reads \(StreamFormat.name)/\(StreamFormat.majorVersion).x)"
        case .trailingData(let at):
            return "\(at): unexpected data after the frame"
        case .readFailed(let at, let code):
            return "\(at): read failed: \(errnoDescription(code))"
        case .openFailed(let path, let code):
            return "\(path): cannot open: \(errnoDescription(code))"
        case .writeFailed(let code):
            return "write failed: \(errnoDescription(code))"
        case .brokenPipe:
            return "broken pipe (the reader of the output went away)"
        case .invalidTensor(let reason):
            return "invalid tensor: \(reason)"
        case .conversion(let dtype, let reason):
            return "cannot convert \(dtype.rawValue) tensor: \(reason)"
        }
    }
}
