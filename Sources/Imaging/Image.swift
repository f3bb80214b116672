/// Decoded pixels: interleaved 8-bit samples, row-major, top row first.
///
/// `channels` is 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA). Decoders return the channel layout the file
/// stores (a palette becomes RGB, or RGBA when it has transparency); `rgb()` and `planarFloats()` give the
/// form the pipeline uses.
public struct Image: Sendable, Equatable {
    /// Widest or tallest image a decoder accepts.
    public static let maximumSide = 16384
    /// Most pixels a decoder accepts (2^28), checked before anything is allocated.
    public static let maximumPixelCount = 1 << 28

    public var width: Int
    public var height: Int
    public var channels: Int
    /// `height * width * channels` samples.
    public var pixels: [UInt8]

    /// Wraps `pixels`; throws if the buffer size does not match the shape or `channels` is not 1...4.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) throws {
        guard width > 0, height > 0, (1...4).contains(channels) else {
            throw ImagingError.invalidImage("shape \(width)x\(height)x\(channels)")
        }
        let (count, overflow) = width.multipliedReportingOverflow(by: height * channels)
        guard !overflow, count == pixels.count else {
            throw ImagingError.invalidImage("\(pixels.count) samples for \(width)x\(height)x\(channels)")
        }
        self.init(unchecked: width, height, channels, pixels)
    }

    /// A black (or transparent) image.
    public init(width: Int, height: Int, channels: Int) throws {
        guard width > 0, height > 0, (1...4).contains(channels), width <= Image.maximumSide,
            height <= Image.maximumSide, width * height <= Image.maximumPixelCount
        else { throw ImagingError.invalidImage("shape \(width)x\(height)x\(channels)") }
        self.init(unchecked: width, height, channels, [UInt8](repeating: 0, count: width * height * channels))
    }

    init(unchecked width: Int, _ height: Int, _ channels: Int, _ pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// True when the last channel is alpha (2 or 4 channels).
    public var hasAlpha: Bool { channels == 2 || channels == 4 }

    /// The image as 3-channel RGB. Grey is replicated; alpha is dropped without compositing, as Pillow's
    /// `convert("RGB")` does.
    public func rgb() -> Image {
        if channels == 3 { return self }
        let n = width * height
        var out = [UInt8](repeating: 0, count: n * 3)
        let c = channels
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<n {
                    if c <= 2 {
                        let g = src[i * c]
                        dst[i * 3] = g
                        dst[i * 3 + 1] = g
                        dst[i * 3 + 2] = g
                    } else {
                        dst[i * 3] = src[i * c]
                        dst[i * 3 + 1] = src[i * c + 1]
                        dst[i * 3 + 2] = src[i * c + 2]
                    }
                }
            }
        }
        return Image(unchecked: width, height, 3, out)
    }

    /// The image as 4-channel RGBA (alpha 255 where the image has none), as Pillow's `convert("RGBA")`.
    public func rgba() -> Image {
        if channels == 4 { return self }
        let n = width * height
        var out = [UInt8](repeating: 255, count: n * 4)
        let c = channels
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<n {
                    let r = src[i * c]
                    dst[i * 4] = r
                    dst[i * 4 + 1] = c >= 3 ? src[i * c + 1] : r
                    dst[i * 4 + 2] = c >= 3 ? src[i * c + 2] : r
                    if c == 2 { dst[i * 4 + 3] = src[i * c + 1] }
                }
            }
        }
        return Image(unchecked: width, height, 4, out)
    }

    /// The image as 1-channel grey. RGB uses ITU-R 601-2 luma with Pillow's fixed-point rounding
    /// (`L = (R*19595 + G*38470 + B*7471 + 0x8000) >> 16`); alpha is dropped.
    public func grey() -> Image {
        if channels == 1 { return self }
        let n = width * height
        var out = [UInt8](repeating: 0, count: n)
        let c = channels
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for i in 0..<n {
                    if c == 2 {
                        dst[i] = src[i * 2]
                    } else {
                        let r = UInt32(src[i * c]), g = UInt32(src[i * c + 1]), b = UInt32(src[i * c + 2])
                        dst[i] = UInt8((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16)
                    }
                }
            }
        }
        return Image(unchecked: width, height, 1, out)
    }

    /// RGB as planar floats `[3, height, width]` in [-1, 1]: `x / 127.5 - 1` (alpha dropped as in `rgb()`).
    public func planarFloats() -> [Float] {
        let src = rgb()
        let plane = width * height
        var out = [Float](repeating: 0, count: 3 * plane)
        src.pixels.withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer { o in
                for i in 0..<plane {
                    o[i] = Float(p[i * 3]) / 127.5 - 1
                    o[plane + i] = Float(p[i * 3 + 1]) / 127.5 - 1
                    o[2 * plane + i] = Float(p[i * 3 + 2]) / 127.5 - 1
                }
            }
        }
        return out
    }

    /// An RGB image from planar floats `[3, height, width]` in [-1, 1]: `(x + 1) * 127.5`, clamped to [0, 255] and
    /// rounded half to even (NaN becomes 0). Exactly inverts `planarFloats()` for every 8-bit value.
    public init(planarFloats values: [Float], width: Int, height: Int) throws {
        guard width > 0, height > 0, width <= Image.maximumSide, height <= Image.maximumSide,
            values.count == 3 * width * height
        else { throw ImagingError.invalidImage("\(values.count) floats for [3, \(height), \(width)]") }
        let plane = width * height
        var out = [UInt8](repeating: 0, count: 3 * plane)
        values.withUnsafeBufferPointer { v in
            out.withUnsafeMutableBufferPointer { o in
                for c in 0..<3 {
                    for i in 0..<plane {
                        let x = (v[c * plane + i] + 1) * 127.5
                        // `!(x >= 0)` also catches NaN.
                        o[i * 3 + c] = !(x >= 0) ? 0 : x >= 255 ? 255 : UInt8(x.rounded(.toNearestOrEven))
                    }
                }
            }
        }
        self.init(unchecked: width, height, 3, out)
    }
}
