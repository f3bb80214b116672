/// Decodes PNG or JPEG, chosen by the file's signature.
public enum ImageDecoder {
    /// Decodes `bytes`; errors are wrapped as `ImagingError.inSource(source, …)` so messages name the file.
    public static func decode(_ bytes: [UInt8], source: String) throws -> Image {
        do {
            if bytes.starts(with: PNG.signature) { return try PNG.decode(bytes) }
            if bytes.starts(with: [0xFF, 0xD8]) { return try JPEG.decode(bytes) }
            throw ImagingError.unknownFormat
        } catch let error as ImagingError {
            throw ImagingError.inSource(source, error)
        }
    }
}
