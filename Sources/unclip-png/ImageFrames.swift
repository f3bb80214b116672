import Imaging
import StageKit
import TensorStream

/// Image files → one `image` frame, and `image` frames → PNG files: the conversions behind `unclip-png`.
enum ImageFrames {
    /// Decodes every file (PNG or JPEG), optionally resizes the short side to `size` and centre-crops a square
    /// (bicubic with antialias, as CLIP's preprocessing does), and stacks them as `[B, 3, H, W]` in [-1, 1].
    static func frame(fromFiles paths: [String], size: Int?) throws -> Frame {
        var values: [Float] = []
        var shape: (height: Int, width: Int)?
        for path in paths {
            let bytes = try readFile(path, limit: 1 << 28)
            var planar: PlanarImage
            do {
                planar = PlanarImage(try ImageDecoder.decode(bytes, source: path))
                if let size {
                    planar = try planar.resizedAndCropped(to: size)
                    // Bicubic overshoots at edges; the wire's `image` range is [-1, 1].
                    for i in planar.values.indices { planar.values[i] = min(max(planar.values[i], -1), 1) }
                }
            } catch let error as ImagingError {
                throw StageError("\(path): \(error)")
            }
            if let shape, shape != (planar.height, planar.width) {
                throw StageError(
                    "\(path) is \(planar.width)x\(planar.height) but \(paths[0]) is \(shape.width)x\(shape.height); "
                        + "use --size N to bring every image to N x N")
            }
            shape = (planar.height, planar.width)
            values += planar.values
        }
        guard let shape else { throw UsageError("no image files given") }
        var frame = Frame()
        frame["image"] = try TensorBlob.float32(shape: [paths.count, 3, shape.height, shape.width], values)
        frame.setMetadataList(paths, for: "files")
        return frame
    }

    /// The images of one frame's tensor `name`, which must be `[B, 3, H, W]` (any float dtype).
    static func images(in frame: Frame, tensor name: String, frameIndex: Int) throws -> [Image] {
        guard let tensor = frame[name] else {
            throw StageError(
                "frame \(frameIndex) has no tensor '\(name)' (it has: \(frame.names.joined(separator: ", ")))")
        }
        let s = tensor.shape
        guard s.count == 4, s[1] == 3, s[2] > 0, s[3] > 0, !tensor.dtype.isInteger else {
            throw StageError(
                "frame \(frameIndex), tensor '\(name)': expected float [B, 3, H, W], got \(tensor.dtype.rawValue) \(s)")
        }
        let values = try tensor.floats()
        let plane = 3 * s[2] * s[3]
        return try (0..<s[0]).map { b in
            try Image(planarFloats: Array(values[(b * plane)..<((b + 1) * plane)]), width: s[3], height: s[2])
        }
    }

    /// The file name for image number `n` (item `item` of frame `frame`). `%n`, `%f` and `%b` in the pattern are
    /// replaced by those numbers; a pattern without `%` names the first image, and later images get `-n` before
    /// the extension (`out.png`, `out-1.png`, ...).
    static func fileName(pattern: String, n: Int, frame: Int, item: Int) -> String {
        if pattern.contains("%") {
            return pattern.replacing("%n", with: String(n)).replacing("%f", with: String(frame))
                .replacing("%b", with: String(item))
        }
        if n == 0 { return pattern }
        let slash = pattern.lastIndex(of: "/")
        if let dot = pattern.lastIndex(of: "."), slash.map({ $0 < dot }) ?? true {
            return pattern[..<dot] + "-\(n)" + pattern[dot...]
        }
        return pattern + "-\(n)"
    }

    /// Lays images out as a sheet with `columns` columns and a 2-pixel white gutter.
    static func contactSheet(_ images: [Image], columns: Int) throws -> Image {
        guard let first = images.first else { throw StageError("the stream holds no images") }
        let cellW = images.map(\.width).max() ?? first.width
        let cellH = images.map(\.height).max() ?? first.height
        let gutter = 2
        let cols = max(1, min(columns, images.count))
        let rows = (images.count + cols - 1) / cols
        let width = cols * cellW + (cols + 1) * gutter
        let height = rows * cellH + (rows + 1) * gutter
        guard width <= Image.maximumSide, height <= Image.maximumSide else {
            throw StageError("a \(width)x\(height) sheet is too large; use more columns or fewer images")
        }
        var sheet = try Image(width: width, height: height, channels: 3)
        for i in sheet.pixels.indices { sheet.pixels[i] = 255 }
        for (k, image) in images.enumerated() {
            let x0 = gutter + (k % cols) * (cellW + gutter)
            let y0 = gutter + (k / cols) * (cellH + gutter)
            for y in 0..<image.height {
                let src = y * image.width * 3
                let dst = ((y0 + y) * width + x0) * 3
                sheet.pixels.replaceSubrange(
                    dst..<(dst + image.width * 3), with: image.pixels[src..<(src + image.width * 3)])
            }
        }
        return sheet
    }
}
