/// Planar float pixels `[channels, height, width]`, the form the pipeline's tensors use (RGB in [-1, 1]).
public struct PlanarImage: Sendable, Equatable {
    public var channels: Int
    public var height: Int
    public var width: Int
    /// `channels * height * width` values, channel-major then row-major.
    public var values: [Float]

    /// Wraps `values`; throws if their count does not match the shape.
    public init(channels: Int, height: Int, width: Int, values: [Float]) throws {
        guard channels > 0, height > 0, width > 0, height <= Image.maximumSide, width <= Image.maximumSide,
            values.count == channels * height * width
        else { throw ImagingError.invalidImage("\(values.count) floats for [\(channels), \(height), \(width)]") }
        self.channels = channels
        self.height = height
        self.width = width
        self.values = values
    }

    /// RGB in [-1, 1] (`x / 127.5 - 1`) from 8-bit pixels; grey is replicated and alpha dropped (see `Image.rgb()`).
    public init(_ image: Image) {
        channels = 3
        height = image.height
        width = image.width
        values = image.planarFloats()
    }

    /// Back to 8-bit RGB: `(x + 1) * 127.5`, clamped and rounded half to even (exact for values from `init(_:)`).
    /// Throws unless there are 3 channels.
    public func image() throws -> Image {
        guard channels == 3 else { throw ImagingError.invalidImage("\(channels) channels, expected 3") }
        return try Image(planarFloats: values, width: width, height: height)
    }

    /// The centred `height × width` window, placed as torchvision's `CenterCrop` does:
    /// top = round((H - h) / 2), left = round((W - w) / 2), rounding half to even. Throws if larger than the image.
    public func centerCropped(height h: Int, width w: Int) throws -> PlanarImage {
        guard h > 0, w > 0, h <= height, w <= width else {
            throw ImagingError.invalidImage("crop \(h)x\(w) of a \(height)x\(width) image")
        }
        let top = Int((Double(height - h) / 2).rounded(.toNearestOrEven))
        let left = Int((Double(width - w) / 2).rounded(.toNearestOrEven))
        var out = [Float](repeating: 0, count: channels * h * w)
        for c in 0..<channels {
            for y in 0..<h {
                let src = (c * height + top + y) * width + left
                let dst = (c * h + y) * w
                for x in 0..<w { out[dst + x] = values[src + x] }
            }
        }
        return try PlanarImage(channels: channels, height: h, width: w, values: out)
    }
}
