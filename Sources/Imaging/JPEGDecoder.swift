/// JPEG decoding (placeholder until the decoder lands).
public enum JPEG {
    public static func decode(_ bytes: [UInt8]) throws -> Image {
        throw ImagingError.unsupported(format: "JPEG", part: "file", reason: "JPEG decoding not implemented yet")
    }
}
