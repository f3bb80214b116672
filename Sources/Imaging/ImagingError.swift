/// What went wrong while reading an image: which format, which part of the file (chunk name, marker, stream) and
/// the byte offset where the problem was found.
public enum ImagingError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The bytes start with neither the PNG nor the JPEG signature.
    case unknownFormat
    /// The file ends before `part` is complete; `offset` is where more bytes were needed.
    case truncated(format: String, part: String, offset: Int)
    /// `part` holds a value the format does not allow.
    case corrupt(format: String, part: String, offset: Int, reason: String)
    /// A valid file using a feature this library does not decode (for example CMYK JPEG).
    case unsupported(format: String, part: String, reason: String)
    /// The header declares more pixels than `Image.maximumPixelCount` or a side over `Image.maximumSide`;
    /// refused before anything is allocated.
    case tooLarge(format: String, width: Int, height: Int)
    /// The image is not what an operation needs (wrong channel count, empty size, mismatched buffer).
    case invalidImage(String)
    /// An error from decoding the file named `source`.
    indirect case inSource(String, ImagingError)

    public var description: String {
        switch self {
        case .unknownFormat:
            return "not a PNG or JPEG file (unknown signature)"
        case .truncated(let format, let part, let offset):
            return "\(format): truncated in \(part) at byte \(offset)"
        case .corrupt(let format, let part, let offset, let reason):
            return "\(format): corrupt \(part) at byte \(offset): \(reason)"
        case .unsupported(let format, let part, let reason):
            return "\(format): unsupported \(part): \(reason)"
        case .tooLarge(let format, let width, let height):
            return "\(format): image size \(width)x\(height) exceeds the limit "
                + "(\(Image.maximumSide) per side, \(Image.maximumPixelCount) pixels)"
        case .invalidImage(let reason):
            return "invalid image: \(reason)"
        case .inSource(let source, let error):
            return "\(source): \(error.description)"
        }
    }
}
